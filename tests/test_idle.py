"""闲置土地 rules at their boundaries (《闲置土地处置办法》, 民法典第二百零一至二百零三条).

Every boundary is pinned the day before, the day of and the day after: the
year is full at 24:00 of the corresponding day (start day not counted), so the
land is idle from the next day. The earlier version counted one day early
(idle on the corresponding day itself) and fined stalled and force-majeure
land; these expectations follow the order's text instead.
"""

from __future__ import annotations

import datetime as dt

import pytest

from domain.idle import (
    FORCE_MAJEURE,
    GOVERNMENT,
    IDLE,
    IDLE_TWO_YEARS,
    NOT_IDLE,
    NOT_SUPPLIED,
    STALLED,
    UNKNOWN,
    IdleRules,
    add_years,
    classify,
    first_day_after,
    idle_fee,
    is_idle,
    period_end,
    unsold_stock,
)

D = dt.date


def sold(agreed, **kw):
    return {"supply_status": "sold", "agreed_start_date": agreed, "land_price": 1000.0} | kw


def started(start="2020-01-01", developed=0.2, invested=0.5, stopped="2022-03-01", **kw):
    return {"supply_status": "started", "agreed_start_date": "2019-12-01", "actual_start_date": start,
            "developed_share": developed, "invested_share": invested, "work_stopped_date": stopped,
            "land_price": 800.0} | kw  # fmt: skip


def status(parcel, day):
    return classify(parcel, day).status


def test_domain_md_example_agreed_2025_06_30_is_idle_from_2026_07_01():
    p = sold("2025-06-30")
    assert period_end(D(2025, 6, 30), 1) == D(2026, 6, 30) and first_day_after(D(2025, 6, 30), 1) == D(2026, 7, 1)
    assert status(p, D(2026, 6, 29)) == NOT_IDLE
    v = classify(p, D(2026, 6, 30))  # the year ends at 24:00 today: not idle yet
    assert v.status == NOT_IDLE and "2026-06-30 24时满一年" in v.reason and "2026-07-01 起" in v.reason
    v = classify(p, D(2026, 7, 1))
    assert v.status == IDLE and v.idle_since == D(2026, 7, 1) and v.days_idle == 0
    assert "第十四条（一）" in v.reason and idle_fee(p, v) == 200.0  # 20% of 1000 万元


def test_two_full_years_day_before_of_and_after():
    p = sold("2025-06-30")
    assert status(p, D(2027, 6, 29)) == IDLE
    last_fee_day = classify(p, D(2027, 6, 30))
    assert last_fee_day.status == IDLE and last_fee_day.recover_since == D(2027, 7, 1)
    assert idle_fee(p, last_fee_day) == 200.0
    v = classify(p, D(2027, 7, 1))
    assert v.status == IDLE_TWO_YEARS and v.recover_since == D(2027, 7, 1) and v.disposal == "recover"
    assert "第十四条（二）" in v.reason and idle_fee(p, v) == 0  # recovery, no fee computed again


def test_a_year_across_29_february_is_not_365_days():
    # 2023-03-01 + one year: the corresponding day is 2024-03-01 although 2024-02-29 lies between
    p = sold("2023-03-01")
    assert [status(p, d) for d in (D(2024, 2, 29), D(2024, 3, 1), D(2024, 3, 2))] == [NOT_IDLE, NOT_IDLE, IDLE]


def test_start_on_29_february_ends_on_the_month_end():
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)  # 第二百零二条: no 29 Feb in 2025 → 月末日
    assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    p = sold("2024-02-29")
    assert [status(p, d) for d in (D(2025, 2, 27), D(2025, 2, 28), D(2025, 3, 1))] == [NOT_IDLE, NOT_IDLE, IDLE]
    # two years: 2026-02-28 is the last day, recovery from 2026-03-01
    assert [status(p, d) for d in (D(2026, 2, 28), D(2026, 3, 1))] == [IDLE, IDLE_TWO_YEARS]


def test_stalled_one_third_or_25_percent_each_alone():
    after = D(2023, 3, 2)  # stopped 2022-03-01: the year is full at the end of 2023-03-01
    assert status(started(developed=0.33, invested=0.9), after) == STALLED  # area alone short
    assert status(started(developed=0.9, invested=0.2499), after) == STALLED  # investment alone short
    assert status(started(developed=1 / 3, invested=0.25), after) == NOT_IDLE  # both exactly at the limit
    assert status(started(developed=0.34, invested=0.26), after) == NOT_IDLE
    assert status(started(developed=None, invested=0.1), after) == STALLED  # one known and short is enough
    v = classify(started(developed=0.2, invested=0.9), after)
    assert v.basis == "stalled" and v.reference_date == D(2022, 3, 1) and "20% 不足 三分之一" in v.reason


def test_stalled_boundary_day_before_of_and_after():
    p = started(developed=0.2, invested=0.1)
    assert [status(p, d) for d in (D(2023, 2, 28), D(2023, 3, 1), D(2023, 3, 2))] == [NOT_IDLE, NOT_IDLE, STALLED]


def test_stalled_land_is_negotiated_never_fined_nor_recovered_for_free():
    for cause in (None, "holder", "government", "force_majeure"):
        p = started(delay_cause=cause)
        for day in (D(2023, 3, 2), D(2024, 3, 2), D(2030, 1, 1)):  # one, two, eight years after the stop
            v = classify(p, day)
            assert v.status == STALLED and v.disposal == "negotiate" and idle_fee(p, v) == 0, (cause, day)
            assert "第十二条末款" in v.reason and v.recover_since is None


def test_stalled_vs_not_started():
    not_started = classify(sold("2022-03-01"), D(2023, 3, 2))
    stalled = classify(started(), D(2023, 3, 2))
    assert (not_started.status, not_started.basis) == (IDLE, "no_start")
    assert (stalled.status, stalled.basis) == (STALLED, "stalled")


def test_started_without_stop_date_is_not_idle_and_missing_progress_is_unknown():
    assert status(started(stopped=None), D(2030, 1, 1)) == NOT_IDLE
    assert status(started(developed=None, invested=None), D(2030, 1, 1)) == UNKNOWN


@pytest.mark.parametrize(
    ("cause", "expected", "article"),
    [
        ("government", GOVERNMENT, "第八条"),
        ("force_majeure", FORCE_MAJEURE, "第八条末款"),
        ("holder", IDLE, "第十四条（一）"),
        (None, IDLE, "第十四条（一）"),  # no cause filed: 第十四条 is the rule "除第八条规定情形外"
    ],
)
def test_each_cause_of_not_started_land(cause, expected, article):
    p = sold("2022-03-01", delay_cause=cause)
    assert status(p, D(2023, 3, 1)) == NOT_IDLE  # whatever the cause, not idle before the year is full
    v = classify(p, D(2023, 3, 2))
    assert v.status == expected and article in v.reason and is_idle(v)
    assert idle_fee(p, v) == (200.0 if expected == IDLE else 0.0)
    later = classify(p, D(2024, 3, 2))  # two full years
    assert later.status == (IDLE_TWO_YEARS if expected == IDLE else expected)
    assert idle_fee(p, later) == 0


def test_government_and_force_majeure_are_negotiated_with_no_fee_at_any_time():
    for cause, cls in (("government", GOVERNMENT), ("force_majeure", FORCE_MAJEURE)):
        p = sold("2020-01-01", delay_cause=cause)
        v = classify(p, D(2026, 1, 1))
        assert v.status == cls and v.disposal == "negotiate" and "协商处置" in v.reason and idle_fee(p, v) == 0
        assert v.recover_since is None


def test_unfiled_cause_is_said():
    assert "未登记迟延原因" in classify(sold("2022-03-01"), D(2023, 6, 1)).reason
    assert "未登记" not in classify(sold("2022-03-01", delay_cause="holder"), D(2023, 6, 1)).reason


def test_missing_dates_unsupplied_and_producing():
    assert status(sold(None), D(2024, 1, 1)) == UNKNOWN
    assert status({"supply_status": "listed"}, D(2024, 1, 1)) == NOT_SUPPLIED
    assert status({"supply_status": "producing", "agreed_start_date": "2001-01-01"}, D(2024, 1, 1)) == NOT_IDLE
    assert idle_fee({"land_price": None}, classify(sold("2020-01-01"), D(2021, 6, 1))) == 0


def test_rules_are_settings():
    strict = IdleRules(fee_rate=0.1, idle_years=2, recover_years=3)
    assert status(sold("2020-01-01"), D(2022, 1, 2)) == IDLE_TWO_YEARS  # defaults: two years full at 2022-01-01
    assert classify(sold("2020-01-01"), D(2022, 1, 1), strict).status == NOT_IDLE  # two years end 2022-01-01
    v = classify(sold("2020-01-01"), D(2022, 1, 2), strict)
    assert v.status == IDLE and idle_fee(sold("2020-01-01"), v, strict) == pytest.approx(100.0)
    assert classify(sold("2020-01-01"), D(2023, 1, 2), strict).status == IDLE_TWO_YEARS


def test_unsold_stock_is_reserve_or_listed():
    assert unsold_stock({"supply_status": "reserve"}) and unsold_stock({"supply_status": "listed"})
    assert not unsold_stock({"supply_status": "sold"})
