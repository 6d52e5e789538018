"""Beijing time and the one timestamp format users read."""

from __future__ import annotations

import datetime as dt

from domain.clock import BEIJING, to_beijing
from ui.format import fmt_datetime


def test_timestamps_read_in_beijing_time():
    assert fmt_datetime("2026-11-24T04:24:22+08:00") == "2026年11月24日 04:24"
    assert fmt_datetime("2026-11-23T20:24:22+00:00") == "2026年11月24日 04:24"  # a UTC stamp, the next day
    assert fmt_datetime("2026-01-02T09:05:00") == "2026年1月2日 09:05"  # no offset: already Beijing
    assert fmt_datetime(dt.datetime(2026, 3, 1, 23, 59, tzinfo=dt.UTC)) == "2026年3月2日 07:59"


def test_missing_or_odd_values():
    assert fmt_datetime(None) == "—" and fmt_datetime("") == "—" and fmt_datetime(float("nan")) == "—"
    assert fmt_datetime("昨天") == "昨天"


def test_to_beijing():
    assert to_beijing("2026-11-23T17:30:00Z").date() == dt.date(2026, 11, 24)
    assert to_beijing("x") is None
    assert to_beijing("2026-11-23T17:30:00").tzinfo == BEIJING
