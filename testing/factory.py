"""A tiny hand-made dataset whose counts can be checked by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from domain.readiness import READINESS_FLAGS
from geodata.schema import ASSESSMENT_FLAGS, CRS


def frames() -> dict[str, pd.DataFrame]:
    chains = pd.DataFrame(
        {
            "name": ["光伏", "氢能", "现代医药"],
            "kind": ["key_chain"] * 3,
            "batch": ["2022"] * 3,
            "ordinal": [7, 5, 8],
            "source": ["测试"] * 3,
        }
    )
    rounds = pd.DataFrame(
        {"round_id": ["R1", "R2"], "label": ["第一次", "第二次"], "kind": ["round", "round"], "source": ["测试"] * 2}
    )
    admin = gpd.GeoDataFrame(
        {
            "adcode": ["140000", "140100", "140105", "140700", "140781"],
            "name": ["山西省", "太原市", "小店区", "晋中市", "介休市"],
            "level": ["province", "city", "county", "city", "county"],
            "parent_adcode": [None, "140000", "140100", "140000", "140700"],
            "city_adcode": [None, "140100", "140100", "140700", "140700"],
            "source": ["测试"] * 5,
        },
        geometry=[
            box(111, 36, 114, 39),
            box(112, 37.5, 113, 38.5),
            box(112.4, 37.7, 112.7, 37.9),
            box(111, 36, 113, 37.5),
            box(111.8, 36.9, 112.1, 37.2),
        ],
        crs=CRS,
    )
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ["Z1", "Z1a", "Z2"],
            "name": ["甲开发区", "甲开发区乙园区", "介休经济技术开发区"],
            "short_name": ["甲", "乙园区", "介休"],
            "parent_id": [None, "Z1", None],
            "level": ["national", "national", "provincial"],
            "zone_type": ["industrial", "industrial", "industrial"],
            "city_adcode": ["140100", "140100", "140700"],
            "county_adcode": ["140105", "140105", "140781"],
            "leading_chains": ["光伏;现代医药", None, "氢能"],
            "planned_area_km2": [10.0, 2.0, 5.0],
            "outline_source": ["schematic"] * 3,
            "source": ["测试"] * 3,
        },
        geometry=[box(112.5, 37.75, 112.6, 37.85), box(112.5, 37.75, 112.52, 37.77), box(111.9, 37.0, 112.0, 37.1)],
        crs=CRS,
    )
    parcel_rows = [
        # id, zone, chain, area, standard, status, flags on
        ("P1", "Z1", "光伏", 100.0, True, "sold", READINESS_FLAGS),
        ("P2", "Z1a", "现代医药", 50.5, True, "listed", ("water_supply", "power", "road", "leveling")),
        ("P3", "Z2", "氢能", 870.0, False, "started", ()),
        ("P4", "Z2", None, 36.25, True, "reserve", ("water_supply", "power")),
    ]
    parcels = gpd.GeoDataFrame(
        [
            {
                "parcel_id": pid,
                "zone_id": zone,
                "name": f"地块{pid}",
                "area_mu": area,
                "land_use": "industrial_land",
                "is_standard_land": std,
                "supply_status": status,
                "chain": chain,
                **{f: f in on for f in READINESS_FLAGS},
                **{f: True for f in ASSESSMENT_FLAGS},
                "outline_source": "schematic",
                "source": "测试",
            }
            for pid, zone, chain, area, std, status, on in parcel_rows
        ],
        geometry=[
            box(112.51, 37.78, 112.52, 37.79),
            box(112.505, 37.755, 112.51, 37.76),
            box(111.91, 37.01, 111.93, 37.03),
            box(111.95, 37.05, 111.96, 37.06),
        ],
        crs=CRS,
    )
    project_rows = [
        ("J1", "Z1", "光伏", "signed", "R1", 560.0),
        ("J2", "Z1", "光伏", "started", "R2", 4.0),
        ("J3", "Z1a", "现代医药", "producing", "R1", 1.68),
        ("J4", "Z2", "氢能", "started", None, None),
        ("J5", "Z2", None, "signed", "R2", 10.5),
    ]
    projects = gpd.GeoDataFrame(
        [
            {
                "project_id": pid,
                "name": f"项目{pid}",
                "zone_id": zone,
                "chain": chain,
                "is_chain_leader": False,
                "stage": stage,
                "round_id": rnd,
                "investment_yi": inv,
                "outline_source": "schematic",
                "source": "测试",
            }
            for pid, zone, chain, stage, rnd, inv in project_rows
        ],
        geometry=[
            Point(112.55, 37.8),
            Point(112.56, 37.81),
            Point(112.51, 37.76),
            Point(111.95, 37.02),
            Point(111.96, 37.03),
        ],
        crs=CRS,
    )
    return {
        "chains": chains,
        "rounds": rounds,
        "admin": admin,
        "zones": zones,
        "parcels": parcels,
        "projects": projects,
    }


def write_account(path, username: str, name: str, password: str, scope=None) -> None:
    """An editor account (default 省级) in the accounts file at ``path``, hashed with few iterations (fast)."""
    from access import accounts
    from domain.scope import PROVINCE

    iterations, accounts.ITERATIONS = accounts.ITERATIONS, 1000
    try:
        accounts.save_account(username, name, password, path, scope=scope or PROVINCE)
    finally:
        accounts.ITERATIONS = iterations
