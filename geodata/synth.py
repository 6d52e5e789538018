"""Synthetic province-scale stores for benchmarks: ``python -m geodata synth --parcels 100000 --projects 10000``.

The sample's boundaries, zones, chains, rounds and its real records are kept;
synthetic parcels fill each leaf zone's surroundings as a grid of blocks
(80–150 m sides, 30 m roads, each cell given to the nearest zone so parks do
not overlap), and synthetic projects sit on synthetic parcels. Every
synthetic record says so: ``source`` = :data:`SYNTH_SOURCE`, ``outline_source``
= schematic. Attributes follow plausible shares (supply stages, 几通一平, 标准地,
chains from the zone's leading chains). Same seed, same file.

A national store (``--parcels 1000000 --projects 100000``) is written streamed:
parcels and projects are generated and appended :data:`CHUNK` records at a
time, in one transaction per layer, with the R-tree built once at the end;
memory is one chunk's frames plus about 50 bytes a parcel of numpy arrays (the
lattice cells and sizes every chunk and every project needs). Random draws come
from one generator per :data:`BLOCK` of records (numpy ``default_rng([seed,
layer, block])``), so the file does not depend on the chunk size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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
BLOCK = 10_000  # records per random generator: the data do not depend on the chunk size
CHUNK = 50_000  # records generated and appended at a time (a whole number of blocks)


def synth_frames(n_parcels: int, n_projects: int, seed: int = 1, base: Path = SAMPLE_PATH) -> dict[str, pd.DataFrame]:
    """Layer frames of a store with ``n_parcels`` parcels and ``n_projects`` projects (sample records included).

    In memory: for tests and small stores. :func:`write_synth` writes the same records chunk by chunk.
    """
    plan = _plan(n_parcels, n_projects, seed, base)
    frames = dict(plan.small)
    for name, chunks in (("parcels", parcel_chunks(plan)), ("projects", project_chunks(plan))):
        frames[name] = gpd.GeoDataFrame(pd.concat(list(chunks), ignore_index=True), geometry="geometry", crs=CRS)
    return frames


@dataclass
class _Plan:
    """What every chunk needs: the sample's layers and, per synthetic parcel, its cell, size and chain.

    About 50 bytes a synthetic parcel (numpy arrays); records themselves are built a chunk at a time.
    """

    seed: int
    small: dict[str, pd.DataFrame]  # admin, zones, chains, rounds (the sample's)
    parcels: pd.DataFrame  # the sample's parcels and projects, first in their layers
    projects: pd.DataFrame
    n_parcels: int
    n_projects: int
    leaves: pd.DataFrame
    lon: np.ndarray
    lat: np.ndarray
    owner: np.ndarray  # leaf zone index of each synthetic parcel
    width: np.ndarray
    height: np.ndarray
    chain: np.ndarray  # index into chain_names
    chain_names: list[str]
    zone_done: np.ndarray  # (leaf zone, assessment): done zone-wide
    sites: np.ndarray  # synthetic parcel index of each synthetic project

    def boxes(self, index: np.ndarray) -> np.ndarray:
        lon, lat = self.lon[index], self.lat[index]
        kx = M_PER_DEG_LAT * np.cos(np.radians(lat))
        half_w, half_h = self.width[index] / 2 / kx, self.height[index] / 2 / M_PER_DEG_LAT
        return shapely.box(lon - half_w, lat - half_h, lon + half_w, lat + half_h)

    def area_mu(self, index: np.ndarray) -> np.ndarray:
        return np.round(self.width[index] * self.height[index] * 3 / 2000, 2)


def _plan(n_parcels: int, n_projects: int, seed: int, base: Path) -> _Plan:
    frames = GpkgStore(base).read_all()
    zones = frames["zones"]
    leaves = zones[~zones["zone_id"].isin(set(zones["parent_id"].dropna()))].reset_index(drop=True)
    extra_p = max(0, n_parcels - len(frames["parcels"]))
    rng = np.random.default_rng([seed, 0])
    lon, lat, owner = _cells(leaves, extra_p, frames["parcels"].geometry.values)
    all_chains = frames["chains"]["name"].tolist()
    zone_chains = [split_list(v) or all_chains for v in leaves["leading_chains"]]
    names = list(dict.fromkeys(c for chains in zone_chains for c in chains))
    offsets = np.cumsum([0] + [len(c) for c in zone_chains])
    flat = np.array([names.index(c) for chains in zone_chains for c in chains], dtype=np.int32)
    counts = np.diff(offsets)[owner]
    pick = (rng.random(len(owner)) * counts).astype(np.int64) if len(owner) else np.zeros(0, np.int64)
    n_syn = len(lon)
    extra_j = max(0, n_projects - len(frames["projects"])) if n_syn else 0
    return _Plan(
        seed=seed,
        small={k: v for k, v in frames.items() if k not in ("parcels", "projects")},
        parcels=frames["parcels"].head(n_parcels),
        projects=frames["projects"].head(n_projects),
        n_parcels=n_parcels,
        n_projects=n_projects,
        leaves=leaves,
        lon=lon,
        lat=lat,
        owner=owner,
        width=rng.uniform(80, 150, n_syn),
        height=rng.uniform(80, 150, n_syn),
        chain=flat[offsets[owner] + pick] if n_syn else np.zeros(0, np.int32),
        chain_names=names,
        zone_done=rng.random((len(leaves), len(ASSESSMENTS))) < 0.8,
        sites=rng.permutation(n_syn)[:extra_j] if extra_j <= n_syn else rng.integers(0, n_syn, extra_j),
    )


def _blocks(total: int, chunk: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each chunk of ``total`` records: a whole number of :data:`BLOCK` s."""
    step = max(BLOCK, chunk // BLOCK * BLOCK)
    for start in range(0, total, step):
        yield start, min(total, start + step)


def parcel_chunks(plan: _Plan, chunk: int = CHUNK) -> Iterator[gpd.GeoDataFrame]:
    """The parcels layer in chunks of about ``chunk`` records: the sample's first, then the synthetic ones."""
    yield gpd.GeoDataFrame(plan.parcels, geometry="geometry", crs=CRS)
    for start, stop in _blocks(len(plan.lon), chunk):
        yield pd.concat([_parcels(plan, b, min(b + BLOCK, stop)) for b in range(start, stop, BLOCK)],
                        ignore_index=True)  # fmt: skip


def project_chunks(plan: _Plan, chunk: int = CHUNK) -> Iterator[gpd.GeoDataFrame]:
    """The projects layer in chunks: the sample's first, then synthetic ones on synthetic parcels."""
    yield gpd.GeoDataFrame(plan.projects, geometry="geometry", crs=CRS)
    for start, stop in _blocks(len(plan.sites), chunk):
        yield pd.concat([_projects(plan, b, min(b + BLOCK, stop)) for b in range(start, stop, BLOCK)],
                        ignore_index=True)  # fmt: skip


def _cells(leaves: gpd.GeoDataFrame, n: int, occupied) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell centres (lon, lat) on one province-wide lattice and the leaf zone index of each, ``n`` in all.

    Each zone takes the free lattice cells nearest its centre, so neighbouring parks never overlap.
    A cell is one int64 key (column × 2³², plus the row), taken cells one sorted array.
    """
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, np.int64)
    points = shapely.centroid(leaves.geometry.values)  # schematic outlines: a degree centroid is fine
    centres = np.column_stack([shapely.get_x(points), shapely.get_y(points)])
    dx = CELL_M / (M_PER_DEG_LAT * np.cos(np.radians(37.5)))  # one lattice for the province (≈ 34.5–40.7° N)
    dy = CELL_M / M_PER_DEG_LAT
    share = np.full(len(leaves), n // len(leaves))
    share[: n % len(leaves)] += 1
    taken = [np.zeros(0, np.int64)]
    for x0, y0, x1, y1 in shapely.bounds(np.asarray(occupied, dtype=object)):  # the sample's own parcels
        gi, gj = np.meshgrid(np.arange(int(np.floor(x0 / dx - 0.5)), int(np.ceil(x1 / dx + 0.5)) + 1),
                             np.arange(int(np.floor(y0 / dy - 0.5)), int(np.ceil(y1 / dy + 0.5)) + 1))  # fmt: skip
        taken.append(_key(gi.ravel(), gj.ravel()))
    used = np.unique(np.concatenate(taken))
    cols, rows, owner = [], [], []
    for i, (cx, cy) in enumerate(centres):
        ci, cj = round(cx / dx), round(cy / dy)
        r = int(np.sqrt(share[i])) // 2 + 2
        while True:
            gi, gj = np.meshgrid(np.arange(ci - r, ci + r + 1), np.arange(cj - r, cj + r + 1))
            gi, gj = gi.ravel(), gj.ravel()
            free = ~np.isin(_key(gi, gj), used, assume_unique=True)
            if free.sum() >= share[i]:
                break
            r = r * 3 // 2 + 1
        gi, gj = gi[free], gj[free]
        order = np.argsort((gi - ci) ** 2 + (gj - cj) ** 2, kind="stable")[: share[i]]
        used = np.union1d(used, _key(gi[order], gj[order]))
        cols.append(gi[order])
        rows.append(gj[order])
        owner.append(np.full(len(order), i))
    return np.concatenate(cols) * dx, np.concatenate(rows) * dy, np.concatenate(owner)


def _key(col: np.ndarray, row: np.ndarray) -> np.ndarray:
    return col.astype(np.int64) * (1 << 32) + row.astype(np.int64)


def _parcels(plan: _Plan, start: int, stop: int) -> gpd.GeoDataFrame:
    """Synthetic parcels ``start`` … ``stop - 1`` (one :data:`BLOCK` at most, drawn from that block's own generator)."""
    rng = np.random.default_rng([plan.seed, 1, start // BLOCK])
    index = np.arange(start, stop)
    n, owner = len(index), plan.owner[index]
    names = plan.leaves["short_name"].to_numpy()[owner]
    status = rng.choice(SUPPLY_STATUSES, n, p=STATUS_SHARES)
    advanced = status != "reserve"
    # 几通一平 come in order (路、水、电、平整 first); regional assessments are done zone by zone.
    level = np.where(advanced, rng.integers(4, 9, n), rng.integers(0, 9, n))
    assessed = plan.zone_done[owner] | (advanced[:, None] & (rng.random((n, len(ASSESSMENTS))) < 0.5))
    out = pd.DataFrame(
        {
            "parcel_id": [f"SYN-P-{i:06d}" for i in index],
            "zone_id": plan.leaves["zone_id"].to_numpy()[owner],
            "name": [f"{z}合成{i:06d}号地块" for i, z in zip(index, names, strict=True)],
            "area_mu": plan.area_mu(index),
            "land_use": rng.choice(["industrial_land", "logistics_land", "mixed_land"], n, p=[0.8, 0.12, 0.08]),
            "is_standard_land": rng.random(n) < 0.3,
            "supply_status": status,
            "land_holder": np.where(advanced & (status != "listed"), "合成示例企业", None),
            **{f: level > READY_ORDER.index(f) for f in READINESS_FLAGS},
            **{f: assessed[:, j] for j, f in enumerate(ASSESSMENTS)},
            "invest_intensity": np.round(rng.uniform(250, 600, n), 1),
            "plot_ratio": np.round(rng.uniform(0.8, 2.5, n), 2),
            "chain": np.array(plan.chain_names, dtype=object)[plan.chain[index]],
            "outline_source": "schematic",
            "source": SYNTH_SOURCE,
        }
    )
    out["agreed_start_date"], out["actual_start_date"] = _start_dates(status, rng)
    extra = np.random.default_rng(rng.integers(2**32))  # the columns below leave the ones above as they were
    out = out.assign(**_land_office_dates(status, out["agreed_start_date"], extra), **_actuals(out, status, extra))
    geoms = shapely.multipolygons(plan.boxes(index), indices=np.arange(n))
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


def _projects(plan: _Plan, start: int, stop: int) -> gpd.GeoDataFrame:
    """Synthetic projects ``start`` … ``stop - 1``, each on its synthetic parcel (one block's own generator)."""
    rng = np.random.default_rng([plan.seed, 2, start // BLOCK])
    index = np.arange(start, stop)
    site = plan.sites[index]
    n = len(index)
    rounds = plan.small["rounds"]
    single = rounds.loc[rounds["kind"] == "round", "round_id"].tolist() or [None]
    return gpd.GeoDataFrame(
        {
            "project_id": [f"SYN-J-{i:06d}" for i in index],
            "name": [f"合成项目{i:06d}" for i in index],
            "enterprise": "合成示例企业",
            "zone_id": plan.leaves["zone_id"].to_numpy()[plan.owner[site]],
            "chain": np.array(plan.chain_names, dtype=object)[plan.chain[site]],
            "is_chain_leader": rng.random(n) < 0.05,
            "stage": rng.choice(STAGES, n, p=STAGE_SHARES),
            "round_id": rng.choice(single, n),
            "investment_yi": np.round(rng.lognormal(1.0, 1.0, n), 2),
            "land_need_mu": plan.area_mu(site),
            "parcel_id": [f"SYN-P-{i:06d}" for i in site],
            "outline_source": "schematic",
            "source": SYNTH_SOURCE,
        },
        geometry=shapely.centroid(plan.boxes(site)),
        crs=CRS,
    )


def write_synth(
    out: Path, n_parcels: int, n_projects: int, seed: int = 1, base: Path = SAMPLE_PATH, chunk: int = CHUNK
) -> GpkgStore:
    """Write a synthetic store to ``out`` (replaced if it exists), with the sample's tours.

    Parcels and projects are generated and appended ``chunk`` records at a time (memory: one chunk's frames and
    the plan's arrays); the file is the same whatever ``chunk`` is.
    """
    plan = _plan(n_parcels, n_projects, seed, base)
    layers = {**plan.small, "parcels": parcel_chunks(plan, chunk), "projects": project_chunks(plan, chunk)}
    return create_store(out, layers, tours=GpkgStore(base).list_tours())
