"""Tables of the 标准地供给 page, checked against the tiny factory dataset by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from geodata.dataset import load_dataset
from geodata.store import create_gpkg
from stats.supply import NATIONAL_ROW, bulletin_table, funnel, land_use_table, parcel_table, pipeline_by
from testing.factory import frames


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return load_dataset(create_gpkg(tmp_path_factory.mktemp("r") / "t.gpkg", frames()))


def test_parcel_table_is_chinese_and_keyed_by_parcel(data):
    t = parcel_table(data.parcels)
    assert t.index.name == "地块编号" and list(t.index) == ["P1", "P2", "P3", "P4"]
    assert list(t.columns[:3]) == ["名称", "面积（亩）", "供地阶段"]  # visible without scrolling sideways
    assert t.loc["P2", "供地阶段"] == "已挂牌" and t.loc["P4", "基础设施配套"] == "未达标"
    assert t.loc["P1", "区域评估"] == "6/6"  # the six of 国办发〔2019〕11号 and t.loc["P4", "产业链"] == "未归链"


def test_funnel_counts(data):
    # P1 sold, P2 listed, P3 started, P4 reserve (not ready)
    f = funnel(data.parcels).set_index("阶段")
    assert f["累计达到（宗）"].tolist() == [4, 3, 3, 2, 1, 0]
    assert f.loc["已出让", "累计达到（亩）"] == pytest.approx(970.0)
    assert f.loc["储备", "当前处于（亩）"] == pytest.approx(36.25)


def test_pipeline_by_zone_and_city_with_totals(data):
    z = pipeline_by(data.parcels, "zone").set_index("开发区")
    assert z.loc["介休", "已动工（亩）"] == 870.0 and z.loc["介休", "储备（宗）"] == 1
    assert z.loc["合计", "合计（亩）"] == pytest.approx(1056.75) and z.loc["合计", "合计（宗）"] == 4
    c = pipeline_by(data.parcels, "city").set_index("市")
    assert c.loc["太原市", "合计（宗）"] == 2 and c.loc["晋中市", "合计（宗）"] == 2
    assert str(c["合计（宗）"].dtype) == "int64"
    assert pipeline_by(data.parcels.iloc[0:0], "zone").empty


def test_land_use_table_has_zones_and_the_benchmark(data):
    t = land_use_table(data.parcels, data.zones).set_index("开发区")
    jx = t.loc["介休"]
    # 介休: P3 started 870 亩 (developed_share missing → 0 built), P4 reserve not ready 36.25; planned 5 km²
    assert jx["地块面积（亩）"] == pytest.approx(906.25)
    assert jx["开发区土地总面积（亩）"] == 7500
    assert jx["土地开发率"] == pytest.approx(870 / 7500)  # ÷ the zone's land, not the 906.25 亩 of parcels
    assert jx["土地供应率"] == pytest.approx(1.0) and jx["土地建成率"] == pytest.approx(0.0)
    assert t.loc[NATIONAL_ROW, "土地开发率"] == 0.8946
    # control values are never set beside the bulletin's actuals
    assert t.loc[NATIONAL_ROW, ["容积率（控制指标）", "投资强度（控制指标，万元/亩）"]].isna().all()
    assert "平均容积率" not in t.columns


def test_development_rate_is_unknown_without_the_zone_area(data):
    zones = data.zones.assign(planned_area_km2=None)
    t = land_use_table(data.parcels, zones).set_index("开发区")
    assert pd.isna(t.loc["介休", "土地开发率"]) and pd.isna(t.loc["介休", "开发区土地总面积（亩）"])
    assert t.loc["介休", "土地供应率"] == pytest.approx(1.0)


def test_bulletin_table_names_the_comparable_figures():
    b = bulletin_table().set_index("指标")
    assert b.loc["工业用地综合容积率", "通报值"] == "0.93" and b.loc["综合容积率", "通报值"] == "0.98"
    assert "不作比较" in b.loc["工业用地固定资产投入强度", "可比对象"]
