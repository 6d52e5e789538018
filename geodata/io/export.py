"""Exports: the parcels' 台账 (.xlsx), tables of any layer, and GIS files (GeoPackage, GeoJSON, Shapefile).

The ledger has a 汇总 sheet (per zone: 宗, 亩, 公顷, 当前具备供地条件, 亩 by supply
status, and a 合计 row) and one sheet per zone with every parcel column under its
Chinese header with units, 公顷 beside 亩 and a 合计 row; numbers carry Excel
number formats and the file name's date is Beijing's. GeoPackage and GeoJSON keep the schema's English column
names in EPSG:4490 lon/lat, so other software can read them back into zonemap.
Shapefiles (zipped, with .prj and .cpg) are for ArcGIS and domestic software:
pinyin-initial field names of at most 10 characters (DKBH, DKMC, MJ, YT …,
see :func:`geodata.io.fieldmap.shp_names`), Chinese values, GBK or UTF-8, any CRS,
and a 字段说明.csv inside; zonemap reads them back.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from domain.clock import beijing_today
from domain.labels import label
from geodata.io import export_stream as stream
from geodata.io.export_stream import frame_sheet, write_xlsx
from geodata.io.ledger import ExportError, Progress, layer_table
from geodata.io.sources import EXPORT_TEMP_PREFIX
from geodata.schema import SCHEMAS

log = logging.getLogger(__name__)


def tables_xlsx(tables: list[tuple[str, pd.DataFrame]]) -> bytes:
    """A workbook with one sheet per (name, table), in order; names made valid, text never a formula."""

    return _written(lambda path: write_xlsx([frame_sheet(n, t) for n, t in tables], path), "xlsx")


def _written(write: Callable[[Path], None], ext: str) -> bytes:
    """The bytes ``write(path)`` puts in a file of a private temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix=EXPORT_TEMP_PREFIX) as tmp:
        path = Path(tmp) / f"export.{ext}"
        write(path)
        return path.read_bytes()


def export_filename(stem: str, ext: str, today: dt.date | None = None) -> str:
    """``地块台账_20261122.xlsx``: the stem without characters unsafe in file names, plus the date in Beijing."""
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", stem).strip("._") or "导出"
    return f"{safe}_{(today or beijing_today()).strftime('%Y%m%d')}.{ext}"


EXPORT_FORMATS: dict[str, str] = {"xlsx": "Excel 台账", "shp": "Shapefile（zip）", "gpkg": "GeoPackage",
                                  "geojson": "GeoJSON"}  # fmt: skip


EXTENSIONS = {"xlsx": "xlsx", "shp": "zip", "gpkg": "gpkg", "geojson": "geojson"}


XLSX_CELL_CHARS = 32_767  # Excel's limit for one cell


SHP_FIELD_BYTES = 254  # a Shapefile (dBASE) text field's width


def cut_warnings(frame: pd.DataFrame, layer: str, fmt: str, encoding: str = "GBK") -> list[str]:
    """Chinese warnings for text the format cannot hold whole (Excel cells, Shapefile fields), saying where."""
    if fmt not in ("xlsx", "shp"):
        return []
    key = SCHEMAS[layer].key
    codec = "gb18030" if encoding.upper() in ("GBK", "GB18030") else "utf-8"
    out = []
    for column in frame.columns:
        if column == "geometry" or not (frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column])):
            continue
        text = frame[column].dropna().astype(str)
        size = text.str.len() if fmt == "xlsx" else text.map(lambda v: len(v.encode(codec, errors="replace")))
        limit = XLSX_CELL_CHARS if fmt == "xlsx" else SHP_FIELD_BYTES
        long = size[size > limit]
        if len(long):
            ids = "、".join(str(i) for i in frame.loc[long.index[:5], key])
            what = (
                f"超过 Excel 单元格上限 {XLSX_CELL_CHARS:,} 字"
                if fmt == "xlsx"
                else f"超过 Shapefile 字段宽度 {limit} 字节"
            )
            more = " 等" if len(long) > 5 else ""
            out.append(f"字段“{label(column)}”有 {len(long)} 条{what}（编号 {ids}{more}），导出后会被截断")
    return out


def export_layer_to(
    data,
    layer: str,
    fmt: str,
    path: Path | str,
    crs: str | None = None,
    encoding: str = "GBK",
    progress: Progress | None = None,
) -> None:
    """``layer`` of ``data`` (a Dataset) written as ``fmt`` to ``path``; see :func:`write_export`."""
    write_export(data.layer(layer), layer, fmt, path, zones=data.zones, crs=crs, encoding=encoding, progress=progress)


def write_export(
    frame: pd.DataFrame,
    layer: str,
    fmt: str,
    path: Path | str,
    *,
    zones: pd.DataFrame | None = None,
    crs: str | None = None,
    encoding: str = "GBK",
    progress: Progress | None = None,
    chunk_rows: int | None = None,
) -> None:
    """``frame`` (records of ``layer``) as ``fmt`` (a key of :data:`EXPORT_FORMATS`) written to ``path`` in chunks.

    Parcels as Excel are the 台账 (``zones`` names its sheets and orders them).
    ``crs`` (e.g. ``EPSG:4547``) applies to gpkg and shp; Excel and GeoJSON are
    always EPSG:4490 lon/lat and refuse another. ``progress(done, total)`` is told
    the records written after each chunk of ``chunk_rows``. Raises :class:`ExportError`
    before anything is written when the export cannot be made as asked.
    """

    crs = _checked_crs(crs, fmt)
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"不支持的导出格式：{fmt}")
    chunks = {"progress": progress, "chunk_rows": chunk_rows or stream.CHUNK_ROWS}
    log.info("exporting %d %s as %s", len(frame), layer, fmt)
    if fmt == "xlsx" and layer == "parcels":
        if zones is None:
            raise ValueError("the 台账 needs the zones (its sheets)")
        stream.write_xlsx(stream.ledger_sheets(frame, zones), path, **chunks)
    elif fmt == "xlsx":
        sheet = stream.Sheet(label(layer), len(frame), lambda start, stop: layer_table(frame.iloc[start:stop], layer))
        stream.write_xlsx([sheet], path, **chunks)
    elif fmt == "shp":
        stream.write_shapefile(frame, path, layer, encoding, crs, **chunks)
    elif fmt == "gpkg":
        stream.write_gpkg(frame, path, layer, crs, **chunks)
    else:
        stream.write_geojson(frame, path, layer, **chunks)


def _checked_crs(crs: str | None, fmt: str) -> str | None:
    """``crs`` for the writers (None: EPSG:4490); refused for Excel and GeoJSON, and when pyproj does not know it."""
    if crs in ("EPSG:4490", ""):
        return None
    if crs and fmt in ("xlsx", "geojson"):
        raise ExportError("Excel 与 GeoJSON 只输出 EPSG:4490 经纬度；指定坐标系仅用于 GeoPackage、Shapefile")
    if crs:
        from pyproj import CRS as ProjCRS
        from pyproj.exceptions import CRSError

        try:
            ProjCRS.from_user_input(crs)
        except CRSError as exc:
            raise ExportError(f"不认识的坐标系 {crs}") from exc
    return crs
