"""盘活测算 and 项目匹配, against hand-computed figures."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.idle import classify
from domain.matching import Candidate, Need, candidate_kind, combine, km_between, rank, score
from domain.revitalize import (
    DEFAULT_INDICATORS,
    OPTIONS,
    ChainIndicators,
    Item,
    add_months,
    allowed_options,
    evaluate,
    option_problem,
    totals,
)

TODAY = dt.date(2026, 11, 22)
# holder-caused, not started: idle from 2026-07-01 (第十四条（一）), recoverable from 2027-07-01
IDLE_PARCEL = {"parcel_id": "A", "supply_status": "sold", "agreed_start_date": "2025-06-30", "area_mu": 100.0,
               "land_price": 1500.0}  # fmt: skip
GOV_PARCEL = IDLE_PARCEL | {"parcel_id": "G", "delay_cause": "government"}
FM_PARCEL = IDLE_PARCEL | {"parcel_id": "F", "delay_cause": "force_majeure"}
STALLED_PARCEL = IDLE_PARCEL | {"parcel_id": "S", "supply_status": "started", "actual_start_date": "2022-06-15",
                                "developed_share": 0.2, "invested_share": 0.5,
                                "work_stopped_date": "2025-08-01"}  # fmt: skip
OLD_PARCEL = IDLE_PARCEL | {"parcel_id": "O", "agreed_start_date": "2023-09-30"}
HYDROGEN = ChainIndicators(invest_intensity=500.0, output_per_mu=800.0, tax_per_mu=40.0, jobs_per_mu=0.5)


def item(option, chain="氢能", parcel=IDLE_PARCEL, today=TODAY):
    return Item(parcel, classify(parcel, today), option, chain)


NEGOTIATED = ("extend", "adjust_use", "temporary_use", "negotiated_recovery", "local")


def test_options_follow_the_cause():
    assert allowed_options(classify(IDLE_PARCEL, TODAY)) == ("fee",)
    assert allowed_options(classify(OLD_PARCEL, TODAY)) == ("recover_resupply",)
    # 第八条 and 第二条第二款 cases: 第十二条 only; 置换土地 only where the plan changed (a government cause)
    assert allowed_options(classify(GOV_PARCEL, TODAY)) == (*NEGOTIATED[:4], "swap", "local")
    assert allowed_options(classify(FM_PARCEL, TODAY)) == NEGOTIATED
    assert allowed_options(classify(STALLED_PARCEL, TODAY)) == NEGOTIATED
    assert "swap" in allowed_options(classify(STALLED_PARCEL | {"delay_cause": "government"}, TODAY))
    assert allowed_options(classify(IDLE_PARCEL, dt.date(2026, 6, 30))) == ()  # not idle yet


def test_holder_caused_land_cannot_take_a_negotiated_option_and_negotiated_land_pays_no_fee():
    with pytest.raises(ValueError, match="第十四条"):
        evaluate(item("extend"), TODAY, {})  # the old default for a holder-caused one-year parcel
    with pytest.raises(ValueError, match="第十二条"):
        evaluate(item("fee", parcel=GOV_PARCEL), TODAY, {})
    with pytest.raises(ValueError, match="规划依法修改"):
        evaluate(item("swap", parcel=FM_PARCEL), TODAY, {})
    assert "不适用" in option_problem(classify(STALLED_PARCEL, TODAY), "recover_resupply")
    assert option_problem(classify(GOV_PARCEL, TODAY), "swap") is None
    assert option_problem(classify(GOV_PARCEL, TODAY), "") == "未选择处置方式"
    assert "未认定为闲置" in option_problem(classify(IDLE_PARCEL, dt.date(2026, 6, 30)), "fee")


def test_fee_at_one_year_is_20_percent_of_the_price_and_the_start_is_due_before_two_years():
    r = evaluate(item("fee"), TODAY, {"氢能": HYDROGEN})
    assert (r.investment, r.output, r.tax, r.jobs) == (50_000.0, 80_000.0, 4_000.0, 50.0)
    assert r.fee == 300.0  # 1500 万元 × 20%
    assert r.in_use == dt.date(2027, 5, 22) and r.latest == dt.date(2027, 6, 30)  # 2027-07-01 recoverable
    assert r.formulas["investment"] == "100.00 亩 × 500.00 万元/亩（氢能投资强度）"
    assert r.formulas["fee"] == "1,500.00 万元（出让或者划拨价款）× 20% = 300.00 万元"
    assert "第十四条（一）" in r.basis
    late = evaluate(item("fee", today=dt.date(2027, 3, 1)), dt.date(2027, 3, 1), {})
    assert late.in_use == late.latest == dt.date(2027, 6, 30)  # 6 months would pass the two years


def test_extension_for_a_government_delay_has_no_fee_and_is_capped_by_law():
    r = evaluate(item("extend", parcel=GOV_PARCEL), TODAY, {"氢能": HYDROGEN})
    assert r.fee == 0 and "第十二条" in r.formulas["fee"]
    assert r.in_use == dt.date(2027, 5, 22) and r.latest == dt.date(2027, 11, 22)
    temporary = evaluate(item("temporary_use", parcel=FM_PARCEL), TODAY, {})
    assert temporary.latest == dt.date(2028, 11, 22) and temporary.fee == 0


def test_stalled_land_pays_no_fee_under_any_option():
    for option in NEGOTIATED:
        assert evaluate(item(option, parcel=STALLED_PARCEL), TODAY, {}).fee == 0, option


def test_swap_carries_its_conditions():
    r = evaluate(item("swap", parcel=GOV_PARCEL), TODAY, {})
    assert r.conditions == ("已缴清土地价款", "已落实项目资金", "因规划依法修改造成闲置") and r.fee == 0


def test_recovery_collects_no_fee_and_unknown_chain_uses_defaults():
    r = evaluate(item("recover_resupply", chain="新型储能", parcel=OLD_PARCEL), TODAY, {"氢能": HYDROGEN})
    assert r.fee == 0 and "不征收" in r.formulas["fee"] and "第十四条（二）" in r.basis
    assert r.investment == 100 * DEFAULT_INDICATORS.invest_intensity and r.latest is None
    assert "20 日" not in r.basis and "20日" not in r.basis  # the notice period is not in this order


def test_lead_time_never_exceeds_the_legal_limit():
    options = dict(OPTIONS) | {"extend": OPTIONS["extend"].__class__("extend", "延长", "≤1年", 18, 12)}
    r = evaluate(item("extend", parcel=GOV_PARCEL), TODAY, {}, options=options)
    assert r.in_use == r.latest == dt.date(2027, 11, 22)


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2027, 12, 31), 2) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 22), 14) == dt.date(2028, 1, 22)


def test_totals_of_a_scenario():
    rs = [
        evaluate(item("fee"), TODAY, {"氢能": HYDROGEN}),
        evaluate(item("swap", parcel=GOV_PARCEL), TODAY, {"氢能": HYDROGEN}),
    ]
    t = totals(rs)
    assert t["area_mu"] == 200 and t["investment"] == 100_000 and t["fee"] == 300


@pytest.mark.parametrize(
    ("status", "ready", "idle", "kind"),
    [
        ("reserve", True, "not_supplied", "supply_ready"),
        ("reserve", False, "not_supplied", "reserve"),
        ("listed", True, "not_supplied", None),  # already on the market
        ("sold", True, "not_idle", None),
        ("started", True, "not_idle", None),
        ("producing", True, "not_idle", None),
        ("sold", True, "idle", None),  # the holder keeps it and pays the fee
        ("sold", True, "government_delay", None),  # negotiated with the holder
        ("started", True, "stalled", None),
        ("sold", True, "idle_two_years", "idle_recovery"),  # 无偿收回, then supplied again
    ],
)
def test_only_suppliable_land_is_a_candidate(status, ready, idle, kind):
    assert candidate_kind(status, ready, idle) == kind


def cand(pid, zone="Z1", area=100.0, readiness="three_plus_one", chains=("氢能",), lon=112.0, lat=37.0, city="140700"):
    return Candidate((pid,), "idle", zone, frozenset({zone}), city, area, readiness, frozenset(chains), frozenset(),
                     lon, lat)  # fmt: skip


NEED = Need("J1", "Z1", "140700", 100.0, "氢能", 112.0, 37.0)


def test_score_hand_computed():
    # area 130 vs 100: gap 30%, tolerance 20% → 40 × (1 − 0.1/0.4) = 30
    # other city, 1° of latitude north ≈ 111.19 km → 25 × (1 − 111.19/150) = 6.47
    # 四通一平 (rank 2) vs needed 三通一平 (rank 1) → 20; chain not led → 0
    far = cand("B", zone="Z9", area=130.0, readiness="four_plus_one", chains=("光伏",), lat=38.0, city="140100")
    m = score(NEED, far)
    assert km_between(112.0, 37.0, 112.0, 38.0) == pytest.approx(111.19, abs=0.01)
    assert m.parts == {"area": 30.0, "location": pytest.approx(6.47, abs=0.01), "readiness": 20.0, "chain": 0.0}
    assert m.score == pytest.approx(56.47, abs=0.01)
    assert "相差 30%" in m.reasons["area"] and "公里" in m.reasons["location"] and "不含" in m.reasons["chain"]


def test_rank_prefers_fit_then_place_and_adjacent_pairs_can_fit():
    a, b = cand("A", area=55.0), cand("B", area=50.0)
    pair = combine(a, b)
    assert pair.parcel_ids == ("A", "B") and pair.area_mu == 105.0
    worse = cand("C", area=100.0, readiness="not_ready", zone="Z2", city="140100", lat=37.5)
    ranked = rank(NEED, [a, worse, pair, b])
    # pair 100; A: gap 45% → 15 + 25 + 20 + 15 = 75; C: 40 + 25 × (1 − 55.6/150) + 0 + 15 ≈ 70.73;
    # B: gap 50% → 10 + 25 + 20 + 15 = 70
    assert [m.candidate.parcel_ids for m in ranked] == [("A", "B"), ("A",), ("C",), ("B",)]
    assert [m.score for m in ranked] == [100.0, 75.0, pytest.approx(70.73, abs=0.01), 70.0]


def test_no_need_and_no_chain_score_neutral():
    m = score(Need("J2", "Z1", None, None, None, 112.0, 37.0), cand("A"))
    assert m.parts["area"] == 20 and m.parts["chain"] == 7.5 and m.parts["location"] == 25
