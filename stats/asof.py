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
    ABSENT,
    PARCEL_STAGE_FIELD,
    PARCEL_STAGE_STATUS,
    PARCEL_STAGES,
    PARCEL_STATUS_ORDER,
    PROJECT_STAGE_FIELD,
    PROJECT_STAGES,
    PROJECT_STATUS_ORDER,
    UNDATED,
    UNKNOWN,
    YES,
    cutoff,
    stage_statuses,
)
from domain.readiness import READINESS_FLAGS
from domain.supply import ASSESSMENTS, pipeline_stage
from geodata.dataset import per_distinct
from geodata.schema import SCHEMAS
from geodata.settings import required_assessments
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
    """ISO date text as datetime64 (missing or malformed: NaT); one parse per distinct value."""
    values = column.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)  # missing values get code -1
    parsed = pd.to_datetime([str(v)[:10] for v in uniques], format="%Y-%m-%d", errors="coerce").to_numpy()
    out = np.where(
        codes >= 0, parsed[np.maximum(codes, 0)] if len(parsed) else np.datetime64("NaT"), np.datetime64("NaT")
    )
    return pd.Series(out.astype("datetime64[ns]"), index=column.index)


def _furthest(on: pd.DataFrame, stages: list[str]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per record of ``on`` (:func:`stages_on`), over ``stages`` in their order: the furthest reached by the day
    (None: none), the furthest reached on a known day (None: none), and whether the furthest was reached on an
    unknown day (日期不详). One reading of a record's stage for the parcels and the projects alike."""
    reached = pd.Series(None, index=on.index, dtype=object)
    dated = pd.Series(None, index=on.index, dtype=object)
    undated = pd.Series(False, index=on.index)
    for stage in stages:
        status = on[f"{stage}_on"]
        hit = status.isin((YES, UNKNOWN))
        reached = reached.mask(hit, stage)  # the furthest stage reached wins
        dated = dated.mask(status == YES, stage)
        undated = undated.mask(hit, status == UNKNOWN)
    return reached, dated, undated


def _blank_later_dates(frame: pd.DataFrame, stages, day: dt.date) -> None:
    for _, column in stages:
        if column and column in frame:
            frame.loc[_dates(frame[column]) > pd.Timestamp(day), column] = None


def projects_on(projects: pd.DataFrame, history: pd.DataFrame | None, day: dt.date) -> pd.DataFrame:
    """The projects of a page as they stood at the end of ``day``: those signed (or further) by then, at the
    stage they had reached, dates after ``day`` blanked; a stage reached on an unknown day is kept (日期不详).

    ``attrs["undated"]``: how many of them stand at a stage reached on an unknown day."""
    rows = records_on(projects, history, "projects", day)
    _, _, order = SPECS["projects"]  # only stages that are statuses count
    statuses = [stage for stage, _ in PROJECT_STAGES if stage in order]
    reached, _, undated = _furthest(stages_on(rows, history, "projects", day), statuses)
    out = rows[reached.notna()].copy()
    out[PROJECT_STAGE_FIELD] = reached[reached.notna()]
    _blank_later_dates(out, PROJECT_STAGES, day)
    out.attrs["undated"] = int(undated[reached.notna()].sum())
    return out


PARCEL_DATES = ("listed_date", "contract_date", "delivered_date", "agreed_start_date", "actual_start_date",
                "work_stopped_date")  # fmt: skip


def parcels_on(parcels: pd.DataFrame, history: pd.DataFrame | None, day: dt.date) -> pd.DataFrame:
    """The parcels as they stood at the end of ``day`` (records imported later left out), each at the supply
    status it had reached (a stage reached on an unknown day counts, as in :func:`projects_on`), dates after
    ``day`` blanked, ``pipeline_stage`` derived (as :mod:`geodata.dataset` does) on that status, plus

    - ``asof_status``: what the map colours — the furthest stage known to be reached by ``day``, or
      :data:`~domain.asof.UNDATED` (日期不详) when a further stage was reached on an unknown day;
    - ``{stage}_known``: each stage's known date (:func:`stages_on`).
    """
    base = records_on(parcels, history, "parcels", day)
    rolled_back = base is not parcels  # edits after the day undone: every derived stage is derived again
    rows = base.copy()
    records_status = rows[PARCEL_STAGE_FIELD].copy()
    stages = stages_on(rows, history, "parcels", day)
    reached, dated, undated = _furthest(stages, [stage for stage, _ in PARCEL_STAGES])
    rows[PARCEL_STAGE_FIELD] = reached.map(PARCEL_STAGE_STATUS).fillna("reserve").astype(object)
    rows["asof_status"] = dated.map(PARCEL_STAGE_STATUS).fillna("reserve").mask(undated, UNDATED).astype(object)
    for column in PARCEL_DATES:
        later = (_dates(rows[column]) > pd.Timestamp(day)).to_numpy()
        if later.any():
            rows[column] = rows[column].astype(object).mask(later, None)
    keep = "pipeline_stage" in rows and not rolled_back
    changed = (rows[PARCEL_STAGE_FIELD] != records_status).to_numpy() if keep else None
    inputs = [*READINESS_FLAGS, *ASSESSMENTS, "supply_status", "is_standard_land"]
    required = required_assessments()
    derive = rows if changed is None else rows[changed]  # a parcel at the same status keeps the dataset's stage
    stage = per_distinct(derive, inputs, {"stage": lambda r: pipeline_stage(r, required=required)})["stage"]
    if changed is None:
        rows["pipeline_stage"] = stage
    elif changed.any():
        rows.loc[changed, "pipeline_stage"] = stage
    return rows.assign(**{c: stages[c] for c in stages if c.endswith("_known")})


def parcel_stage_on(parcels: pd.DataFrame, history: pd.DataFrame | None, day: dt.date) -> pd.Series:
    """Per parcel of ``parcels`` (same index) the stage to colour on the map as of ``day``
    (:func:`parcels_on`'s ``asof_status``; :data:`~domain.asof.ABSENT` for a parcel recorded later)."""
    return parcels_on(parcels, history, day)["asof_status"].reindex(parcels.index).fillna(ABSENT)
