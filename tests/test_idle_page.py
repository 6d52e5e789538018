"""闲置土地盘活 under AppTest: identify, calculate, save and compare scenarios, match, report."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.idle import IdleRules
from geodata.dataset import load_dataset
from geodata.idle_reports import IDLE_VIEW, classify_parcels, compare_table, idle_table, idle_totals, people
from geodata.store import SAMPLE_PATH, GpkgStore
from reports.idle_report import report_html
from tests.apptest import open_page

DAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def classified():
    data = load_dataset(GpkgStore(SAMPLE_PATH))
    return data, classify_parcels(data.parcels, DAY, IdleRules())


def test_sample_figures(classified):
    _, c = classified
    totals = idle_totals(c, "zone").set_index("开发区")
    assert totals.loc["合计", "闲置满一年（宗）"] == 2 and totals.loc["合计", "闲置满两年（宗）"] == 2
    assert totals.loc["合计", "政府原因（协议处置）（宗）"] == 1
    # fee = 20% of the land price of the two 闲置满一年 parcels
    one_year = c[c["idle_class"] == "idle"]
    assert totals.loc["合计", "可征闲置费（万元）"] == pytest.approx(round(0.2 * one_year["land_price"].sum(), 2))
    table = idle_table(c)
    assert set(table["闲置认定"]) >= {"未闲置", "闲置满一年", "闲置满两年", "政府原因（协议处置）"}


def test_the_table_opens_on_the_idle_parcels_with_their_class_first(classified):
    _, c = classified
    table = idle_table(c, IDLE_VIEW)
    assert table.columns[0] == "闲置认定" and len(table) == int(c["is_idle"].sum()) == 5
    assert set(table["闲置认定"]) == {"闲置满一年", "闲置满两年", "政府原因（协议处置）"}
    assert len(idle_table(c)) > len(table)  # every supplied parcel when no class is chosen


def test_jobs_are_whole_people_in_every_table():
    assert people(108.5) == 109 and people(108.49) == 108 and people(0.4) == 0
    scenario = {"area_mu": 180.8, "investment": 1.0, "output": 1.0, "tax": 1.0, "jobs": 108.5, "fee": 0.0}
    assert compare_table({"甲": scenario}).loc["就业（人）", "甲"] == 109


def test_print_view_is_self_contained_and_escaped(classified):
    data, c = classified
    c = c.copy()
    c.loc[c["is_idle"], "name"] = "<script>alert(1)</script>"
    html = report_html(c, data.zones, DAY, IdleRules(), {})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<svg" in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_whole_flow(sample_copy):
    at = open_page("pages/idle.py", idl_today=DAY)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["闲置满一年（宗）"] == "2" and metrics["闲置满两年（宗）"] == "2"
    pick = at.multiselect(key="idl_pick")
    assert len(pick.options) == 5  # 2 + 2 + 1 idle parcels
    assert pick.value == []
    data = load_dataset(GpkgStore(sample_copy))
    c = classify_parcels(data.parcels, DAY, IdleRules())
    idle_ids = list(c.loc[c["is_idle"], "parcel_id"])
    pick.set_value(idle_ids[:2]).run()
    assert not at.exception, at.exception
    area = round(float(c.set_index("parcel_id").loc[idle_ids[:2], "area_mu"].sum()), 2)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["盘活面积（亩）"] == f"{area:,.2f}"
    assert metrics["就业（人）"] == f"{people(area * 0.6):,}"  # default 0.6 人/亩, whole people
    assert metrics["固定资产投资（万元）"] == f"{area * 599.0:,.2f}"  # default 投资强度 599 万元/亩
    at.text_input(key="idl_scn_name").input("方案甲").run()
    next(b for b in at.button if b.label == "保存方案").click().run()
    pick = at.multiselect(key="idl_pick")
    pick.set_value(idle_ids).run()
    at.text_input(key="idl_scn_name").input("方案乙").run()
    next(b for b in at.button if b.label == "保存方案").click().run()
    assert not at.exception, at.exception
    compare = next(df.value for df in at.dataframe if list(df.value.columns) == ["方案甲", "方案乙"])
    assert compare.loc["盘活面积（亩）", "方案甲"] == pytest.approx(area)
    # matching tab: a ranked table for the first waiting project
    assert any("得分" in df.value.columns for df in at.dataframe)
