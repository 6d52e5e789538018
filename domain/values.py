"""Reading stored values in the rules: missing, NaN and malformed all mean "unknown" (None)."""

from __future__ import annotations

import datetime as dt


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
