"""``python -m geodata convert``: any readable file → EPSG:4490 with 亩, every source column kept.

A converter needs three things of a file: that it can be read (format,
encoding), that its coordinate system is known (declared, detected or given
with ``--crs``) and that every record has a valid shape (``--repair`` mends
self-intersections). It needs nothing of zonemap's schema: the output keeps
each source column under its own name and adds ``area_mu``, the area of a
polygon on the CGCS2000 ellipsoid in 亩 (empty for points and lines).

How the file would fit a zonemap layer is still worked out
(:func:`geodata.io.imports.plan_source`) and reported, but as notes: a
missing 地块编号 or 用地性质 does not stop a conversion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from domain.units import geodesic_area_mu
from geodata.io.crsdetect import reproject
from geodata.io.imports import (
    ERROR,
    INFO,
    READ,
    WARNING,
    Finding,
    ImportOptions,
    ImportPlan,
    finite_shapes,
    plan_source,
)
from geodata.io.sources import RawSource, read_source, unforeseen
from geodata.schema import CRS, SHANXI_BBOX

AREA_COLUMN = "area_mu"
OUTPUT_SUFFIXES = (".geojson", ".json", ".gpkg")


@dataclass
class Conversion:
    """A file converted in memory: the output frame, what stops it, and how it would fit ``plan.layer``."""

    frame: gpd.GeoDataFrame  # source columns + area_mu + geometry, EPSG:4490
    plan: ImportPlan
    findings: list[Finding] = field(default_factory=list)  # reading, CRS and geometry

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def notes(self) -> list[Finding]:
        """What stands between the file and an import into ``plan.layer`` (not a reason to refuse converting)."""
        return [f for f in self.plan.findings if f.stage != READ and f.level in (ERROR, WARNING)]


def convert_file(
    path: str | Path,
    layer: str,
    existing,
    options: ImportOptions | None = None,
    name: str | None = None,
) -> Conversion:
    """Read ``path`` and convert it (see module doc); raises SourceError when it cannot be read at all."""
    options = options or ImportOptions()
    name = name or Path(path).name
    raw = read_source(path, options.source_layer, options.encoding, name=name)
    return convert_source(raw, layer, existing, options, name)


def convert_source(raw: RawSource, layer: str, existing, options: ImportOptions, name: str) -> Conversion:
    """:func:`convert_file` for a file already read; an unforeseen failure is a Chinese :class:`SourceError`."""
    with unforeseen(name, "转换"):
        return _convert_source(raw, layer, existing, options, name)


def _convert_source(raw: RawSource, layer: str, existing, options: ImportOptions, name: str) -> Conversion:
    plan = plan_source(raw, layer, existing, options, name)
    findings = [f for f in plan.findings if f.stage == READ and f.column != "geometry"]
    geoms = np.asarray(raw.frame.geometry.values, dtype=object)
    if plan.crs.code is None:
        findings.append(Finding(ERROR, plan.crs.reason, column="geometry", stage=READ))
        out = np.array([None] * len(geoms), dtype=object)
    else:
        findings.insert(0, Finding(INFO, f"坐标系：{plan.crs.label}（{plan.crs.reason}）", stage=READ))
        out, lost = finite_shapes(reproject(geoms, plan.crs.code, plan.crs.swapped))
        findings += lost + _check_shapes(out, options.repair, {f.row - 1 for f in lost})
    table = pd.DataFrame(raw.frame.drop(columns="geometry"))
    if AREA_COLUMN in table.columns:
        table = table.rename(columns={AREA_COLUMN: f"{AREA_COLUMN}_文件"})
        findings.append(Finding(INFO, f"文件自带的“{AREA_COLUMN}”列改名为“{AREA_COLUMN}_文件”", stage=READ))
    table[AREA_COLUMN] = [_area(g) for g in out]
    frame = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(out, crs=CRS), crs=CRS)
    return Conversion(frame, plan, findings)


def _area(geom) -> float | None:
    if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return round(geodesic_area_mu(geom), 4)


def _check_shapes(geoms: np.ndarray, repair: bool, said: set[int]) -> list[Finding]:
    """Empty and invalid shapes are errors (invalid ones mended with ``repair``); outside Shanxi is a warning.

    Positions in ``said`` already have their error.
    """
    findings = []
    minx, miny, maxx, maxy = SHANXI_BBOX
    for i, g in enumerate(geoms):
        row = i + 1
        if i in said:
            continue
        if g is None or g.is_empty:
            findings.append(Finding(ERROR, "没有几何（图形为空）", row=row, column="geometry", stage=READ))
            continue
        geoms[i] = g = shapely.force_2d(g)
        if not g.is_valid:
            reason = shapely.is_valid_reason(g)
            if not repair:
                findings.append(Finding(ERROR, f"几何无效（{reason}）：可加 --repair 自动修复", row=row,
                                        column="geometry", stage=READ))  # fmt: skip
                continue
            geoms[i] = g = shapely.make_valid(g)
            findings.append(Finding(WARNING, f"几何无效（{reason}），已修复", row=row, column="geometry", stage=READ))
        x0, y0, x1, y1 = g.bounds
        if x0 < minx or x1 > maxx or y0 < miny or y1 > maxy:
            findings.append(Finding(WARNING, f"位置超出山西省范围（经度 {x0:.4f}–{x1:.4f}，纬度 {y0:.4f}–{y1:.4f}）",
                                    row=row, column="geometry", stage=READ))  # fmt: skip
    return findings


def _plain(value: object) -> object:
    """A cell as GeoJSON/GeoPackage can hold it: numbers, text, booleans or None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def conversion_geojson(frame: gpd.GeoDataFrame) -> bytes:
    """RFC 7946 GeoJSON of a converted frame (lon/lat to 7 decimals, columns as they are)."""
    features = []
    for record, geom in zip(frame.drop(columns="geometry").to_dict("records"), frame.geometry, strict=True):
        rounded = None if geom is None else shapely.set_precision(geom, 1e-7)
        features.append(
            {"type": "Feature", "properties": {str(k): _plain(v) for k, v in record.items()},
             "geometry": None if rounded is None else rounded.__geo_interface__}
        )  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def write_conversion(frame: gpd.GeoDataFrame, out: Path) -> None:
    """Write ``frame`` to ``out`` (.geojson/.json or .gpkg, one layer named after the file)."""
    if out.suffix.lower() in (".geojson", ".json"):
        out.write_bytes(conversion_geojson(frame))
        return
    table = pd.DataFrame(frame.drop(columns="geometry"))
    for col in table.columns:
        values = [_plain(v) for v in table[col]]
        kinds = {type(v) for v in values if v is not None}
        table[col] = pd.Series(values if kinds <= {int, float} or len(kinds) == 1 else
                               [None if v is None else str(v) for v in values], dtype=object)  # fmt: skip
    gis = gpd.GeoDataFrame(table, geometry=frame.geometry.values, crs=CRS)
    if out.exists():
        out.unlink()
    pyogrio.write_dataframe(gis, out, layer=out.stem, driver="GPKG")
