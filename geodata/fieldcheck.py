"""One value against its schema field (type, range, allowed values), in Chinese.

Beside the schema, not in file parsing: the store checks an editor's values
with it (:mod:`geodata.edits`) and the import check uses it row by row
(:mod:`geodata.io.validate`), so storage does not depend on reading users' files.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from domain.labels import label
from geodata.schema import Field


def missing(value: object) -> bool:
    """Whether ``value`` is empty: None, NaN or pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def field_problem(f: Field, value: object) -> str | None:
    """Message for a non-missing value that breaks the field's rules, else None."""
    if f.dtype in ("float", "int"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return f"“{value}”不是数字"
        if f.dtype == "int" and number != int(number):
            return f"“{value}”应为整数"
        unit = f.unit or ""
        if f.minimum is not None and number < f.minimum:
            return f"{number:g}{unit} 小于允许的最小值 {f.minimum:g}{unit}"
        if f.maximum is not None and number > f.maximum:
            return f"{number:g}{unit} 大于允许的最大值 {f.maximum:g}{unit}"
    elif f.dtype == "bool":
        if value not in (True, False, 0, 1):
            return f"“{value}”应为是/否"
    elif f.dtype == "date":
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return f"“{value}”不是有效日期（应为 YYYY-MM-DD）"
    if f.allowed is not None and str(value) not in f.allowed:
        allowed = "、".join(label(a) for a in f.allowed)
        return f"“{label(str(value))}”不是允许的取值（{allowed}）"
    return None


def check_value(f: Field, value: object) -> str | None:
    """Chinese message when ``value`` is not acceptable for field ``f`` (missing counts if required)."""
    if missing(value):
        return "必填，不能为空" if f.required else None
    return field_problem(f, value)
