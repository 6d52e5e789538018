"""The map as of a date and the 年度考核 tab of 三个一批, under AppTest.

As of 2021-08-31 on tests.test_bulletin's dated set: P1 (已出让 today; 挂牌 2021-07-01, 出让合同 2021-09-08)
was 挂牌; P2 (挂牌 2021-09-01) was still in reserve; P3 (已动工, no date anywhere) is 日期不详 on the map
and counted as 已动工 by the figures; P4 is reserve.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

from domain.asof import ABSENT
from geodata.edits import Edit
from geodata.schema import SCHEMAS
from geodata.store import coerce, create_gpkg
from stats.asof import parcel_stage_on, parcels_on
from tests.apptest import APP
from tests.test_bulletin import dated_frames
from tests.test_bulletin_page import open_tracker
from tests.test_evaluation import evaluation_frames

DAY = dt.date(2021, 8, 31)
HOSTILE = "<img src=x onerror=alert(1)>**甲**开发区"


def test_a_parcel_sold_after_the_date_is_still_listed():
    parcels = coerce(dated_frames()["parcels"], SCHEMAS["parcels"])
    then = parcels_on(parcels, None, DAY).set_index("parcel_id")
    assert then["asof_status"].to_dict() == {"P1": "listed", "P2": "reserve", "P3": "undated", "P4": "reserve"}
    assert then["supply_status"].to_dict() == {"P1": "listed", "P2": "reserve", "P3": "started", "P4": "reserve"}
    assert then.loc["P1", "contract_date"] is None  # a date after the day is not known yet
    assert parcels_on(parcels, None, dt.date(2021, 9, 8)).set_index("parcel_id").loc["P1", "asof_status"] == "sold"


def test_a_parcel_recorded_after_the_date_is_absent_and_an_edit_after_it_is_undone(tmp_path):
    store = create_gpkg(tmp_path / "d.gpkg", dated_frames())
    store.apply_edit(Edit("parcels", "P4", {"supply_status": "listed"}, 0, "张三"))  # today, after DAY
    parcels, history = store.read("parcels"), store.history()
    stage = parcel_stage_on(parcels, history, DAY)
    assert stage[parcels["parcel_id"] == "P4"].item() == "reserve"
    history.loc[len(history)] = history.iloc[-1].to_dict() | {"record_id": "P2", "field": "*", "change_id": 10**6}
    assert parcel_stage_on(parcels, history, DAY)[parcels["parcel_id"] == "P2"].item() == ABSENT


def test_the_tracker_map_colours_parcels_by_their_stage_on_the_date(dated_store, monkeypatch):
    import ui.bigmap

    drawn = []
    monkeypatch.setattr(ui.bigmap, "page_map", lambda *a, **k: drawn.append((a, k)))
    open_tracker(trk_asof=DAY.isoformat())
    (args, kwargs) = drawn[-1]
    assert args[3] == "asof_status"
    stage = kwargs["parcels"].set_index("parcel_id")["asof_status"].to_dict()
    assert stage == {"P1": "listed", "P2": "reserve", "P3": "undated", "P4": "reserve"}
    drawn.clear()
    open_tracker()  # today: coloured by today's status
    assert drawn[-1][0][3] == "supply_status" and drawn[-1][1]["parcels"] is None


@pytest.fixture
def evaluation_store(tmp_path, monkeypatch):
    f = evaluation_frames()
    f["zones"].loc[f["zones"]["zone_id"] == "Z1", "name"] = HOSTILE
    path = tmp_path / "evaluation.gpkg"
    create_gpkg(path, f)
    monkeypatch.setenv("ZONEMAP_DATA", str(path))
    return path


def test_the_evaluation_tab(evaluation_store):
    at = open_tracker()
    year = at.selectbox(key="trk_eval_year")
    assert 2025 in year.options or "2025年" in year.options
    year.set_value(2025).run()
    assert not at.exception, at.exception
    [ranking] = [d.value for d in at.dataframe if "数据覆盖率（%）" in d.value.columns]
    assert list(ranking["开发区"]) == list(ranking.sort_values("总分", ascending=False)["开发区"])
    assert set(ranking["开发区"]) == {HOSTILE, "介休经济技术开发区"}
    card = at.selectbox(key="trk_eval_zone")
    card.set_value("Z2").run()
    assert any(c.value == "亩均税收：缺少数据：没有2025年的实缴税金" for c in at.caption)
    card.set_value("Z1").run()
    shown = [m.value for m in at.markdown if "甲" in m.value]
    assert shown and all("\\<img" in v and not re.search(r"(?<!\\)<img", v) for v in shown)  # escaped
    assert any("\\*\\*甲\\*\\*" in v for v in shown)  # the name's own ** shown, not bold


def test_the_ranking_shows_missing_figures_as_a_dash_not_none(evaluation_store):
    """st.dataframe draws a null as "None" (seen on 100 000 parcels: 排名 and 亩均税收 read None); — instead."""
    at = open_tracker()
    at.selectbox(key="trk_eval_year").set_value(2025).run()
    [ranking] = [d.value for d in at.dataframe if "数据覆盖率（%）" in d.value.columns]
    assert not ranking.isna().any().any(), ranking
    assert "—" in set(ranking.astype(str).stack())  # Z2 has no 2025 tax: its cell says so


def test_the_overview_on_a_past_date_colours_its_map_and_counts_by_that_day(dated_store, monkeypatch):
    import layers.overview

    real, drawn = layers.overview.build_map, []

    def recording(frames, **kwargs):
        drawn.append((frames, kwargs))
        return real(frames, **kwargs)

    monkeypatch.setattr(layers.overview, "build_map", recording)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["ov_asof"] = DAY.isoformat()
    at.run()
    assert not at.exception, at.exception
    assert any(f"截至 {DAY.isoformat()}" in i.value for i in at.info)
    layers, kwargs = drawn[-1]
    assert kwargs["parcel_style"] == "asof_status"
    assert layers["parcels"].set_index("parcel_id")["asof_status"].to_dict() == {
        "P1": "listed", "P2": "reserve", "P3": "undated", "P4": "reserve"}  # fmt: skip
    assert set(layers["projects"]["project_id"]) == {"J3", "J4", "J5"}  # J1, J2 signed in September


def test_the_supply_stage_is_derived_again_for_a_parcel_whose_status_was_different():
    """P1 (已出让 today) was 已挂牌; P2 (已挂牌 today, 三通一平 and every assessment) was 具备供地条件."""
    from geodata.dataset import dataset_from_frames

    data = dataset_from_frames({k: coerce(v, SCHEMAS[k]) for k, v in dated_frames().items()})
    then = parcels_on(data.parcels, None, DAY).set_index("parcel_id")["pipeline_stage"].to_dict()
    now = data.parcels.set_index("parcel_id")["pipeline_stage"].to_dict()
    assert (now["P1"], now["P2"]) == ("sold", "listed")
    assert then == {"P1": "listed", "P2": "supply_ready", "P3": "started", "P4": now["P4"]}
