"""Frames as plain records, fast: the domain rules read one mapping per record."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def records(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict]:
    """``frame``'s rows as dicts of ``columns`` (default: every column but the geometry).

    The same values as ``DataFrame.to_dict("records")`` (None stays None, NaN stays NaN) at a
    quarter of the cost: columns are converted whole with ``tolist`` (Arrow-backed strings
    are otherwise boxed one by one) — about 0.2 s instead of 0.8 s for 100 000 parcels.
    """
    names = [c for c in (columns if columns is not None else frame.columns) if c != "geometry"]
    values = [_values(frame[c]) for c in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)] if names else [{}] * len(frame)


def _values(column: pd.Series) -> list:
    """The column as Python values; pandas' NA (nullable Int64, boolean, string[pyarrow]) becomes None, as
    ``to_dict`` gives it (the rules test ``is None``; NA would raise in a condition)."""
    values = column.tolist()
    if getattr(column.dtype, "na_value", None) is pd.NA and column.hasnans:
        return [None if v is pd.NA else v for v in values]
    return values
