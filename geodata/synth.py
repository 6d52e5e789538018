"""Synthetic province-scale stores for benchmarks: ``python -m geodata synth --parcels 100000 --projects 10000``.

The sample's boundaries, zones, chains, rounds and its real records are kept;
synthetic parcels fill each leaf zone's surroundings as a grid of blocks
(80–150 m sides, 30 m roads, each cell given to the nearest zone so parks do
not overlap), and synthetic projects sit on synthetic parcels. Every
synthetic record says so: ``source`` = :data:`SYNTH_SOURCE`, ``outline_source``
= schematic. Attributes follow plausible shares (supply stages, 几通一平, 标准地,
chains from the zone's leading chains). Same seed, same file.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from domain.readiness import READINESS_FLAGS
from domain.supply import ASSESSMENTS
from geodata.schema import CRS, STAGES, SUPPLY_STATUSES, split_list
from geodata.store import SAMPLE_PATH, GpkgStore, create_store

SYNTH_SOURCE = "合成（性能测试数据，非真实）"
CELL_M = 160.0  # grid pitch: a block plus the road around it
M_PER_DEG_LAT = 110_540.0
STATUS_SHARES = (0.35, 0.15, 0.2, 0.2, 0.1)  # reserve, listed, sold, started, producing
STAGE_SHARES = (0.45, 0.35, 0.2)
READY_ORDER = ("road", "water_supply", "power", "leveling", "telecom", "drainage", "gas", "heat")
REFERENCE_DAY = np.datetime64("2026-11-01")  # dates are set relative to this day (same seed, same file)
IDLE_SHARE = 0.04  # sold parcels more than a year past their agreed start


def synth_frames(n_parcels: int, n_projects: int, seed: int = 1, base: Path = SAMPLE_PATH) -> dict[str, pd.DataFrame]:
    """Layer frames of a store with ``n_parcels`` parcels and ``n_projects`` projects (sample records included)."""
    rng = np.random.default_rng(seed)
    frames = GpkgStore(base).read_all()
    zones = frames["zones"]
    leaves = zones[~zones["zone_id"].isin(set(zones["parent_id"].dropna()))].reset_index(drop=True)
    extra_p = max(0, n_parcels - len(frames["parcels"]))
    parcels = _parcels(leaves, extra_p, frames["chains"], rng, frames["parcels"].geometry.values)
    frames["parcels"] = pd.concat([frames["parcels"], parcels], ignore_index=True).head(n_parcels)
    extra_j = max(0, n_projects - len(frames["projects"]))
    projects = _projects(parcels, extra_j, frames["rounds"], rng)
    frames["projects"] = pd.concat([frames["projects"], projects], ignore_index=True).head(n_projects)
    for name in ("parcels", "projects"):
        frames[name] = gpd.GeoDataFrame(frames[name], geometry="geometry", crs=CRS)
    return frames


def _cells(leaves: gpd.GeoDataFrame, n: int, occupied) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell centres (lon, lat) on one province-wide lattice and the leaf zone index of each, ``n`` in all.

    Each zone takes the free lattice cells nearest its centre, so neighbouring parks never overlap.
    """
    points = shapely.centroid(leaves.geometry.values)  # schematic outlines: a degree centroid is fine
    centres = np.column_stack([shapely.get_x(points), shapely.get_y(points)])
    dx = CELL_M / (M_PER_DEG_LAT * np.cos(np.radians(37.5)))  # one lattice for the province (≈ 34.5–40.7° N)
    dy = CELL_M / M_PER_DEG_LAT
    share = np.full(len(leaves), n // len(leaves))
    share[: n % len(leaves)] += 1
    taken: set[tuple[int, int]] = set()
    for x0, y0, x1, y1 in shapely.bounds(np.asarray(occupied, dtype=object)):  # the sample's own parcels
        for a in range(int(np.floor(x0 / dx - 0.5)), int(np.ceil(x1 / dx + 0.5)) + 1):
            taken.update((a, b) for b in range(int(np.floor(y0 / dy - 0.5)), int(np.ceil(y1 / dy + 0.5)) + 1))
    cols, rows, owner = [], [], []
    for i, (cx, cy) in enumerate(centres):
        ci, cj = round(cx / dx), round(cy / dy)
        r = int(np.sqrt(share[i])) // 2 + 2
        while True:
            gi, gj = np.meshgrid(np.arange(ci - r, ci + r + 1), np.arange(cj - r, cj + r + 1))
            gi, gj = gi.ravel(), gj.ravel()
            free = np.array([(a, b) not in taken for a, b in zip(gi.tolist(), gj.tolist(), strict=True)])
            if free.sum() >= share[i]:
                break
            r = r * 3 // 2 + 1
        gi, gj = gi[free], gj[free]
        order = np.argsort((gi - ci) ** 2 + (gj - cj) ** 2, kind="stable")[: share[i]]
        taken.update(zip(gi[order].tolist(), gj[order].tolist(), strict=True))
        cols.append(gi[order])
        rows.append(gj[order])
        owner.append(np.full(len(order), i))
    return np.concatenate(cols) * dx, np.concatenate(rows) * dy, np.concatenate(owner)


def _parcels(leaves, n: int, chains: pd.DataFrame, rng, occupied) -> pd.DataFrame:
    if n == 0:
        return pd.DataFrame()
    lon, lat, owner = _cells(leaves, n, occupied)
    n = len(lon)
    w, h = rng.uniform(80, 150, n), rng.uniform(80, 150, n)
    kx = M_PER_DEG_LAT * np.cos(np.radians(lat))
    boxes = shapely.box(lon - w / 2 / kx, lat - h / 2 / M_PER_DEG_LAT, lon + w / 2 / kx, lat + h / 2 / M_PER_DEG_LAT)
    geoms = shapely.multipolygons(boxes, indices=np.arange(n))
    zone_ids = leaves["zone_id"].to_numpy()[owner]
    names = leaves["short_name"].to_numpy()[owner]
    all_chains = chains["name"].tolist()
    zone_chains = [split_list(v) or all_chains for v in leaves["leading_chains"]]
    status = rng.choice(SUPPLY_STATUSES, n, p=STATUS_SHARES)
    advanced = status != "reserve"
    # 几通一平 come in order (路、水、电、平整 first); regional assessments are done zone by zone.
    level = np.where(advanced, rng.integers(4, 9, n), rng.integers(0, 9, n))
    zone_done = rng.random((len(leaves), len(ASSESSMENTS))) < 0.8
    assessed = zone_done[owner] | (advanced[:, None] & (rng.random((n, len(ASSESSMENTS))) < 0.5))
    out = pd.DataFrame(
        {
            "parcel_id": [f"SYN-P-{i:06d}" for i in range(n)],
            "zone_id": zone_ids,
            "name": [f"{z}合成{i:06d}号地块" for i, z in enumerate(names)],
            "area_mu": np.round(w * h * 3 / 2000, 2),
            "land_use": rng.choice(["industrial_land", "logistics_land", "mixed_land"], n, p=[0.8, 0.12, 0.08]),
            "is_standard_land": rng.random(n) < 0.3,
            "supply_status": status,
            "land_holder": np.where(advanced & (status != "listed"), "合成示例企业", None),
            **{f: level > READY_ORDER.index(f) for f in READINESS_FLAGS},
            **{f: assessed[:, j] for j, f in enumerate(ASSESSMENTS)},
            "invest_intensity": np.round(rng.uniform(250, 600, n), 1),
            "plot_ratio": np.round(rng.uniform(0.8, 2.5, n), 2),
            "chain": [zone_chains[o][rng.integers(len(zone_chains[o]))] for o in owner],
            "outline_source": "schematic",
            "source": SYNTH_SOURCE,
        }
    )
    out["agreed_start_date"], out["actual_start_date"] = _start_dates(status, rng)
    extra = np.random.default_rng(rng.integers(2**32))  # the columns below leave the ones above as they were
    out = out.assign(**_land_office_dates(status, out["agreed_start_date"], extra), **_actuals(out, status, extra))
    return gpd.GeoDataFrame(out, geometry=geoms, crs=CRS)


def _land_office_dates(status: np.ndarray, agreed: list, rng) -> dict[str, list]:
    """挂牌日期, 出让合同签订日期 and 交地日期 before the agreed start; a tenth of them left blank (日期不详)."""
    n = len(status)
    known = pd.to_datetime(pd.Series(agreed, dtype=object), format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
    fallback = REFERENCE_DAY - rng.integers(0, 300, n).astype("timedelta64[D]")
    base = np.where(np.isnat(known), fallback, known)
    contract = base - rng.integers(90, 400, n).astype("timedelta64[D]")
    listed = contract - rng.integers(20, 45, n).astype("timedelta64[D]")
    delivered = contract + rng.integers(0, 90, n).astype("timedelta64[D]")
    rank = np.array([SUPPLY_STATUSES.index(s) for s in status])  # reserve 0, listed 1, sold 2 …
    blank = rng.random((3, n)) < 0.1

    def dates(values, reached, blanks):
        return [str(d) if r and not b else None for d, r, b in zip(values, reached, blanks, strict=True)]

    return {
        "listed_date": dates(listed, rank >= 1, blank[0]),
        "contract_date": dates(contract, rank >= 2, blank[1]),
        "delivered_date": dates(delivered, rank >= 2, blank[2]),
    }


def _actuals(parcels: pd.DataFrame, status: np.ndarray, rng) -> dict[str, object]:
    """实绩年度 (the year before the reference day), 实缴税金 and 营业收入 of producing parcels; a fifth unreported."""
    n = len(status)
    reported = (status == "producing") & (rng.random(n) >= 0.2)
    tax = np.round(parcels["area_mu"].to_numpy() * rng.lognormal(np.log(15), 0.6, n), 1)
    revenue = np.round(tax * rng.uniform(12, 30, n), 1)
    year = int(str(REFERENCE_DAY)[:4]) - 1
    return {
        "actual_year": pd.Series(np.where(reported, year, np.nan), index=parcels.index).astype("Int64"),
        "tax_paid_wan": np.where(reported, tax, np.nan),
        "revenue_wan": np.where(reported, revenue, np.nan),
    }


def _start_dates(status: np.ndarray, rng) -> tuple[list, list]:
    """Agreed and actual start dates with realistic shares of idle land.

    Sold land mostly has its start date within the year before :data:`REFERENCE_DAY`
    or after it (not yet due); :data:`IDLE_SHARE` of it is more than a year
    overdue (闲置 candidates). Started and producing land started within
    four months of the agreed date.
    """
    n = len(status)
    sold, begun = status == "sold", np.isin(status, ("started", "producing"))
    overdue = sold & (rng.random(n) < IDLE_SHARE)
    offset = np.where(overdue, -rng.integers(370, 900, n), -rng.integers(-120, 330, n))  # days from the reference
    offset = np.where(begun, -rng.integers(200, 1400, n), offset)
    agreed_days = REFERENCE_DAY + offset.astype("timedelta64[D]")
    actual_days = agreed_days + rng.integers(0, 120, n).astype("timedelta64[D]")
    agreed = [
        str(d) if s in ("sold", "started", "producing") else None for d, s in zip(agreed_days, status, strict=True)
    ]
    actual = [str(d) if b else None for d, b in zip(actual_days, begun, strict=True)]
    return agreed, actual


def _projects(parcels: pd.DataFrame, n: int, rounds: pd.DataFrame, rng) -> pd.DataFrame:
    if n == 0 or parcels.empty:
        return pd.DataFrame()
    pick = rng.choice(len(parcels), n, replace=n > len(parcels))
    site = parcels.iloc[pick]
    stage = rng.choice(STAGES, n, p=STAGE_SHARES)
    single = rounds.loc[rounds["kind"] == "round", "round_id"].tolist() or [None]
    return gpd.GeoDataFrame(
        {
            "project_id": [f"SYN-J-{i:06d}" for i in range(n)],
            "name": [f"合成项目{i:06d}" for i in range(n)],
            "enterprise": "合成示例企业",
            "zone_id": site["zone_id"].to_numpy(),
            "chain": site["chain"].to_numpy(),
            "is_chain_leader": rng.random(n) < 0.05,
            "stage": stage,
            "round_id": rng.choice(single, n),
            "investment_yi": np.round(rng.lognormal(1.0, 1.0, n), 2),
            "land_need_mu": site["area_mu"].to_numpy(),
            "parcel_id": site["parcel_id"].to_numpy(),
            "outline_source": "schematic",
            "source": SYNTH_SOURCE,
        },
        geometry=shapely.centroid(site.geometry.values),
        crs=CRS,
    )


def write_synth(out: Path, n_parcels: int, n_projects: int, seed: int = 1, base: Path = SAMPLE_PATH) -> GpkgStore:
    """Write a synthetic store to ``out`` (replaced if it exists), with the sample's tours."""
    return create_store(out, synth_frames(n_parcels, n_projects, seed, base), tours=GpkgStore(base).list_tours())
