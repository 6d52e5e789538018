"""The state on a date: which stages a project or parcel had reached, as the records stood that day.

Two clocks, kept apart:

- **when a thing happened** — a project's 签约/开工/投产 dates, a parcel's 挂牌日期,
  出让合同签订日期, 交地日期, 实际动工日期. Where a stage has no date, the audit
  history says when the record's stage was set to it (or beyond): that day
  stands in for the date. Where neither does, the stage was reached on an
  unknown day: the record counts as 日期不详 and a figure built on it says so.
- **what was known on a day** — an edit saved after the day is not part of that
  day's picture. A past month's figures are computed on the records as they
  stood at the end of that month (edits saved later are rolled back), so a
  bulletin once issued can be issued again, identical, however the data moved
  on. The cut is the end of the day in Beijing time (:func:`cutoff`).

A stage of one record on ``day`` (:func:`stage_status`) is

- ``"yes"`` when a known date of it or of any later stage is on or before ``day``
  (a project producing in May was signed by May, whatever its signing date);
- ``"unknown"`` when the record has reached the stage but neither it nor a later
  stage has a date on or before ``day``, and the stage's own date is missing;
- ``"no"`` otherwise (not reached, or its date, or an earlier stage's, is after ``day``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from domain.clock import BEIJING

YES, NO, UNKNOWN = "yes", "no", "unknown"

# Stages in order, with the record's date column for each; None: the stage has no date column.
PROJECT_STAGES: tuple[tuple[str, str | None], ...] = (
    ("signed", "signed_date"),
    ("started", "started_date"),
    ("producing", "producing_date"),
)
PROJECT_STAGE_FIELD = "stage"
PARCEL_STAGES: tuple[tuple[str, str | None], ...] = (
    ("listed", "listed_date"),
    ("sold", "contract_date"),
    ("delivered", "delivered_date"),
    ("started", "actual_start_date"),
    ("producing", None),
)
PARCEL_STAGE_FIELD = "supply_status"
# The supply_status a parcel had once it reached each stage (交地 is no status: a delivered parcel is 已出让).
PARCEL_STAGE_STATUS: dict[str, str] = {
    "listed": "listed",
    "sold": "sold",
    "delivered": "sold",
    "started": "started",
    "producing": "producing",
}
UNDATED = "undated"  # the map's colour for a parcel whose furthest stage was reached on an unknown day
ABSENT = "absent"  # the map's colour for a parcel not yet recorded on the day
# supply_status values in pipeline order; 交地 is not a status: a parcel at 已出让 may or may not be delivered,
# and one at 已动工 has been (land is built on once handed over).
PARCEL_STATUS_ORDER: dict[str, int] = {"reserve": -1, "listed": 0, "sold": 1, "started": 3, "producing": 4}
PROJECT_STATUS_ORDER: dict[str, int] = {"signed": 0, "started": 1, "producing": 2}


def cutoff(day: dt.date) -> dt.datetime:
    """The instant that ends ``day`` in Beijing (the next day at 00:00 CST): edits saved from then on are later."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=BEIJING)


def stage_statuses(dates: np.ndarray, reached: np.ndarray, index: int, day: dt.date) -> np.ndarray:
    """Whether stage ``index`` was reached on ``day``, for many records at once (see module doc).

    ``dates``: an (n records × k stages) ``datetime64[D]`` array of each stage's
    known date (its own date, else the day the audit history shows it set), NaT
    when neither; ``reached``: per record, the index of the furthest stage it
    holds (-1 for none, e.g. a parcel in reserve). Returns ``yes``/``no``/``unknown``.
    """
    d = np.datetime64(day, "D")
    later_yes = (dates[:, index:] <= d).any(axis=1)  # NaT compares False
    came_later = (dates[:, : index + 1] > d).any(axis=1)  # it, or a stage before it, came after the day
    return np.where(later_yes, YES, np.where(came_later, NO, np.where(reached >= index, UNKNOWN, NO)))


def stage_status(dates: Sequence[dt.date | None], reached: int, index: int, day: dt.date) -> str:
    """:func:`stage_statuses` for one record: ``dates`` per stage (None when unknown)."""
    row = np.array([[np.datetime64(x, "D") if x is not None else np.datetime64("NaT") for x in dates]])
    return str(stage_statuses(row.astype("datetime64[D]"), np.array([reached]), index, day)[0])
