"""Reading stored values in the rules: missing, NaN and malformed all mean "unknown" (None)."""

from __future__ import annotations

import datetime as dt


def is_blank(value: object) -> bool:
    """Whether a cell holds nothing: None, NaN/NaT, pandas' NA, or text of only spaces."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):  # pandas' NA has no truth value
        return True


def as_date(value: object) -> dt.date | None:
    """An ISO date (text or date) as a date; None when missing or malformed."""
    if value is None or value != value:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def as_number(value: object) -> float | None:
    """A number as float; None when missing, NaN or not a number."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number
