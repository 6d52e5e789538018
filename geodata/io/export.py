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
import io
import json
import re
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from openpyxl.styles import Font

from domain.clock import beijing_today
from domain.labels import label
from domain.supply import pipeline_stage
from domain.units import mu_to_hectare
from geodata.schema import CRS, SCHEMAS, SHANXI_CITIES, SUPPLY_STATUSES, split_list

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


def _cell(column: str, value: object, layer: str = "parcels") -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    f = SCHEMAS[layer].column(column)
    if f.dtype == "bool":
        return "是" if value else "否"
    if f.dtype == "float":
        return round(float(value), 2) if column == "area_mu" else float(value)
    if f.dtype == "int":
        return int(value)
    if f.dtype == "list":
        return _safe_text("、".join(split_list(value)))
    if f.allowed:
        return label(str(value))
    return _safe_text(str(value))


def ledger_rows(parcels: pd.DataFrame) -> pd.DataFrame:
    """The parcels as ledger rows: Chinese headers, labels for codes, numbers as numbers, 亩 and 公顷."""
    columns = SCHEMAS["parcels"].columns
    out = {}
    for column in columns:
        out[_header(column)] = [_cell(column, v) for v in parcels[column]]
        if column == "area_mu":
            out[HECTARE] = [None if v is None else round(mu_to_hectare(v), 4) for v in out[_header(column)]]
        if column == "supply_status":
            out[label("readiness")] = [label(v) for v in parcels.get("readiness", [None] * len(parcels))]
    return pd.DataFrame(out)


def with_total(rows: pd.DataFrame) -> pd.DataFrame:
    """A zone sheet's rows plus a 合计 row: parcel count in the first column, Σ 亩 and Σ 公顷."""
    if rows.empty:
        return rows
    mu = float(sum(v for v in rows[_header("area_mu")] if v is not None))
    total = {
        rows.columns[0]: f"合计（{len(rows)} 宗）",
        _header("area_mu"): round(mu, 2),
        HECTARE: round(mu_to_hectare(mu), 4),
    }
    return pd.concat([rows, pd.DataFrame([total], columns=rows.columns)], ignore_index=True)


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
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, (_, frame) in zip(sheet_names([n for n, _ in tables]), tables, strict=True):
            _write_sheet(writer, sheet, frame.map(lambda v: _safe_text(v) if isinstance(v, str) else v))
    return buffer.getvalue()


def ledger_xlsx(parcels: pd.DataFrame, zones: pd.DataFrame) -> bytes:
    """The 台账 workbook: 汇总 first, then one sheet per zone (in ``zones`` order) with its parcels."""
    with_parcels = [z for z in zones.itertuples() if (parcels["zone_id"] == z.zone_id).any()]
    tables = [(SUMMARY_SHEET, summary_rows(parcels, zones))]
    tables += [(z.short_name, with_total(ledger_rows(parcels[parcels["zone_id"] == z.zone_id]))) for z in with_parcels]
    return tables_xlsx(tables)


def number_format(header: str, value: object) -> str | None:
    """Excel number format of a numeric cell: thousands separators; 公顷 to 4 decimals, other decimals to 2–4."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if "公顷" in header:
        return "#,##0.0000"
    if isinstance(value, int):
        return "#,##0"
    return "#,##0.00##"


def _write_sheet(writer: pd.ExcelWriter, name: str, frame: pd.DataFrame) -> None:
    frame.to_excel(writer, sheet_name=name, index=False)
    ws = writer.sheets[name]
    ws.freeze_panes = "B2" if len(frame.columns) > 1 else "A2"  # headers and the first column stay in view
    headers = [str(c) for c in frame.columns]
    for i, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200) if v is not None])
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(40, 4 + longest * 1.6)
    for row in ws.iter_rows(min_row=2):
        for cell, header in zip(row, headers, strict=False):
            if isinstance(cell.value, str) and cell.value.startswith("'"):
                cell.data_type = "s"  # keep as text even if it looks like a formula
            elif fmt := number_format(header, cell.value):
                cell.number_format = fmt
        if isinstance(row[0].value, str) and row[0].value.startswith("合计"):
            for cell in row:
                cell.font = Font(bold=True)


def _gis_frame(frame: pd.DataFrame, layer: str = "parcels") -> gpd.GeoDataFrame:
    columns = [*SCHEMAS[layer].columns, *(["readiness"] if layer == "parcels" else [])]
    return gpd.GeoDataFrame(
        frame[[c for c in columns if c in frame.columns]].copy(),
        geometry=gpd.GeoSeries(frame.geometry.values, crs=CRS),
        crs=CRS,
    )


def layer_geojson(frame: pd.DataFrame, layer: str = "parcels") -> bytes:
    """RFC 7946 GeoJSON (EPSG:4490 lon/lat, 7 decimals) with the schema's columns as properties."""
    gis = _gis_frame(frame, layer)
    features = []
    for record, geom in zip(gis.drop(columns="geometry").to_dict("records"), gis.geometry, strict=True):
        props = {k: (None if isinstance(v, float) and v != v else v) for k, v in record.items()}
        rounded = shapely.set_precision(geom, 1e-7) if geom is not None else None
        features.append(
            {"type": "Feature", "properties": props, "geometry": None if rounded is None else rounded.__geo_interface__}
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, default=str).encode()


def layer_gpkg(frame: pd.DataFrame, layer: str = "parcels", crs: str | None = None) -> bytes:
    """A GeoPackage with one layer named ``layer`` (schema columns, EPSG:4490 unless ``crs``)."""
    gis = _gis_frame(frame, layer)
    gis = gis.to_crs(crs) if crs else gis
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{layer}.gpkg"
        multi = SCHEMAS[layer].geometry != "Point"
        pyogrio.write_dataframe(gis, path, layer=layer, driver="GPKG", promote_to_multi=multi)
        return path.read_bytes()


def layer_table(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Any layer as a table: Chinese headers with units, labels for codes (the ledger's rules)."""
    if layer == "parcels":
        return ledger_rows(frame)
    return pd.DataFrame({_header(c, layer): [_cell(c, v, layer) for v in frame[c]] for c in SCHEMAS[layer].columns})


class ExportError(Exception):
    """The export cannot be written as asked; the message is Chinese."""


def layer_shapefile(frame: pd.DataFrame, layer: str, encoding: str = "GBK", crs: str | None = None) -> bytes:
    """A zip of ``layer``.shp/.shx/.dbf/.prj/.cpg plus 字段说明.csv (see module doc)."""
    from geodata.io.fieldmap import shp_names

    if encoding.upper() not in ("GBK", "UTF-8"):
        raise ExportError(f"Shapefile 编码只能是 GBK 或 UTF-8，不能是 {encoding}")
    names = shp_names(layer)
    columns = SCHEMAS[layer].columns
    table = pd.DataFrame({names[c]: [_shp_value(c, v, layer) for v in frame[c]] for c in columns})
    if encoding.upper() == "GBK":
        for col, values in table.items():
            for i, v in enumerate(values):
                if isinstance(v, str) and not _encodes(v, "gbk"):
                    bad = "".join(ch for ch in v if not _encodes(ch, "gbk"))
                    raise ExportError(f"第 {i + 1} 条“{col}”含有 GBK 无法表示的字符“{bad}”：请改用 UTF-8 导出。")
    gis = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(frame.geometry.values, crs=CRS), crs=CRS)
    if crs:
        gis = gis.to_crs(crs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pyogrio.write_dataframe(
            gis,
            folder / f"{layer}.shp",
            driver="ESRI Shapefile",
            encoding="GBK" if encoding.upper() == "GBK" else "UTF-8",
        )
        guide = pd.DataFrame({"字段": [names[c] for c in columns], "含义": [_header(c, layer) for c in columns],
                              "zonemap 字段": columns})  # fmt: skip
        (folder / "字段说明.csv").write_bytes(guide.to_csv(index=False).encode("utf-8-sig"))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(folder.iterdir()):
                zf.write(f, f.name)
        return buffer.getvalue()


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
    """``layer`` of ``data`` (a Dataset) as ``fmt`` (a key of :data:`EXPORT_FORMATS`).

    ``crs`` (e.g. ``EPSG:4547``) applies to gpkg and shp; Excel and GeoJSON are
    always EPSG:4490 lon/lat and refuse another. Raises :class:`ExportError`.
    """
    frame = data.layer(layer)
    if crs in ("EPSG:4490", ""):
        crs = None
    if crs and fmt in ("xlsx", "geojson"):
        raise ExportError("Excel 与 GeoJSON 只输出 EPSG:4490 经纬度；指定坐标系仅用于 GeoPackage、Shapefile")
    if crs:
        from pyproj import CRS as ProjCRS
        from pyproj.exceptions import CRSError

        try:
            ProjCRS.from_user_input(crs)
        except CRSError as exc:
            raise ExportError(f"不认识的坐标系 {crs}") from exc
    if fmt == "xlsx":
        if layer == "parcels":
            return ledger_xlsx(frame, data.zones)
        return tables_xlsx([(label(layer), layer_table(frame, layer))])
    if fmt == "shp":
        return layer_shapefile(frame, layer, encoding, crs)
    if fmt == "gpkg":
        return layer_gpkg(frame, layer, crs)
    if fmt == "geojson":
        return layer_geojson(frame, layer)
    raise ExportError(f"不支持的导出格式：{fmt}")
