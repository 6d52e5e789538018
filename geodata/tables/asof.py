"""Layers as they stood at the end of a day, and each record's stages on that day (rules: :mod:`domain.asof`).

:func:`records_on` rolls back the edits saved after the day (each changed field
gets the ``old`` value of its first later audit row) and drops records imported
after it, so figures for a past date never move when the data does.
:func:`stages_on` gives, per record and stage, the known date (the record's own
date column, else the day the audit history shows the stage set) and the status
on the day: ``yes``, ``no`` or ``unknown`` (reached, day not known: 日期不详).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from domain.asof import (
    PARCEL_STAGE_FIELD,
    PARCEL_STAGES,
    PARCEL_STATUS_ORDER,
    PROJECT_STAGE_FIELD,
    PROJECT_STAGES,
    PROJECT_STATUS_ORDER,
    cutoff,
    stage_status,
)
from domain.values import as_date
from geodata.schema import SCHEMAS
from geodata.store import coerce

BEIJING_OFFSET = pd.Timedelta(hours=8)
SPECS = {
    "projects": (PROJECT_STAGES, PROJECT_STAGE_FIELD, PROJECT_STATUS_ORDER),
    "parcels": (PARCEL_STAGES, PARCEL_STAGE_FIELD, PARCEL_STATUS_ORDER),
}


def _audit(history: pd.DataFrame | None, layer: str) -> pd.DataFrame:
    """The layer's audit rows with ``when`` (UTC instant) and ``change_id`` order."""
    if history is None or history.empty:
        empty = pd.DataFrame(columns=["change_id", "at", "record_id", "field", "old", "new"])
        return empty.assign(when=pd.Series(dtype="datetime64[ns, UTC]"))
    rows = history[history["layer"] == layer]
    return rows.assign(when=pd.to_datetime(rows["at"], utc=True, format="ISO8601", errors="coerce"))


def records_on(frame: pd.DataFrame, history: pd.DataFrame | None, layer: str, day: dt.date) -> pd.DataFrame:
    """``frame`` (one layer, as stored now) as it stood at the end of ``day`` in Beijing (see module doc)."""
    schema = SCHEMAS[layer]
    audit = _audit(history, layer)
    later = audit[audit["when"] >= pd.Timestamp(cutoff(day))]
    if later.empty:
        return frame
    born_later = set(later.loc[later["field"] == "*", "record_id"])
    out = frame[~frame[schema.key].isin(born_later)].copy()
    changed = later[later["field"].isin(schema.columns)].sort_values("change_id")
    first = changed.drop_duplicates(["record_id", "field"], keep="first")  # the value before the first later edit
    keys = out[schema.key]
    for field, rows in first.groupby("field", sort=False):
        old = dict(zip(rows["record_id"], rows["old"], strict=True))
        mask = keys.isin(old.keys())
        out[field] = out[field].astype(object)
        out.loc[mask, field] = [old[k] for k in keys[mask]]
    return coerce(out, schema)


def stages_on(frame: pd.DataFrame, history: pd.DataFrame | None, layer: str, day: dt.date) -> pd.DataFrame:
    """Per record of ``frame`` (already :func:`records_on` the day): ``{stage}_known`` (date) and ``{stage}_on``.

    The audit stands in for a missing date with the first day (before the cut)
    the record's stage field was set to that stage or a later one.
    """
    stages, stage_field, order = SPECS[layer]
    key = SCHEMAS[layer].key
    audit = _audit(history, layer)
    audit = audit[(audit["field"] == stage_field) & (audit["when"] < pd.Timestamp(cutoff(day)))]
    set_days = audit.assign(
        rank=audit["new"].map(lambda v: order.get(v, -1) if isinstance(v, str) else -1),
        day=(audit["when"].dt.tz_localize(None) + BEIJING_OFFSET).dt.date,
    )
    ids = frame[key].tolist()
    reached = [order.get(v, -1) for v in frame[stage_field]]
    known: list[list[dt.date | None]] = []
    for i, (_, column) in enumerate(stages):
        own = [as_date(v) for v in frame[column]] if column else [None] * len(ids)
        first_set = set_days[set_days["rank"] >= i].groupby("record_id")["day"].min().to_dict()
        known.append([d if d is not None else first_set.get(rid) for d, rid in zip(own, ids, strict=True)])
    per_record = list(zip(*known, strict=True)) if known else []
    out = {}
    for i, (stage, _) in enumerate(stages):
        out[f"{stage}_known"] = known[i]
        out[f"{stage}_on"] = [stage_status(dates, r, i, day) for dates, r in zip(per_record, reached, strict=True)]
    return pd.DataFrame(out, index=frame.index)


def projects_on(projects: pd.DataFrame, history: pd.DataFrame | None, day: dt.date) -> pd.DataFrame:
    """The projects of a page as they stood at the end of ``day``: those signed (or further) by then, at the
    stage they had reached, dates after ``day`` blanked; a stage reached on an unknown day is kept (日期不详)."""
    rows = records_on(projects, history, "projects", day)
    stages = stages_on(rows, history, "projects", day)
    order = [stage for stage, _ in PROJECT_STAGES]
    reached = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    for stage in order:  # the furthest stage reached wins
        reached = reached.where(~stages[f"{stage}_on"].isin(("yes", "unknown")), stage)
    out = rows[reached.notna()].copy()
    out["stage"] = reached[reached.notna()]
    for _, column in PROJECT_STAGES:
        later = [d is not None and d > day for d in (as_date(v) for v in out[column])]
        out.loc[later, column] = None
    return out
