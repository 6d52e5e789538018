"""截至 on 总览地图 and 标准地供给 (and 逐月播放), under AppTest, on tests.test_bulletin's dated set.

Worked by hand for 截至 2021-08-31: projects J3 (started 08-20), J4 (started, no date) and J5 (signed
2020-09-15) — 3, 签约 1 · 开工 2 · 投产 0 (today 5); parcel P1 listed 07-01 and sold 09-08 is 已挂牌 on the
day (已出让 today); P2 listed 09-01 is not yet listed (储备, ready: 具备供地条件); P3 (已动工, no date)
is the one 日期不详 parcel.
"""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from domain.clock import beijing_today
from domain.labels import label
from tests.apptest import open_at
from ui.asof import months_back


def stage_column(at: AppTest) -> dict:
    table = at.dataframe[0].value
    return dict(zip(table.index, table["供地阶段"], strict=True))  # indexed by 地块编号


def metric(at: AppTest, title: str):
    return next(m for m in at.metric if m.label == title)


@pytest.mark.usefixtures("dated_store")
def test_the_overview_on_a_past_day():
    at = open_at("pages/overview.py", ov_asof="2021-08-31")
    assert at.sidebar.date_input(key="ov_asof").value == dt.date(2021, 8, 31)
    (note,) = [i.value for i in at.info if "截至" in i.value]
    assert "截至 2021-08-31" in note and "1 宗地块、1 个项目所处阶段的日期不详" in note
    projects = metric(at, "三个一批项目（个）")
    assert (projects.value, projects.delta) == ("3", "签约 1 · 开工 2 · 投产 0")
    at.sidebar.date_input(key="ov_asof").set_value(beijing_today()).run()  # back to today: as stored
    assert metric(at, "三个一批项目（个）").value == "5"
    assert not [i for i in at.info if "截至" in i.value]


@pytest.mark.usefixtures("dated_store")
def test_the_supply_table_shows_the_stage_of_that_day_and_offers_no_editing():
    at = open_at("pages/supply.py", sup_asof="2021-08-31")
    stages = stage_column(at)
    assert stages["P1"] == label("listed") and stages["P2"] == label("supply_ready")  # not yet listed: back before 挂牌
    assert any("不能修改地块" in i.value for i in at.info)
    today = open_at("pages/supply.py")
    stages = stage_column(today)
    assert stages["P1"] == label("sold") and stages["P2"] == label("listed")


@pytest.mark.usefixtures("dated_store")
def test_play_starts_a_year_back_and_can_be_stopped():
    at = open_at("pages/overview.py")
    at.sidebar.button(key="ov_asof_play").click().run()
    assert not at.exception, at.exception
    assert at.sidebar.date_input(key="ov_asof").value == months_back(beijing_today(), 12)
    assert at.sidebar.button(key="ov_asof_play").label == "停止播放"
    assert any("截至" in i.value for i in at.info)
    at.sidebar.button(key="ov_asof_play").click().run()
    assert at.sidebar.button(key="ov_asof_play").label == "逐月播放"


@pytest.mark.usefixtures("dated_store")
@pytest.mark.parametrize("page,key", [("pages/overview.py", "ov_asof"), ("pages/supply.py", "sup_asof"),
                                      ("pages/tracker.py", "trk_asof")])  # fmt: skip
@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "2999-01-01", "2021-02-30"])
def test_a_hostile_or_impossible_date_in_the_address_is_today(page, key, hostile):
    at = open_at(page, **{key: hostile})
    assert at.sidebar.date_input(key=key).value == beijing_today()
    assert not [i for i in at.info if "截至" in i.value] and not at.error
