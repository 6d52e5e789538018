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

import numpy as np
import pandas as pd

from domain.asof import (
    NO,
    PARCEL_STAGE_FIELD,
    PARCEL_STAGES,
    PARCEL_STATUS_ORDER,
    PROJECT_STAGE_FIELD,
    PROJECT_STAGES,
    PROJECT_STATUS_ORDER,
    cutoff,
    stage_statuses,
)
from geodata.schema import SCHEMAS
from geodata.store import coerce

BEIJING_OFFSET = pd.Timedelta(hours=8)
_OFFSET = r"(?:[+-]\d\d:?\d\d|Z)$"
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
    at = rows["at"].astype(str)
    at = at.where(at.str.contains(_OFFSET), at + "+08:00")  # a stamp without offset is Beijing time (domain.clock)
    return rows.assign(when=pd.to_datetime(at, utc=True, format="ISO8601", errors="coerce"))


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
        day=(audit["when"].dt.tz_localize(None) + BEIJING_OFFSET).dt.normalize(),
    )
    reached = frame[stage_field].map(order).fillna(-1).to_numpy(dtype=int)
    columns = []
    for i, (_, column) in enumerate(stages):
        own = _dates(frame[column]) if column else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        first_set = set_days[set_days["rank"] >= i].groupby("record_id")["day"].min()
        audit_day = pd.Series(first_set.reindex(frame[key].to_numpy()).to_numpy(), index=frame.index)
        columns.append(own.fillna(audit_day).astype("datetime64[ns]"))
    dates = np.stack([c.to_numpy().astype("datetime64[D]") for c in columns], axis=1)
    out = {}
    for i, (stage, _) in enumerate(stages):
        out[f"{stage}_known"] = columns[i]
        out[f"{stage}_on"] = stage_statuses(dates, reached, i, day)
    return pd.DataFrame(out, index=frame.index)


def _dates(column: pd.Series) -> pd.Series:
    """ISO date text as datetime64 (missing or malformed: NaT)."""
    return pd.to_datetime(column.astype(object).where(column.notna()).map(lambda v: str(v)[:10], na_action="ignore"),
                          format="%Y-%m-%d", errors="coerce")  # fmt: skip


def _furthest(
    rows: pd.DataFrame, history: pd.DataFrame | None, layer: str, day: dt.date
) -> tuple[pd.Series, pd.Series]:
    """Per record (two Series): the furthest status reached on ``day`` (None: none), and whether it was reached
    on an unknown day.

    Only stages that are statuses count (a parcel's 交地 is a date, not a status)."""
    stages, _, order = SPECS[layer]
    on = stages_on(rows, history, layer, day)
    reached = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    undated = pd.Series(False, index=rows.index)
    for stage, _ in stages:
        if stage not in order:
            continue
        status = on[f"{stage}_on"]
        hit = status != NO
        reached = reached.where(~hit, stage)  # the furthest stage reached wins
        undated = undated.where(~hit, status != "yes")
    return reached, undated


def _blank_later_dates(frame: pd.DataFrame, stages, day: dt.date) -> None:
    for _, column in stages:
        if column and column in frame:
            frame.loc[_dates(frame[column]) > pd.Timestamp(day), column] = None


def projects_on(projects: pd.DataFrame, history: pd.DataFrame | None, day: dt.date) -> pd.DataFrame:
    """The projects of a page as they stood at the end of ``day``: those signed (or further) by then, at the
    stage they had reached, dates after ``day`` blanked; a stage reached on an unknown day is kept (日期不详).

    ``attrs["undated"]``: how many of them stand at a stage reached on an unknown day (see :func:`undated_on`)."""
    out, undated = undated_on(projects, history, "projects", day)
    out.attrs["undated"] = int(undated.sum())
    return out


def parcels_on(parcels: pd.DataFrame, history: pd.DataFrame | None, day: dt.date) -> pd.DataFrame:
    """The parcels as they stood at the end of ``day``: those entered by then, each at the supply status it had
    reached (挂牌 → 出让 → 动工 → 投产 by their dates, else by the day the audit shows; 储备 when none), dates after
    ``day`` blanked. A parcel sold after the day is still 已挂牌 on it; one whose status has no date at all keeps
    its status (日期不详). ``attrs["undated"]``: how many parcels stand at a status reached on an unknown day."""
    out, undated = undated_on(parcels, history, "parcels", day)
    out.attrs["undated"] = int(undated.sum())
    return out


def undated_on(frame: pd.DataFrame, history: pd.DataFrame | None, layer: str, day: dt.date):
    """(records of ``layer`` on ``day`` as :func:`parcels_on` / :func:`projects_on` give them, a boolean Series
    on the same index: the record's status on the day rests on a stage reached on an unknown day)."""
    stages, stage_field, _ = SPECS[layer]
    rows = records_on(frame, history, layer, day)
    reached, undated = _furthest(rows, history, layer, day)
    if layer == "projects":  # a project not signed by the day is not there yet
        out = rows[reached.notna()].copy()
        out[stage_field], undated = reached[reached.notna()], undated[reached.notna()]
    else:  # a parcel is there from its entry, in 储备 until listed
        out = rows.copy()
        out[stage_field] = reached.fillna("reserve")
    _blank_later_dates(out, stages, day)
    return out, undated
