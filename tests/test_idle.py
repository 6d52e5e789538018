"""闲置土地 rules at their boundaries: full years, leap days, 1/3 vs 25%, government cause, missing dates."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.idle import (
    GOVERNMENT,
    IDLE,
    IDLE_TWO_YEARS,
    NOT_IDLE,
    NOT_SUPPLIED,
    UNKNOWN,
    IdleRules,
    add_years,
    approved_not_supplied,
    classify,
    idle_fee,
    is_idle,
)


def sold(agreed, **kw):
    return {"supply_status": "sold", "agreed_start_date": agreed, "land_price": 1000.0} | kw


def started(start="2020-01-01", developed=0.2, invested=0.5, stopped="2022-03-01", **kw):
    return {"supply_status": "started", "agreed_start_date": "2019-12-01", "actual_start_date": start,
            "developed_share": developed, "invested_share": invested, "work_stopped_date": stopped,
            "land_price": 800.0} | kw  # fmt: skip


def test_full_year_is_the_anniversary_not_365_days():
    assert classify(sold("2022-03-01"), dt.date(2023, 2, 28)).status == NOT_IDLE  # 364 days
    v = classify(sold("2022-03-01"), dt.date(2023, 3, 1))  # exactly 365 days = one full year
    assert v.status == IDLE and v.idle_since == dt.date(2023, 3, 1) and v.days_idle == 0
    # across a leap day 365 days is not yet a full year
    assert classify(sold("2023-03-01"), dt.date(2024, 2, 29)).status == NOT_IDLE
    assert classify(sold("2023-03-01"), dt.date(2024, 3, 1)).status == IDLE


def test_leap_day_start_ends_on_28_february():
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert classify(sold("2024-02-29"), dt.date(2025, 2, 27)).status == NOT_IDLE
    assert classify(sold("2024-02-29"), dt.date(2025, 2, 28)).status == IDLE


def test_two_full_years_means_recovery_and_no_fee():
    v = classify(sold("2021-06-30"), dt.date(2023, 6, 30))
    assert v.status == IDLE_TWO_YEARS and v.years_due == dt.date(2023, 6, 30)
    assert idle_fee(sold("2021-06-30"), v) == 0
    one = classify(sold("2021-06-30"), dt.date(2023, 6, 29))
    assert one.status == IDLE and idle_fee(sold("2021-06-30"), one) == 200.0  # 20% of 1000 万元


def test_started_parcels_one_third_area_or_25_percent_investment():
    day = dt.date(2023, 3, 1)  # one full year after the stop
    assert classify(started(developed=0.33, invested=0.9), day).status == IDLE  # 33% < 1/3
    assert classify(started(developed=1 / 3, invested=0.25), day).status == NOT_IDLE  # both at the limit
    assert classify(started(developed=0.5, invested=0.2499), day).status == IDLE
    assert classify(started(developed=0.2, invested=0.1), dt.date(2023, 2, 28)).status == NOT_IDLE  # 未满一年
    v = classify(started(developed=0.2, invested=0.9), day)
    assert v.basis == "stalled" and v.reference_date == dt.date(2022, 3, 1) and "20%" in v.reason


def test_started_without_stop_date_is_not_idle_and_missing_progress_is_unknown():
    assert classify(started(stopped=None), dt.date(2030, 1, 1)).status == NOT_IDLE
    assert classify(started(developed=None, invested=None), dt.date(2030, 1, 1)).status == UNKNOWN


def test_government_cause_means_negotiated_disposal_without_fee():
    p = sold("2020-01-01", delay_cause="government")
    v = classify(p, dt.date(2024, 1, 1))
    assert v.status == GOVERNMENT and "协议处置" in v.reason and idle_fee(p, v) == 0 and is_idle(v)
    # not yet a full year: not idle at all, whatever the cause
    assert classify(sold("2023-06-01", delay_cause="government"), dt.date(2024, 1, 1)).status == NOT_IDLE


def test_missing_dates_unsupplied_and_producing():
    assert classify(sold(None), dt.date(2024, 1, 1)).status == UNKNOWN
    assert classify({"supply_status": "listed"}, dt.date(2024, 1, 1)).status == NOT_SUPPLIED
    assert classify({"supply_status": "producing", "agreed_start_date": "2001-01-01"}, dt.date(2024, 1, 1)).status == (
        NOT_IDLE
    )
    assert idle_fee({"land_price": None}, classify(sold("2020-01-01"), dt.date(2021, 6, 1))) == 0


def test_rules_are_settings():
    strict = IdleRules(fee_rate=0.1, idle_years=2, recover_years=3)
    v = classify(sold("2020-01-01"), dt.date(2021, 6, 1), strict)
    assert v.status == NOT_IDLE
    v = classify(sold("2020-01-01"), dt.date(2022, 6, 1), strict)
    assert v.status == IDLE and idle_fee(sold("2020-01-01"), v, strict) == pytest.approx(100.0)


def test_approved_not_supplied():
    assert approved_not_supplied({"supply_status": "reserve"}) and approved_not_supplied({"supply_status": "listed"})
    assert not approved_not_supplied({"supply_status": "sold"})
