"""The chain taxonomy as data, the chain filter over every chain the data names, and 链主 (#26).

Hand-worked on testing/factory.py's frames: its chains table lists only 光伏, 氢能 and 现代医药 (a data file
made when fewer chains were listed); the zones, parcels and projects below name others.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from domain.chains import ordered, taxonomy
from geodata.dataset import dataset_from_frames
from geodata.query import Filters, apply_filters
from geodata.store import create_gpkg
from stats.tracker import leading_zones, zone_leaders
from testing.factory import frames
from tests.apptest import open_page
from ui.filters import chain_options


def test_the_taxonomy_holds_the_16_key_chains_and_the_14_strategic_emerging_industries():
    rows = taxonomy()
    key = [r["name"] for r in rows if r["kind"] == "key_chain"]
    sei = [r["name"] for r in rows if r["kind"] == "strategic_emerging"]
    assert len(key) == 16 and key[:3] == ["特钢材料", "新能源汽车", "高端装备制造"] and key[-1] == "装配式建筑"
    assert [r["ordinal"] for r in rows if r["kind"] == "key_chain"] == list(range(1, 17))
    in_both = [r["name"] for r in rows if "亦属14个战略性新兴产业" in r["batch"]]
    assert in_both == ["光伏", "碳基新材料"] and len(sei) + len(in_both) == 14
    assert {"光电", "半导体", "大数据融合创新", "通用航空", "节能环保"} <= set(sei)
    assert all(r["source"] for r in rows)  # each row cites its publication


def named_elsewhere() -> dict:
    """介休 (Z2) leads 氢能, 光电 and 半导体; J5 is a 通用航空 project; P4 is on a chain in no list."""
    f = frames()
    f["zones"].loc[2, "leading_chains"] = "氢能;光电;半导体"
    f["projects"].loc[4, "chain"] = "通用航空"
    f["parcels"].loc[3, "chain"] = "本地特色链"
    return f


def test_the_chain_filter_offers_every_chain_the_data_names_in_taxonomy_order():
    data = dataset_from_frames(named_elsewhere())
    # the table's own chains by its ordinals (氢能 5, 光伏 7, 现代医药 8), then the taxonomy's strategic
    # emerging industries (半导体 2, 光电 4, 通用航空 12), then a name in neither
    assert chain_options(data) == ["氢能", "光伏", "现代医药", "半导体", "光电", "通用航空", "本地特色链"]
    assert ordered(["节能环保", "特钢材料", "x"]) == ["特钢材料", "节能环保", "x"]


def test_a_zone_listing_光电_is_found_by_chain_on_the_overview(tmp_path, monkeypatch):
    store = create_gpkg(tmp_path / "data.gpkg", named_elsewhere())
    monkeypatch.setenv("ZONEMAP_DATA", str(store.path))
    at = open_page()
    chain = at.sidebar.multiselect(key="flt_chain")
    assert {"光电", "半导体", "通用航空"} <= set(chain.options)
    chain.select("光电").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["开发区（个）"] == "1"  # 介休 only


def with_leaders() -> dict:
    """Four zones and 光伏:
    Z1 甲 lists 光伏 and holds J1 (560 亿) and J2 (4 亿), no 链主;
    Z1a 乙园区 lists nothing and holds J3 now a 光伏 project of 1.68 亿, no 链主;
    Z2 介休 lists only 氢能 but hosts J6, a 光伏 project of 晶科能源 marked 链主 (20 亿);
    Z3 丙 lists nothing and holds J7, a 光伏 project of 3000 亿 (not 链主): the biggest, and not leading."""
    f = frames()
    f["projects"].loc[2, "chain"] = "光伏"
    extra = gpd.GeoDataFrame(
        [
            {"project_id": "J6", "name": "项目J6", "enterprise": "晶科能源", "zone_id": "Z2", "chain": "光伏",
             "is_chain_leader": True, "stage": "started", "investment_yi": 20.0},
            {"project_id": "J7", "name": "项目J7", "enterprise": "某公司", "zone_id": "Z3", "chain": "光伏",
             "is_chain_leader": False, "stage": "signed", "investment_yi": 3000.0},
        ],
        geometry=[Point(111.92, 37.02), Point(112.9, 38.3)],
        crs=f["projects"].crs,
    )  # fmt: skip
    f["projects"] = pd.concat([f["projects"], extra], ignore_index=True)
    zone = f["zones"].iloc[[0]].copy()
    zone[["zone_id", "name", "short_name", "leading_chains"]] = ["Z3", "丙开发区", "丙", None]
    f["zones"] = pd.concat([f["zones"], zone], ignore_index=True)
    return f


def test_the_leading_zones_of_a_chain_list_it_or_host_its_链主_and_name_the_firms():
    data = dataset_from_frames(with_leaders())
    view = apply_filters(data, Filters(chains=("光伏",)))
    table = leading_zones(view.zones, view.projects, view.parcels, "光伏")
    shown = ["开发区", "主导产业链", "链主企业", "项目（个）", "项目总投资（亿元）", "链主项目（个）"]
    assert table[shown].values.tolist() == [
        ["甲", "是", "", 2, 564.0, 0],
        ["介休", "", "晶科能源", 1, 20.0, 1],
    ]  # 丙 (3000 亿) and 乙园区 hold 光伏 projects but neither list 光伏 nor host its 链主


def test_链主_on_the_overview_filter_and_zone_card(tmp_path, monkeypatch):
    frames_ = with_leaders()
    assert zone_leaders(dataset_from_frames(frames_).projects, "Z2") == "晶科能源（光伏）"
    view = apply_filters(dataset_from_frames(frames_), Filters(leaders=("晶科能源",)))
    assert list(view.zones["zone_id"]) == ["Z2"] and list(view.projects["project_id"]) == ["J6"]
    assert sorted(view.parcels["parcel_id"]) == ["P3", "P4"]  # the host zone's parcels

    store = create_gpkg(tmp_path / "data.gpkg", frames_)
    monkeypatch.setenv("ZONEMAP_DATA", str(store.path))
    at = open_page(selected=("zones", "Z2"))
    leader = at.sidebar.multiselect(key="flt_leader")
    assert leader.label == "链主企业" and leader.options == ["晶科能源"]
    card = at.table[0].value
    rows = {str(k): str(v) for k, v in card.iloc[:, 0].items()}
    assert rows["链主企业"] == "晶科能源（光伏）"
    leader.select("晶科能源").run()
    assert {m.label: m.value for m in at.metric}["三个一批项目（个）"] == "1"


@pytest.mark.parametrize("zone", ["Z1", "Z1a"])
def test_a_zone_without_a_链主_says_so(zone):
    assert zone_leaders(dataset_from_frames(with_leaders()).projects, zone) == ""
