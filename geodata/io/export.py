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
from collections.abc import Callable, Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from domain.clock import beijing_today
from domain.labels import label
from domain.supply import pipeline_stage
from domain.units import mu_to_hectare
from geodata.io.sources import EXPORT_TEMP_PREFIX
from geodata.schema import CRS, SCHEMAS, SHANXI_CITIES, SUPPLY_STATUSES, split_list

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (records written, records in all)

SUMMARY_SHEET = "汇总"
HECTARE = "面积（公顷）"
READY = "具备供地条件"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _safe_text(value: str) -> str:
    """Text Excel would run as a formula is stored with a leading apostrophe (shown as text)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _header(column: str, layer: str = "parcels") -> str:
    f = SCHEMAS[layer].column(column)
    text = label(column)
    return text if not f.unit or f.unit in text else f"{text}（{f.unit}）"


def _yes_no(value: object) -> str:
    return "是" if value else "否"


def _mu(value: object) -> float:
    return round(float(value), 2)


def _list_text(value: object) -> str:
    return _safe_text("、".join(split_list(value)))


def _code_label(value: object) -> str:
    return label(str(value))


def _text(value: object) -> str:
    return _safe_text(str(value))


def _converter(column: str, layer: str) -> Callable[[object], object]:
    """How a ``column`` value becomes a table cell: 是/否, rounded 亩, numbers, labels for codes, safe text."""
    f = SCHEMAS[layer].column(column)
    if f.dtype == "bool":
        return _yes_no
    if f.dtype == "float":
        return _mu if column == "area_mu" else float
    if f.dtype == "int":
        return int
    if f.dtype == "list":
        return _list_text
    return _code_label if f.allowed else _text


def _cells(column: str, values: Iterable[object], layer: str = "parcels") -> list[object]:
    """The table cells of a whole column (missing values stay None)."""
    convert = _converter(column, layer)
    return [None if v is None or (isinstance(v, float) and v != v) else convert(v) for v in values]


def ledger_rows(parcels: pd.DataFrame) -> pd.DataFrame:
    """The parcels as ledger rows: Chinese headers, labels for codes, numbers as numbers, 亩 and 公顷."""
    columns = SCHEMAS["parcels"].columns
    out = {}
    for column in columns:
        out[_header(column)] = _cells(column, parcels[column])
        if column == "area_mu":
            out[HECTARE] = [None if v is None else round(mu_to_hectare(v), 4) for v in out[_header(column)]]
        if column == "supply_status":
            out[label("readiness")] = [label(v) for v in parcels.get("readiness", [None] * len(parcels))]
    return pd.DataFrame(out)


def with_total(rows: pd.DataFrame) -> pd.DataFrame:
    """A zone sheet's rows plus a 合计 row: parcel count in the first column, Σ 亩 and Σ 公顷."""
    if rows.empty:
        return rows
    total = total_row(list(rows.columns), len(rows), area_sum(rows))
    return pd.concat([rows, pd.DataFrame([total], columns=rows.columns)], ignore_index=True)


def area_sum(rows: pd.DataFrame, start: float = 0.0) -> float:
    """``start`` + Σ 亩 of ledger rows (of the rounded values shown; missing areas left out), added in order."""
    return float(sum((v for v in rows[_header("area_mu")] if v is not None and v == v), start))


def total_row(columns: list[str], count: int, mu: float) -> dict[str, object]:
    """The 合计 row of a zone sheet of ``count`` parcels with Σ 亩 ``mu`` (other columns empty)."""
    return {columns[0]: f"合计（{count} 宗）", _header("area_mu"): round(mu, 2), HECTARE: round(mu_to_hectare(mu), 4)}


def summary_rows(parcels: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """Per zone with parcels: counts, 亩, 公顷 and 亩 by supply status; last row 合计."""
    rows = []
    for zone in zones.itertuples():
        part = parcels[parcels["zone_id"] == zone.zone_id]
        if part.empty:
            continue
        area = float(part["area_mu"].sum())
        ready = _ready(part)
        row = {
            "开发区": zone.name,
            "所在市": SHANXI_CITIES.get(zone.city_adcode, ""),
            "地块（宗）": len(part),
            "其中标准地（宗）": int(part["is_standard_land"].sum()),
            "面积（亩）": round(area, 2),
            "面积（公顷）": round(mu_to_hectare(area), 4),
            f"当前{READY}（宗）": int(ready.sum()),
            f"当前{READY}（亩）": round(float(part.loc[ready, "area_mu"].sum()), 2),
        }
        for status in SUPPLY_STATUSES:
            row[f"{label(status)}（亩）"] = round(float(part.loc[part["supply_status"] == status, "area_mu"].sum()), 2)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=_summary_columns())
    total = {"开发区": "合计", "所在市": ""}
    for column in _summary_columns()[2:]:
        total[column] = round(float(frame[column].sum()), 4 if "公顷" in column else 2) if len(frame) else 0
    for column in ("地块（宗）", "其中标准地（宗）", f"当前{READY}（宗）"):
        total[column] = int(total[column])
    all_mu = float(parcels.loc[parcels["zone_id"].isin(zones["zone_id"]), "area_mu"].sum())
    total["面积（亩）"], total["面积（公顷）"] = round(all_mu, 2), round(mu_to_hectare(all_mu), 4)  # not Σ of rounded
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def _ready(parcels: pd.DataFrame) -> pd.Series:
    """Parcels 具备供地条件 now (the pipeline stage, derived from the flags; computed if not yet derived)."""
    if "pipeline_stage" in parcels:
        return parcels["pipeline_stage"] == "supply_ready"
    records = parcels.drop(columns="geometry", errors="ignore").to_dict("records")
    return pd.Series([pipeline_stage(r) == "supply_ready" for r in records], index=parcels.index, dtype=bool)


def _summary_columns() -> list[str]:
    base = ["开发区", "所在市", "地块（宗）", "其中标准地（宗）", "面积（亩）", "面积（公顷）"]
    base += [f"当前{READY}（宗）", f"当前{READY}（亩）"]
    return base + [f"{label(s)}（亩）" for s in SUPPLY_STATUSES]


def sheet_names(names: list[str]) -> list[str]:
    """Valid, unique Excel sheet names (≤ 31 characters, none of []:*?/\\)."""
    used: set[str] = set()
    out = []
    for name in names:
        base = _SHEET_BAD.sub("_", str(name)).strip("'") or "表"
        candidate, n = base[:31], 1
        while candidate in used:
            n += 1
            suffix = f"（{n}）"
            candidate = base[: 31 - len(suffix)] + suffix
        used.add(candidate)
        out.append(candidate)
    return out


def tables_xlsx(tables: list[tuple[str, pd.DataFrame]]) -> bytes:
    """A workbook with one sheet per (name, table), in order; names made valid, text never a formula."""
    from geodata.io.export_stream import frame_sheet, write_xlsx

    return _written(lambda path: write_xlsx([frame_sheet(n, t) for n, t in tables], path), "xlsx")


def ledger_xlsx(parcels: pd.DataFrame, zones: pd.DataFrame) -> bytes:
    """The 台账 workbook: 汇总 first, then one sheet per zone (in ``zones`` order) with its parcels."""
    from geodata.io.export_stream import ledger_sheets, write_xlsx

    return _written(lambda path: write_xlsx(ledger_sheets(parcels, zones), path), "xlsx")


def _written(write: Callable[[Path], None], ext: str) -> bytes:
    """The bytes ``write(path)`` puts in a file of a private temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix=EXPORT_TEMP_PREFIX) as tmp:
        path = Path(tmp) / f"export.{ext}"
        write(path)
        return path.read_bytes()


def number_format(header: str, value: object) -> str | None:
    """Excel number format of a numeric cell: thousands separators; 公顷 to 4 decimals, other decimals to 2–4."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if "公顷" in header:
        return "#,##0.0000"
    if isinstance(value, int):
        return "#,##0"
    return "#,##0.00##"


def _gis_frame(frame: pd.DataFrame, layer: str = "parcels") -> gpd.GeoDataFrame:
    """The schema's columns and the shapes; a fresh index, so a filtered frame keeps each record's own shape."""
    columns = [*SCHEMAS[layer].columns, *(["readiness"] if layer == "parcels" else [])]
    return gpd.GeoDataFrame(
        frame[[c for c in columns if c in frame.columns]].reset_index(drop=True),
        geometry=gpd.GeoSeries(frame.geometry.values, crs=CRS),
        crs=CRS,
    )


def layer_geojson(frame: pd.DataFrame, layer: str = "parcels") -> bytes:
    """RFC 7946 GeoJSON (EPSG:4490 lon/lat, 7 decimals) with the schema's columns as properties."""
    from geodata.io.export_stream import write_geojson

    return _written(lambda path: write_geojson(frame, path, layer), "geojson")


def layer_gpkg(frame: pd.DataFrame, layer: str = "parcels", crs: str | None = None) -> bytes:
    """A GeoPackage with one layer named ``layer`` (schema columns, EPSG:4490 unless ``crs``)."""
    from geodata.io.export_stream import write_gpkg

    return _written(lambda path: write_gpkg(frame, path, layer, crs), "gpkg")


def layer_table(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Any layer as a table: Chinese headers with units, labels for codes (the ledger's rules)."""
    if layer == "parcels":
        return ledger_rows(frame)
    return pd.DataFrame({_header(c, layer): _cells(c, frame[c], layer) for c in SCHEMAS[layer].columns})


class ExportError(Exception):
    """The export cannot be written as asked; the message is Chinese."""


def layer_shapefile(frame: pd.DataFrame, layer: str, encoding: str = "GBK", crs: str | None = None) -> bytes:
    """A zip of ``layer``.shp/.shx/.dbf/.prj/.cpg plus 字段说明.csv (see module doc)."""
    from geodata.io.export_stream import write_shapefile

    return _written(lambda path: write_shapefile(frame, path, layer, encoding, crs), "zip")


def _shp_value(column: str, value: object, layer: str) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    f = SCHEMAS[layer].column(column)
    if f.dtype == "bool":
        return "是" if value else "否"
    if f.allowed:
        return label(str(value))
    return value


def _encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
        return True
    except UnicodeEncodeError:
        return False


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


def export_layer(data, layer: str, fmt: str, crs: str | None = None, encoding: str = "GBK") -> bytes:
    """``layer`` of ``data`` (a Dataset) as ``fmt`` (a key of :data:`EXPORT_FORMATS`); see :func:`write_export`."""
    return _written(lambda path: export_layer_to(data, layer, fmt, path, crs, encoding), EXTENSIONS.get(fmt, "bin"))


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
    from geodata.io import export_stream as stream

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
