"""Round rates and the 三未 rules, with their edge cases."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.labels import label
from domain.tracker import (
    ROUND_RATES,
    SANLV,
    Thresholds,
    days_between,
    format_rate,
    judge,
    round_rates,
    signed_to_started_days,
)

TODAY = dt.date(2024, 3, 1)  # 2024 is a leap year


def test_rates_of_2021_first_three_rounds_match_the_official_figures():
    r = {
        "signed_count": 1059,
        "signed_then_started_count": 849,
        "started_count": 964,
        "started_then_producing_count": 549,
        "started_invest_yi": 2973.3,
        "started_completed_invest_yi": 475.4,
        "efficiency_pct": 98.1,
    }
    rates = round_rates(r)
    assert format_rate(rates["start_rate"]) == "80.2%"
    assert format_rate(rates["production_rate"]) == "57%"
    assert format_rate(rates["efficiency_rate"]) == "98.1%"
    assert rates["completed_investment_share"] == pytest.approx(475.4 / 2973.3)


def test_2021_rates_keep_the_2021_names_and_sanlv_is_seed_002s():
    assert [label(k) for k in ROUND_RATES[:3]] == ["开工率", "投产率", "平均达效率"]
    # seed 002's 三率, none of them computed from the 2021 figures; 达效 is not 达产
    assert [label(d.key) for d in SANLV] == ["开工复工率", "投资完成率", "项目达产率"]
    assert not {d.key for d in SANLV} & set(ROUND_RATES)
    assert all(d.formula and d.needs and "不能计算" in d.in_data for d in SANLV)
    assert label("efficiency_rate") != label("capacity_rate")


def test_unpublished_inputs_give_no_rate():
    rates = round_rates({"signed_count": 413, "started_count": 268, "efficiency_pct": float("nan")})
    assert rates == {k: None for k in rates}
    assert round_rates({"signed_count": 0, "signed_then_started_count": 0})["start_rate"] is None
    assert format_rate(None) == "—" and format_rate(1.0) == "100%" and format_rate(0.0004) == "0%"


def test_days_and_leap_years():
    assert days_between("2024-02-28", "2024-03-01") == 2  # 29 Feb counted
    assert days_between("2023-02-28", "2023-03-01") == 1
    assert days_between(None, "2024-01-01") is None
    assert signed_to_started_days({"signed_date": "2021-05-10", "started_date": "2021-09-06"}) == 119
    assert signed_to_started_days({"signed_date": "2021-05-10", "started_date": "2021-05-01"}) is None


def p(stage="signed", signed=None, started=None, producing=None, parcel=None):
    return {"stage": stage, "signed_date": signed, "started_date": started, "producing_date": producing,
            "parcel_id": parcel}  # fmt: skip


def test_signed_not_landed_boundary_is_strictly_more_than_the_threshold():
    t = Thresholds(signed_days=180)
    at_limit = (TODAY - dt.timedelta(days=180)).isoformat()
    over = (TODAY - dt.timedelta(days=181)).isoformat()
    assert judge(p(signed=at_limit), TODAY, t).flag is None
    j = judge(p(signed=over), TODAY, t)
    assert j.flag == "signed_not_landed" and j.days == 181 and "未落地块" in j.reason


def test_landed_not_started_uses_its_own_threshold():
    t = Thresholds(signed_days=400, landed_days=30)
    signed = (TODAY - dt.timedelta(days=31)).isoformat()
    assert judge(p(signed=signed, parcel="P1"), TODAY, t).flag == "landed_not_started"
    assert judge(p(signed=signed), TODAY, t).flag is None


def test_started_not_producing():
    t = Thresholds(started_days=730)
    assert judge(p("started", "2021-01-01", "2022-03-02"), TODAY, t).days == 730  # across 2024-02-29
    assert judge(p("started", "2021-01-01", "2022-03-02"), TODAY, t).flag is None
    assert judge(p("started", "2021-01-01", "2022-03-01"), TODAY, t).flag == "started_not_producing"
    j = judge(p("started", "2020-01-01", "2021-01-01"), TODAY, t)
    assert j.flag == "started_not_producing" and j.days == (TODAY - dt.date(2021, 1, 1)).days


def test_missing_dates_future_dates_and_skipped_stages():
    assert judge(p(signed=None), TODAY).problem == "缺少签约日期，无法判断"
    assert "缺少开工日期" in judge(p("started", "2020-01-01", None), TODAY).problem
    future = judge(p(signed="2024-03-02"), TODAY)
    assert future.flag is None and "晚于今天" in future.problem
    assert "早于签约" in judge(p("started", "2021-05-01", "2021-04-01"), TODAY).problem
    skipped = judge(p("producing", "2020-01-01", None, "2021-01-01"), TODAY)  # no start date recorded
    assert skipped.flag is None and skipped.problem is None
    # a start date recorded while the stage still says signed counts as started
    assert judge(p("signed", "2020-01-01", "2020-02-01"), TODAY).flag == "started_not_producing"
