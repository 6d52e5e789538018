"""Export writers that stream to a path in chunks, so memory follows the chunk, not the number of records.

Every writer takes ``progress(done, total)``: called with ``done == 0`` before the
first chunk and after each chunk, ``done`` never decreasing and ending at ``total``
(records written; for the 台账 the parcels on zone sheets). What they write is what
:mod:`geodata.io.export` describes; its bytes-returning functions wrap these.

- Excel: openpyxl's write-only workbook (rows go to a temporary file per sheet as
  they are appended; strings inline, no shared-string table);
- GeoJSON: feature by feature to the file (the text ``json.dumps`` gives for the whole);
- GeoPackage and Shapefile: pyogrio, the first chunk creates the layer and the
  others are appended; the layer's geometry type is taken from the whole frame.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from domain.clock import beijing_now
from domain.supply import AT, REACHED
from geodata.io.ledger import (
    SUMMARY_SHEET,
    ExportError,
    Progress,
    area_sum,
    column_header,
    encodes,
    gis_frame,
    ledger_rows,
    number_format,
    safe_text,
    sheet_names,
    shp_value,
    summary_rows,
    total_row,
    with_total,
)
from geodata.io.sources import EXPORT_TEMP_PREFIX
from geodata.schema import CRS, SCHEMAS

log = logging.getLogger(__name__)

CHUNK_ROWS = 5_000  # records per chunk: a few MB of Python objects at the most
WIDTH_ROWS = 200  # column widths follow the header and the first rows
BOLD = Font(bold=True)


class _Ticker:
    """Counts records written and tells ``progress``."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress
        self.add(0)

    def add(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)


def spans(n: int, size: int) -> list[tuple[int, int]]:
    """``[start, stop)`` ranges of at most ``size`` covering ``range(n)``."""
    size = max(1, int(size))
    return [(start, min(start + size, n)) for start in range(0, n, size)]


# --- Excel ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One worksheet: ``size`` rows, built a chunk at a time by ``rows(start, stop)`` under the sheet's headers."""

    name: str
    size: int
    rows: Callable[[int, int], pd.DataFrame]
    total: bool = False  # end with a 合计 row (Σ 亩 and 公顷), as the 台账's zone sheets do
    counted: bool = True  # its rows are records told to ``progress`` (the 台账's 汇总 is not)


def frame_sheet(name: str, frame: pd.DataFrame, counted: bool = True) -> Sheet:
    """A sheet holding ``frame`` as it is (its columns are the headers)."""
    return Sheet(name, len(frame), lambda start, stop: frame.iloc[start:stop], counted=counted)


def ledger_sheets(parcels: pd.DataFrame, zones: pd.DataFrame) -> list[Sheet]:
    """The 台账: 汇总, then one sheet per zone with parcels (``zones`` order), each ending in 合计."""
    positions = parcels.groupby("zone_id", sort=False).indices if len(parcels) else {}
    sheets = [frame_sheet(SUMMARY_SHEET, summary_rows(parcels, zones), counted=False)]
    for zone in zones.itertuples():
        where = positions.get(zone.zone_id)
        if where is not None and len(where):
            rows = _ledger_part(parcels, where)
            sheets.append(Sheet(zone.short_name, len(where), rows, total=True))
    return sheets


def _ledger_part(parcels: pd.DataFrame, where: np.ndarray) -> Callable[[int, int], pd.DataFrame]:
    return lambda start, stop: ledger_rows(parcels.iloc[where[start:stop]])


def write_xlsx(
    sheets: list[Sheet], path: Path | str, progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS
) -> None:
    """A workbook with ``sheets`` in order: names made valid, headers frozen and filtered, widths set, A4 landscape,
    text never a formula."""
    wb = Workbook(write_only=True)
    stamp = f"{beijing_now():%Y-%m-%d %H:%M}"  # the data's date on every printed page
    ticker = _Ticker(sum(s.size for s in sheets if s.counted), progress)
    for title, sheet in zip(sheet_names([s.name for s in sheets]), sheets, strict=True):
        ws = wb.create_sheet(title)
        head = sheet.rows(0, min(sheet.size, WIDTH_ROWS))
        _layout(ws, with_total(head) if sheet.total and sheet.size < WIDTH_ROWS else head)
        headers = [str(c) for c in head.columns]
        ws.append([_header(ws, h) for h in headers])
        mu, first = 0.0, None
        for start, stop in spans(sheet.size, chunk_rows):
            chunk = sheet.rows(start, stop)
            for values in zip(*(chunk[c].tolist() for c in chunk.columns), strict=True):
                ws.append(_row(ws, headers, values))
                first = values[0] if values else None
            if sheet.total:
                mu = area_sum(chunk, mu)  # one running sum, as over the whole sheet
            ticker.add(stop - start if sheet.counted else 0)
        if sheet.total and sheet.size:
            total = total_row(headers, sheet.size, mu)
            ws.append(_row(ws, headers, [total.get(h) for h in headers]))
        own_total = isinstance(first, str) and first.startswith("合计")  # 汇总 ends in its own 合计 row
        _print_setup(ws, len(headers), sheet.size - own_total, f"{title} · 导出于 {stamp}（北京时间）")
    wb.save(path)


HEADER_NOTES = {
    f"{AT}·": "当前处于：各阶段互不重叠，相加等于全部地块（与“标准地供给”页面的漏斗同一口径）",
    f"{REACHED}·": "累计达到：含该阶段及以后各阶段，相邻列不能相加（与“标准地供给”页面的漏斗同一口径）",
}


def _header(ws, header: str) -> object:
    """A header cell; the 汇总's stage columns carry a note on how they add up."""
    note = next((text for start, text in HEADER_NOTES.items() if header.startswith(start)), None)
    if note is None:
        return safe_text(header)
    cell = WriteOnlyCell(ws, safe_text(header))
    cell.comment = Comment(note, "zonemap")
    return cell


def _print_setup(ws, columns: int, rows: int, heading: str) -> None:
    """A filter on the header over the records (not the 合计 row); printed A4 landscape, one page wide,
    the header repeated on every page, ``heading`` (sheet and export time) above and the page number below."""
    ws.oddHeader.center.text = heading.replace("&", "&&")  # & starts a header code in Excel
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{rows + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"


def _layout(ws, head: pd.DataFrame) -> None:
    """Frozen header (and first column) and widths from the header and the first rows, before any row is written."""
    ws.freeze_panes = "B2" if len(head.columns) > 1 else "A2"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)  # written first: set before any row
    shown = head.map(lambda v: safe_text(v) if isinstance(v, str) else v)
    for i, column in enumerate(shown.columns, start=1):
        longest = max([len(str(column))] + [len(str(v)) for v in shown[column] if v is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(40, 4 + longest * 1.6)


def _row(ws, headers: list[str], values) -> list[object]:
    """One row's cells: numbers with their number format, a 合计 row bold, text with formula protection."""
    converted = [_excel_value(v) for v in values]
    first = converted[0][0] if converted else None
    bold = isinstance(first, str) and first.startswith("合计")
    out: list[object] = []
    for header, (value, fmt) in zip(headers, converted, strict=True):
        if fmt is None and type(value) in (float, int):  # not bool
            fmt = number_format(header, value)
        if not (fmt or bold):
            out.append(value)
            continue
        cell = WriteOnlyCell(ws, value)
        if fmt:
            cell.number_format = fmt
        if bold:
            cell.font = BOLD
        out.append(cell)
    return out


def _excel_value(value: object) -> tuple[object, str | None]:
    """A value as Excel takes it (pandas' rules for ``to_excel``): missing → empty, numpy → Python, text made safe."""
    kind = type(value)
    if kind is str:
        return safe_text(value), None
    if kind is float:
        if value != value:
            return None, None
        return (value, None) if math.isfinite(value) else ("inf" if value > 0 else "-inf", None)
    if value is None or kind is int or kind is bool or kind is Decimal:
        return value, None
    if isinstance(value, np.generic):
        return _excel_value(value.item())
    if value is pd.NaT or value is pd.NA:
        return None, None
    if isinstance(value, dt.date):  # datetime too; openpyxl gives dates a date format
        return value, None
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400, "0"
    return safe_text(str(value)), None


# --- GeoJSON --------------------------------------------------------------------------------------------------------


def write_geojson(
    frame: pd.DataFrame,
    path: Path | str,
    layer: str = "parcels",
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> None:
    """RFC 7946 GeoJSON (EPSG:4490 lon/lat, 7 decimals) with the schema's columns as properties."""
    ticker = _Ticker(len(frame), progress)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write('{"type": "FeatureCollection", "features": [')
        separator = ""
        for start, stop in spans(len(frame), chunk_rows):
            for feature in _features(gis_frame(frame.iloc[start:stop], layer)):
                out.write(separator + json.dumps(feature, ensure_ascii=False, default=str))
                separator = ", "
            ticker.add(stop - start)
        out.write("]}")


def _features(gis: gpd.GeoDataFrame) -> Iterator[dict]:
    rounded = shapely.set_precision(np.asarray(gis.geometry.values, dtype=object), 1e-7)
    for record, geom in zip(gis.drop(columns="geometry").to_dict("records"), rounded, strict=True):
        props = {k: (None if isinstance(v, float) and v != v else v) for k, v in record.items()}
        yield {"type": "Feature", "properties": props, "geometry": None if geom is None else geom.__geo_interface__}


# --- GeoPackage and Shapefile ---------------------------------------------------------------------------------------


def write_gpkg(
    frame: pd.DataFrame,
    path: Path | str,
    layer: str = "parcels",
    crs: str | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> None:
    """A GeoPackage with one layer named ``layer`` (schema columns, EPSG:4490 unless ``crs``); replaces ``path``."""
    multi = SCHEMAS[layer].geometry != "Point"
    Path(path).unlink(missing_ok=True)
    _write_ogr(frame, path, "GPKG", lambda part: gis_frame(part, layer), crs, progress, chunk_rows,
               layer=layer, promote_to_multi=multi)  # fmt: skip


def write_shapefile(
    frame: pd.DataFrame,
    path: Path | str,
    layer: str,
    encoding: str = "GBK",
    crs: str | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> None:
    """A zip of ``layer``.shp/.shx/.dbf/.prj/.cpg plus 字段说明.csv at ``path`` (see :mod:`geodata.io.export`)."""
    from geodata.io.fieldmap import shp_names

    if encoding.upper() not in ("GBK", "UTF-8"):
        raise ExportError(f"Shapefile 编码只能是 GBK 或 UTF-8，不能是 {encoding}")
    names = shp_names(layer)
    columns = SCHEMAS[layer].columns
    if encoding.upper() == "GBK":
        check_gbk(frame, layer, names, chunk_rows)  # before anything is written

    def table(part: pd.DataFrame) -> gpd.GeoDataFrame:
        fields = pd.DataFrame({names[c]: _shp_column(c, part[c], layer) for c in columns})
        return gpd.GeoDataFrame(fields, geometry=gpd.GeoSeries(part.geometry.values, crs=CRS), crs=CRS)

    with tempfile.TemporaryDirectory(prefix=EXPORT_TEMP_PREFIX) as tmp:
        folder = Path(tmp)
        _write_ogr(frame, folder / f"{layer}.shp", "ESRI Shapefile", table, crs, progress, chunk_rows,
                   encoding="GBK" if encoding.upper() == "GBK" else "UTF-8")  # fmt: skip
        guide = pd.DataFrame({"字段": [names[c] for c in columns], "含义": [column_header(c, layer) for c in columns],
                              "zonemap 字段": columns})  # fmt: skip
        (folder / "字段说明.csv").write_bytes(guide.to_csv(index=False).encode("utf-8-sig"))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(folder.iterdir()):
                zf.write(f, f.name)


def check_gbk(frame: pd.DataFrame, layer: str, names: dict[str, str], chunk_rows: int = CHUNK_ROWS) -> None:
    """Raise :class:`ExportError` naming the first value (column by column) GBK cannot hold, with its row number."""
    for column in SCHEMAS[layer].columns:
        for start, stop in spans(len(frame), chunk_rows):
            values = [shp_value(column, v, layer) for v in frame[column].iloc[start:stop]]
            text = [v for v in values if isinstance(v, str)]
            if not text or encodes("\n".join(text), "gbk"):
                continue
            for i, v in enumerate(values, start=start):
                if isinstance(v, str) and not encodes(v, "gbk"):
                    bad = "".join(ch for ch in v if not encodes(ch, "gbk"))
                    where = f"第 {i + 1} 条“{names[column]}”"
                    raise ExportError(f"{where}含有 GBK 无法表示的字符“{bad}”：请改用 UTF-8 导出。")


def _shp_column(column: str, values: pd.Series, layer: str) -> object:
    """A column's Shapefile values; numbers keep the frame's dtype, so every chunk declares the same field type."""
    f = SCHEMAS[layer].column(column)
    if f.dtype != "bool" and not f.allowed and pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy()
    return [shp_value(column, v, layer) for v in values]


def _write_ogr(
    frame: pd.DataFrame,
    path: Path,
    driver: str,
    table: Callable[[pd.DataFrame], gpd.GeoDataFrame],
    crs: str | None,
    progress: Progress | None,
    chunk_rows: int,
    **options,
) -> None:
    """``table(chunk)`` written chunk by chunk: the first creates the layer, the others are appended."""
    geometry_type = layer_geometry_type(frame.geometry, driver, options.get("promote_to_multi"))
    ticker = _Ticker(len(frame), progress)
    for i, (start, stop) in enumerate(spans(len(frame), chunk_rows) or [(0, 0)]):
        gis = table(frame.iloc[start:stop])
        if crs:
            gis = gis.to_crs(crs)
        pyogrio.write_dataframe(gis, path, driver=driver, append=i > 0, geometry_type=geometry_type, **options)
        ticker.add(stop - start)


_MULTI = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}


def layer_geometry_type(geometry: gpd.GeoSeries, driver: str, promote: bool | None) -> str | None:
    """The geometry type pyogrio would infer for the whole frame (None: let it infer, as for an empty frame)."""
    present = geometry[geometry.notna() & ~geometry.is_empty]
    kinds = set(present.geom_type.unique())
    if not kinds:
        return None
    single = {k for k in kinds if k in _MULTI}
    if len(kinds) == 1:
        (kind,) = kinds
        out = _MULTI.get(kind, kind) if promote else kind
    elif len(kinds) == 2 and len(single) == 1 and _MULTI[next(iter(single))] in kinds:
        mixed_promoted = promote or (promote is None and driver == "GPKG")
        out = _MULTI[next(iter(single))] if mixed_promoted else "Unknown"
    else:
        out = "Unknown"
    return f"{out} Z" if out != "Unknown" and present.has_z.any() else out
