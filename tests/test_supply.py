"""具备供地条件, pipeline stages and counts, status transitions, zone land-use indicators."""

from __future__ import annotations

import pytest

from domain.indicators import BENCHMARKS, BULLETIN, land_use
from domain.labels import label
from domain.readiness import READINESS_FLAGS
from domain.supply import (
    OPTIONAL_ASSESSMENTS,
    REQUIRED_ASSESSMENTS,
    check_transition,
    is_supply_ready,
    missing_conditions,
    parse_required,
    pipeline_stage,
    stage_counts,
)
from geodata.settings import required_assessments

THREE = ("water_supply", "power", "road", "leveling")


def parcel(status="reserve", flags=THREE, assessed=REQUIRED_ASSESSMENTS, area=10.0, standard=True, **kw):
    p = {f: f in flags for f in READINESS_FLAGS}
    p |= {f: f in assessed for f in REQUIRED_ASSESSMENTS + OPTIONAL_ASSESSMENTS}
    return p | {"supply_status": status, "area_mu": area, "is_standard_land": standard} | kw


def test_required_assessments_default_to_the_six_of_guoban_2019_11():
    assert {label(f) for f in REQUIRED_ASSESSMENTS} == {
        "压覆重要矿产资源评估",
        "区域规划环评",  # 环境影响评价
        "区域能评",  # 节能评价
        "地质灾害危险性评估",
        "地震安全性评价",
        "水资源论证",
    }
    assert set(OPTIONAL_ASSESSMENTS) == {"assess_flood", "assess_soil_water", "assess_heritage"}  # provincial additions
    without_seismic = tuple(f for f in REQUIRED_ASSESSMENTS if f != "assess_seismic")
    assert not is_supply_ready(parcel(assessed=without_seismic))
    assert missing_conditions(parcel(assessed=without_seismic)) == ["assess_seismic"]


def test_the_required_list_is_a_setting():
    flood = parse_required("防洪影响评价、assess_seismic，水资源论证")
    assert flood == ("assess_flood", "assess_water_resources", "assess_seismic")  # kept in the data's order
    p = parcel(assessed=flood)
    assert is_supply_ready(p, flood) and not is_supply_ready(p)
    assert pipeline_stage(p, flood) == "supply_ready" and pipeline_stage(p) == "reserve"
    assert check_transition(p, "listed", flood).ok(None) and check_transition(p, "listed").errors
    with pytest.raises(ValueError, match="未知的区域评估事项：消防"):
        parse_required("消防;地震安全性评价")


def test_the_setting_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("ZONEMAP_REQUIRED_ASSESSMENTS", raising=False)
    assert required_assessments() == REQUIRED_ASSESSMENTS
    monkeypatch.setenv("ZONEMAP_REQUIRED_ASSESSMENTS", "地震安全性评价")
    assert required_assessments() == ("assess_seismic",)
    monkeypatch.setenv("ZONEMAP_REQUIRED_ASSESSMENTS", "消防")
    with pytest.raises(ValueError, match="ZONEMAP_REQUIRED_ASSESSMENTS"):
        required_assessments()


def test_supply_ready_needs_three_plus_one_and_every_required_assessment():
    assert is_supply_ready(parcel())
    assert not is_supply_ready(parcel(flags=("water_supply", "power", "road")))  # 未平整: not 净地
    assert not is_supply_ready(parcel(assessed=REQUIRED_ASSESSMENTS[:-1]))
    # optional assessments (防洪, 水保, 文物) are not required
    assert is_supply_ready(parcel(assessed=REQUIRED_ASSESSMENTS))
    assert missing_conditions(parcel(flags=("power", "road", "leveling"), assessed=())) == [
        "water_supply",
        *REQUIRED_ASSESSMENTS,
    ]


def test_missing_flags_and_nan_count_as_not_done():
    p = parcel()
    p["assess_seismic"] = float("nan")
    assert not is_supply_ready(p)
    del p["assess_seismic"]
    assert not is_supply_ready(p)


def test_pipeline_stage_derives_supply_ready_only_for_reserve_land():
    assert pipeline_stage(parcel()) == "supply_ready"
    assert pipeline_stage(parcel(assessed=())) == "reserve"
    assert pipeline_stage(parcel(status="sold", assessed=())) == "sold"


def test_stage_counts_are_a_funnel_in_parcels_and_mu():
    ps = [
        parcel(assessed=(), area=5),  # reserve
        parcel(area=10),  # supply_ready
        parcel(status="listed", area=20),
        parcel(status="sold", area=40),
        parcel(status="producing", area=80),
    ]
    c = stage_counts(ps)
    assert [c[s]["at"] for s in c] == [1, 1, 1, 1, 0, 1]
    assert [c[s]["reached"] for s in c] == [5, 4, 3, 2, 1, 1]
    assert c["reserve"]["reached_mu"] == 155 and c["supply_ready"]["reached_mu"] == 150
    assert c["sold"]["at_mu"] == 40 and c["started"]["reached_mu"] == 80


def test_forward_moves_pass_backward_moves_need_a_reason():
    assert check_transition(parcel(status="listed"), "sold").ok(None)
    back = check_transition(parcel(status="sold"), "listed")
    assert not back.errors and back.needs_reason and "退回" in back.needs_reason[0]
    assert not back.ok("") and not back.ok("   ") and back.ok("合同解除，重新挂牌")


def test_standard_land_cannot_be_offered_without_conditions_even_with_a_reason():
    check = check_transition(parcel(assessed=REQUIRED_ASSESSMENTS[:3]), "listed")
    assert check.errors and "地震安全性评价" in check.errors[0] and "标准地" in check.errors[0]
    assert "不能改为“已挂牌”" in check.errors[0] and "不能已" not in check.errors[0]
    assert not check.ok("领导同意")


def test_other_land_may_be_offered_without_conditions_with_a_reason():
    check = check_transition(parcel(standard=False, flags=()), "listed")
    assert not check.errors and check.needs_reason
    assert check.ok("存量用地协议出让")


def test_unknown_status_is_an_error():
    check = check_transition(parcel(), "granted")
    assert check.errors == ("未知的供应状态：granted",) and not check.ok("任何理由")


def test_land_use_indicators_hand_computed():
    ps = [
        parcel(assessed=(), area=100),  # reserve: not developed
        parcel(area=100),  # supply_ready: developed, not supplied
        parcel(status="sold", area=200, plot_ratio=1.0, invest_intensity=400.0),
        parcel(status="started", area=100, developed_share=0.5, plot_ratio=2.0, invest_intensity=700.0),
        parcel(status="producing", area=100, plot_ratio=None, invest_intensity=float("nan"), tax_per_mu=30.0),
    ]
    u = land_use(ps, zone_mu=2000.0)
    assert u.total_mu == 600 and u.developed_mu == 500 and u.supplied_mu == 400
    assert u.built_mu == 150  # 100 producing + 100 × 0.5 started
    assert u.development_rate == pytest.approx(500 / 2000)  # ÷ the zone's total land, not the parcels' 600
    assert land_use(ps).development_rate is None  # zone area unknown: no 土地开发率
    assert land_use(ps, zone_mu=float("nan")).development_rate is None
    assert u.supply_rate == pytest.approx(400 / 500)
    assert u.built_rate == pytest.approx(150 / 400)
    assert u.plot_ratio == pytest.approx((200 * 1.0 + 100 * 2.0) / 300)
    assert u.invest_intensity == pytest.approx((200 * 400 + 100 * 700) / 300)
    assert u.tax_per_mu == pytest.approx(30.0)


def test_land_use_of_nothing_has_no_rates():
    u = land_use([])
    assert u.total_mu == 0 and u.development_rate is None and u.plot_ratio is None


def test_benchmarks_are_the_bulletin_figures_per_mu():
    assert BENCHMARKS["invest_intensity"] == pytest.approx(598.95, abs=0.01)
    assert BENCHMARKS["tax_per_mu"] == pytest.approx(45.27, abs=0.01)
    assert BENCHMARKS["development_rate"] == 0.8946
    assert BENCHMARKS["industrial_plot_ratio"] == 0.93 and BENCHMARKS["plot_ratio"] == 0.98
    assert "自然资源部" in BULLETIN and "541" in BULLETIN and "2019-12-31" in BULLETIN and "2020" in BULLETIN


def test_zones_without_planned_area_are_said_beside_the_development_rate():
    from geodata.dataset import load_dataset
    from geodata.store import SAMPLE_PATH, GpkgStore
    from stats.supply import development_rate_note, land_use_table

    data = load_dataset(GpkgStore(SAMPLE_PATH))
    with_parcels = data.zones[data.zones["zone_id"].isin(data.parcels["zone_id"])]
    unknown = int(with_parcels["planned_area_km2"].isna().sum())
    assert unknown == len(with_parcels) == 29  # the sample has no planned areas for zones with parcels
    note = development_rate_note(land_use_table(data.parcels, data.zones))
    assert note == f"{unknown} 个开发区缺少规划面积（开发区土地总面积），未计算土地开发率（记为“—”）"
    zones = data.zones.assign(planned_area_km2=10.0)
    assert development_rate_note(land_use_table(data.parcels, zones)) == ""
