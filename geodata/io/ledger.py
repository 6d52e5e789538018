"""The export rules: how records become ledger rows, sheet names and GIS columns (no file is written here).

台账 rows carry the Chinese header with its unit for every parcel column, labels for
codes, 是/否 for flags, 公顷 beside 亩; text Excel would run as a formula is kept as
text; 汇总 rows per zone with a 合计 row; Excel number formats; the schema's columns
and the shapes for GIS files; Shapefile values and GBK checks. Used by the writers
(:mod:`geodata.io.export_stream`) and the export API (:mod:`geodata.io.export`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import geopandas as gpd
import pandas as pd

from domain.labels import label
from domain.supply import AT, PIPELINE, REACHED, STAGE_FIGURES, stage_figures
from domain.units import mu_to_hectare
from geodata.schema import CRS, SCHEMAS, SHANXI_CITIES, split_list

Progress = Callable[[int, int], None]  # (records written, records in all)


SUMMARY_SHEET = "汇总"


HECTARE = "面积（公顷）"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def safe_text(value: str) -> str:
    """Text Excel would run as a formula is stored with a leading apostrophe (shown as text)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def column_header(column: str, layer: str = "parcels") -> str:
    f = SCHEMAS[layer].column(column)
    text = label(column)
    return text if not f.unit or f.unit in text else f"{text}（{f.unit}）"


def _yes_no(value: object) -> str:
    return "是" if value else "否"


def _mu(value: object) -> float:
    return round(float(value), 2)


def _list_text(value: object) -> str:
    return safe_text("、".join(split_list(value)))


def _code_label(value: object) -> str:
    return label(str(value))


def _text(value: object) -> str:
    return safe_text(str(value))


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
    return [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else convert(v) for v in values]


def ledger_rows(parcels: pd.DataFrame) -> pd.DataFrame:
    """The parcels as ledger rows: Chinese headers, labels for codes, numbers as numbers, 亩 and 公顷."""
    columns = SCHEMAS["parcels"].columns
    out = {}
    for column in columns:
        out[column_header(column)] = _cells(column, parcels[column])
        if column == "area_mu":
            out[HECTARE] = [None if v is None else round(mu_to_hectare(v), 4) for v in out[column_header(column)]]
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
    return float(sum((v for v in rows[column_header("area_mu")] if v is not None and v == v), start))


def total_row(columns: list[str], count: int, mu: float) -> dict[str, object]:
    """The 合计 row of a zone sheet of ``count`` parcels with Σ 亩 ``mu`` (other columns empty)."""
    return {
        columns[0]: f"合计（{count} 宗）",
        column_header("area_mu"): round(mu, 2),
        HECTARE: round(mu_to_hectare(mu), 4),
    }


def summary_rows(parcels: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """Per zone with parcels: counts, 亩, 公顷, per stage 当前处于 (宗, 亩) and 累计达到 (亩); last row 合计.

    The stage figures are :func:`domain.supply.stage_figures`, the page's funnel's own:
    the 当前处于 columns add up to the zone's parcels, the 累计达到 ones do not.
    """
    rows = []
    columns = _summary_columns()
    narrow = ["zone_id", "pipeline_stage", "supply_status", "area_mu"] if "pipeline_stage" in parcels else None
    plain = parcels[narrow] if narrow else parcels.drop(columns="geometry", errors="ignore")  # 100 000 rows: narrow
    records = plain.to_dict("records") if len(parcels) else []
    by_zone: dict[object, list[dict]] = {}
    for r in records:
        by_zone.setdefault(r.get("zone_id"), []).append(r)
    for zone in zones.itertuples():
        part = parcels[parcels["zone_id"] == zone.zone_id]
        if part.empty:
            continue
        rows.append(
            _summary_row(zone.name, SHANXI_CITIES.get(zone.city_adcode, ""), by_zone.get(zone.zone_id, []), part)
        )
    frame = pd.DataFrame(rows, columns=columns)
    inside = parcels[parcels["zone_id"].isin(zones["zone_id"])] if len(parcels) else parcels
    chosen = [r for z in zones["zone_id"] for r in by_zone.get(z, [])]
    total = _summary_row("合计", "", chosen, inside)  # from the records, not Σ of rounded rows
    return pd.concat([frame, pd.DataFrame([total], columns=columns)], ignore_index=True)


def _summary_row(name: str, city: str, records: list[dict], part: pd.DataFrame) -> dict[str, object]:
    area = float(part["area_mu"].sum()) if len(part) else 0.0
    row: dict[str, object] = {
        "开发区": name,
        "所在市": city,
        "地块（宗）": len(part),
        "其中标准地（宗）": int(part["is_standard_land"].sum()) if len(part) else 0,
        "面积（亩）": round(area, 2),
        "面积（公顷）": round(mu_to_hectare(area), 4),
    }
    figures = stage_figures(records)
    for stage in PIPELINE:
        for figure in STAGE_FIGURES:
            if figure in _SUMMARY_FIGURES:
                row[stage_header(stage, figure)] = figures[stage][figure]
    return row


_SUMMARY_FIGURES = (f"{AT}（宗）", f"{AT}（亩）", f"{REACHED}（亩）")


def stage_header(stage: str, figure: str) -> str:
    """The 汇总 column of one stage's figure: “当前处于·储备（亩）”, “累计达到·已出让（亩）” (the page's words)."""
    words, unit = figure.split("（", 1)
    return f"{words}·{label(stage)}（{unit}"


def _summary_columns() -> list[str]:
    base = ["开发区", "所在市", "地块（宗）", "其中标准地（宗）", "面积（亩）", "面积（公顷）"]
    at = [stage_header(s, f) for s in PIPELINE for f in (f"{AT}（宗）", f"{AT}（亩）")]  # these add up
    return base + at + [stage_header(s, f"{REACHED}（亩）") for s in PIPELINE]  # these are nested


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


def number_format(header: str, value: object) -> str | None:
    """Excel number format of a numeric cell: thousands separators; 公顷 to 4 decimals, other decimals to 2–4;
    a year (实绩年度) as the year, whether the column came as whole numbers or, with gaps, as floats."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if header.endswith("年度"):
        return "0"
    if "公顷" in header:
        return "#,##0.0000"
    if isinstance(value, int):
        return "#,##0"
    return "#,##0.00##"


def gis_frame(frame: pd.DataFrame, layer: str = "parcels") -> gpd.GeoDataFrame:
    """The schema's columns and the shapes; a fresh index, so a filtered frame keeps each record's own shape."""
    columns = [*SCHEMAS[layer].columns, *(["readiness"] if layer == "parcels" else [])]
    return gpd.GeoDataFrame(
        frame[[c for c in columns if c in frame.columns]].reset_index(drop=True),
        geometry=gpd.GeoSeries(frame.geometry.values, crs=CRS),
        crs=CRS,
    )


def layer_table(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Any layer as a table: Chinese headers with units, labels for codes (the ledger's rules)."""
    if layer == "parcels":
        return ledger_rows(frame)
    return pd.DataFrame({column_header(c, layer): _cells(c, frame[c], layer) for c in SCHEMAS[layer].columns})


class ExportError(Exception):
    """The export cannot be written as asked; the message is Chinese."""


def shp_value(column: str, value: object, layer: str) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    f = SCHEMAS[layer].column(column)
    if f.dtype == "bool":
        return "是" if value else "否"
    if f.allowed:
        return label(str(value))
    return value


def encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
        return True
    except UnicodeEncodeError:
        return False
