import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from geodata.io.validate import validate_dataset, validate_layer
from geodata.schema import SCHEMAS
from geodata.store import create_gpkg
from testing.factory import frames

HOSTILE = "<script>alert('x')</script>"


def messages(problems):
    return [str(p) for p in problems]


def test_clean_tiny_dataset_has_no_problems():
    assert validate_dataset(frames()) == []


def test_every_problem_reported_row_by_row():
    f = frames()
    parcels = f["parcels"].copy()
    parcels.loc[0, "area_mu"] = -5  # out of range
    parcels.loc[1, "supply_status"] = "sold?"  # not allowed
    parcels.loc[2, "name"] = None  # required
    parcels.loc[3, "parcel_id"] = "P1"  # duplicate of row 1
    parcels.loc[3, "agreed_start_date"] = "2021-02-30"  # bad date
    problems = validate_layer(parcels, "parcels")
    text = messages(problems)
    assert any("第 1 行" in t and "面积（亩）" in t and "小于允许的最小值" in t for t in text)
    assert any("第 2 行" in t and "不是允许的取值" in t and "已出让" in t for t in text)
    assert any("第 3 行" in t and "名称" in t and "必填" in t for t in text)
    assert sum("重复" in t for t in text) == 2  # both rows named
    assert any("第 4 行" in t and "不是有效日期" in t for t in text)
    assert len(problems) == 6


def test_geometry_problems():
    zones = frames()["zones"].copy()
    bowtie = Polygon([(112.5, 37.5), (112.6, 37.6), (112.6, 37.5), (112.5, 37.6)])
    zones.loc[0, "geometry"] = bowtie
    zones.loc[1, "geometry"] = Point(112.5, 37.8)
    zones.loc[2, "geometry"] = box(37.0, 111.9, 37.1, 112.0)  # lat/lon swapped
    text = messages(validate_layer(zones, "zones"))
    assert any("第 1 行" in t and "几何无效" in t for t in text)
    assert any("第 2 行" in t and "应为面" in t for t in text)
    assert any("第 3 行" in t and "超出山西省范围" in t and "颠倒" in t for t in text)


def test_missing_required_column_and_non_numbers():
    projects = frames()["projects"].drop(columns=["stage"]).copy()
    projects["investment_yi"] = projects["investment_yi"].astype(object)
    projects.loc[0, "investment_yi"] = "五百亿"
    text = messages(validate_layer(projects, "projects"))
    assert any("缺少必填字段" in t and "阶段" in t for t in text)
    assert any("第 1 行" in t and "“五百亿”不是数字" in t for t in text)


def test_references_between_layers():
    f = frames()
    f["parcels"].loc[0, "zone_id"] = "NOPE"
    f["zones"].loc[0, "leading_chains"] = "光伏;不存在链"
    f["projects"].loc[0, "round_id"] = HOSTILE
    text = messages(validate_dataset(f))
    assert any("地块" in t and "引用的开发区“NOPE”不存在" in t for t in text)
    assert any("不存在链" in t for t in text)
    assert any(HOSTILE in t for t in text)  # reported verbatim; the UI escapes it
    assert len(text) == 3


def test_schema_documents_every_column():
    for schema in SCHEMAS.values():
        for f in schema.fields:
            assert f.label != f.name, f"{schema.name}.{f.name} has no Chinese label"
            assert f.dtype in {"str", "float", "int", "bool", "date", "list"}


def test_store_round_trip_keeps_types(tmp_path):
    store = create_gpkg(tmp_path / "t.gpkg", frames())
    parcels = store.read("parcels")
    assert parcels["is_standard_land"].dtype == bool
    assert parcels["area_mu"].tolist() == [100.0, 50.5, 870.0, 36.25]
    assert str(parcels.crs) == "EPSG:4490"
    rounds = store.read("rounds")
    assert isinstance(rounds, pd.DataFrame) and "geometry" not in rounds.columns
    assert validate_dataset(store.read_all()) == []
    with pytest.raises(KeyError):
        store.read("no_such_layer")
