"""Pure formatting of records and figures for display (no Streamlit import)."""

from __future__ import annotations

import math
import re

import pandas as pd

from domain.clock import to_beijing
from domain.labels import label, stage_label
from geodata.schema import SCHEMAS, split_list

# Columns shown as enum labels rather than raw keys.
_ENUM_DTYPES = ("str",)


# Streamlit renders Markdown (images, links, :emoji:, $math$) in st.markdown, st.caption,
# alerts, st.metric and st.table cells; HTML is escaped but Markdown is not. An image
# in a name would make the browser fetch an outside URL. Data goes through md().
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:=&])")


def md(text: object) -> str:
    """``text`` with every Markdown-active character backslash-escaped (shown literally)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def text_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for st.table: index, headers and text cells escaped with :func:`md`."""
    out = frame.copy()
    out.columns = [md(c) for c in out.columns]
    out.index = [md(i) for i in out.index]
    out.index.name = None if frame.index.name is None else md(frame.index.name)
    return out.map(lambda v: md(v) if isinstance(v, str) else v)


def fmt_number(value: float | None, digits: int = 2, unit: str = "") -> str:
    """1234.5 → '1,234.50 亩'; missing → '—'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return label("unknown")
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".strip()


def fmt_reported(value: float | None) -> str:
    """A published figure as printed: 4969.4 → '4,969.4', 5805.0 → '5,805'; missing → '—'."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return label("unknown")
    text = f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return text


def fmt_datetime(value: object) -> str:
    """A stored timestamp as users read it, in Beijing time: '2026-11-23T20:24:22+00:00' → '2026年11月24日 04:24'.

    Missing → '—'; text that is not a timestamp is shown as it is.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return label("unknown")
    stamp = to_beijing(value)
    if stamp is None:
        return str(value)
    return f"{stamp.year}年{stamp.month}月{stamp.day}日 {stamp:%H:%M}"


def display_value(layer: str, column: str, value: object) -> str:
    """A stored value as a user reads it (labels, 是/否, units, '—' for missing)."""
    if value is None:
        return label("unknown")
    try:
        if pd.isna(value):
            return label("unknown")
    except (TypeError, ValueError):
        pass
    schema = SCHEMAS[layer]
    try:
        f = schema.column(column)
    except KeyError:
        return label(str(value)) if column == "readiness" else str(value)
    if f.dtype == "bool":
        return label("yes") if value else label("no")
    if f.dtype == "float":
        digits = 4 if column.endswith("_share") else 2
        return fmt_number(float(value), digits)
    if f.dtype == "list":
        return "、".join(split_list(value)) or label("unknown")
    if column == "stage":
        return stage_label(str(value))
    if f.allowed:
        return label(str(value))
    return str(value)


# Identifiers and administrative codes: the detail panel folds them into its 编码 section (#26), the
# record's names (开发区, 所在市, 所属开发区 …) say the same thing in words.
CODE_FIELDS = frozenset(
    {"zone_id", "parcel_id", "project_id", "city_adcode", "county_adcode", "parcel_code", "supervision_no", "round_id"}
)


def record_rows(layer: str, record: dict, extra: dict[str, str] | None = None) -> pd.DataFrame:
    """A record as a two-column table 字段 / 值, in schema order, for the detail panel (codes left out)."""
    rows = [(k, v) for k, v in (extra or {}).items()]
    for f in SCHEMAS[layer].fields:
        if f.name not in CODE_FIELDS:
            rows.append((f.label, display_value(layer, f.name, record.get(f.name))))
    if layer == "parcels" and "readiness" in record:
        rows.insert(len(extra or {}) + 3, (label("readiness"), label(record["readiness"])))
    return pd.DataFrame(rows, columns=["字段", "值"])


def code_rows(layer: str, record: dict) -> pd.DataFrame:
    """The record's identifiers and codes that it has (字段 / 值), for the folded 编码 section."""
    rows = [
        (f.label, str(record[f.name]))
        for f in SCHEMAS[layer].fields
        if f.name in CODE_FIELDS and record.get(f.name) is not None and not pd.isna(record.get(f.name))
    ]
    return pd.DataFrame(rows, columns=["字段", "值"])


def shown_version(stored: object) -> int:
    """The edition users read for a record's stored version: the store counts saved changes (0 for a record
    never edited), people count editions from 第 1 版; conflict checks keep using the stored number."""
    return int(stored) + 1
