"""Files land offices actually have (issue #16): 界址点 tables, .xls, codes, generated ids, zones, areas, re-imports."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from domain.landuse import UNFILLED, codes, find_code
from geodata import cli
from geodata.dataset import load_dataset
from geodata.edits import Edit
from geodata.io.boundary import PointColumns, boundary_polygons, order_points, point_number
from geodata.io.imports import ImportOptions, area_unit, commit_import, generated_id, prepare, read_land_use
from geodata.io.sources import SourceError, check_ole2, read_source
from geodata.store import SAMPLE_PATH, GpkgStore
from tests import import_corpus
from tests.import_corpus import gk_reference_mu, ledger_gk

RESERVE = ImportOptions(fill={"supply_status": "储备"})


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


@pytest.fixture(scope="module")
def existing(sample):
    return {n: sample.layer(n) for n in ("admin", "zones", "parcels", "projects", "chains", "rounds")}


# --- 界址点 ---------------------------------------------------------------------------------------------------------


def test_point_numbers_and_their_order():
    assert [point_number(v) for v in ("J12", 7, 7.0, "J-3", "界址点5", "", None, 2.5)] == [12, 7, 7, 3, 5, None, None,
                                                                                          None]  # fmt: skip
    assert order_points([1, 2, 3, 4]) == ([0, 1, 2, 3], False)
    assert order_points([3, 4, 1, 2]) == ([0, 1, 2, 3], False)  # a rotation: the ring starts elsewhere
    assert order_points([4, 3, 2, 1]) == ([0, 1, 2, 3], False)  # the other direction
    assert order_points([1, 3, 2, 4]) == ([0, 2, 1, 3], True)  # out of order: sorted by 点号
    assert order_points([1, None, 3]) == ([0, 1, 2], False)  # no number: the file's order


def _square(x0, y0, size, ring="1"):
    corners = [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)]
    return [{"圈号": ring, "X": x, "Y": y} for x, y in corners]


def test_boundary_table_makes_closed_rings_with_holes_and_parts():
    rows = (
        [{"宗地号": "A", **r} for r in _square(0, 0, 100)]
        + [{"宗地号": None, **r} for r in _square(40, 40, 20, "2")]  # merged cell; a hole
        + [{"宗地号": None, **r} for r in _square(300, 0, 50, "3")]  # a separate part
        + [{"宗地号": "B", **r} for r in [*_square(0, 500, 10), _square(0, 500, 10)[0]]]  # start point repeated
        + [{"宗地号": "C", **r} for r in _square(0, 900, 10)[:2]]  # two points: no parcel
    )
    table = pd.DataFrame(rows).assign(点号=lambda t: [f"J{i % 4 + 1}" for i in range(len(t))], 名称=None)
    table.loc[0, "名称"] = "甲地块"
    notes, info = [], []
    attrs, geoms = boundary_polygons(table, PointColumns("宗地号", "点号", "X", "Y", "圈号"), notes, info)
    assert list(attrs["宗地号"]) == ["A", "B", "C"] and attrs["名称"].tolist() == ["甲地块", None, None]
    a, b, c = geoms
    assert a.geom_type == "MultiPolygon" and a.area == pytest.approx(100 * 100 - 20 * 20 + 50 * 50)
    assert len(a.geoms[0].interiors) == 1 and b.area == pytest.approx(100) and len(b.exterior.coords) == 5
    assert c is None and any("第 3 宗（C）只有 2 个不同的界址点" in n for n in notes)
    assert any("按上一行的宗地号归组" in i for i in info) and any("连成 3 宗地块" in i for i in info)


def test_boundary_points_out_of_order_are_sorted_and_said():
    square = _square(0, 0, 100)
    table = pd.DataFrame([square[i] | {"宗地号": "A", "点号": f"J{i + 1}"} for i in (0, 2, 1, 3)])
    notes = []
    _, (geom,) = boundary_polygons(table, PointColumns("宗地号", "点号", "X", "Y"), notes, [])
    assert geom.is_valid and geom.area == pytest.approx(100 * 100)  # file order would be a bow-tie
    assert notes == ["第 1 宗（A）的界址点未按点号顺序排列，已按点号排序"]


# --- .xls -----------------------------------------------------------------------------------------------------------


def test_xls_is_read_and_checked_before_parsing(sample, tmp_path):
    src = read_source(import_corpus.xls_ledger(tmp_path, sample))
    assert src.fmt == "Excel（.xls）" and list(src.frame.columns) == ["DKMC", "QLR", "ZT", "MJ", "geometry"]
    assert src.frame["DKMC"].tolist() == ["经开区1号地块", "经开区2号地块", "经开区3号地块"]
    assert check_ole2(import_corpus.xls_ledger(tmp_path, sample)) == "ole2"
    assert check_ole2(import_corpus.xls_renamed_xlsx(tmp_path, sample)) == "zip"
    for build, words in ((import_corpus.xls_html, "网页"), (import_corpus.xls_bad_header, "结构已损坏"),
                         (import_corpus.xls_garbage, "不是有效的旧版 Excel")):  # fmt: skip
        with pytest.raises(SourceError, match=words):
            check_ole2(build(tmp_path, sample))


# --- land-use codes, areas, ids -------------------------------------------------------------------------------------


def test_land_use_codes_of_the_national_classification():
    assert len(codes()) > 150 and codes()["1001"].name == "工业用地"
    assert {find_code(v).code for v in ("1001", 1001, 1001.0, "1001 工业用地", "1001工业用地", "工业用地")} == {"1001"}
    assert find_code("901").code == "0901" and find_code("090199").code == "0901"  # lost zero; unknown sub-class
    assert find_code("1001 商业用地") is None and find_code("12345") is None and find_code("M1") is None
    assert read_land_use("100102") == ("industrial_land", "用地用海分类 100102 二类工业用地")
    assert read_land_use("1101") == ("logistics_land", "用地用海分类 1101 物流仓储用地")
    assert read_land_use("0702") == (None, "用地用海分类 0702 城镇社区服务设施用地")
    assert read_land_use("M1")[0] == "industrial_land" and read_land_use("商服用地")[0] == "commercial_land"
    assert read_land_use("未填")[0] == UNFILLED and read_land_use("也许") == (None, "无法识别")


def test_area_unit_from_the_name_or_the_magnitude():
    computed = np.array([10.0, 20.0, 30.0])
    assert area_unit("面积（公顷）", computed, computed)[0] == "公顷"
    assert area_unit("MJ", computed * 2000 / 3 * 1.02, computed) == ("平方米", "按数值大小判断")
    assert area_unit("MJ", computed / 15, computed)[0] == "公顷"
    assert area_unit("MJ", computed * 1.05, computed)[0] == "亩"
    unit, why = area_unit("MJ", computed * 40, computed)
    assert unit is None and "40 倍" in why


def test_generated_ids_depend_on_zone_and_shape_only():
    square = shapely.Polygon([(112.7, 37.6), (112.71, 37.6), (112.71, 37.61), (112.7, 37.61)])
    rotated = shapely.Polygon([(112.71, 37.6), (112.71, 37.61), (112.7, 37.61), (112.7, 37.6)])  # other start
    assert generated_id("SXZG-JZ", square) == generated_id("SXZG-JZ", rotated)
    assert generated_id("SXZG-JZ", square).startswith("SXZG-JZ-") and len(generated_id(None, square)) == 13
    assert generated_id("SXZG-JZ", square) != generated_id("SXZG-JZ", shapely.affinity.translate(square, 1e-5))
    assert generated_id("SXZG-JZ", square) != generated_id("SXZG-XH", square)


@pytest.mark.parametrize("zone", [None, float("nan"), np.nan, pd.NA, "", "  "])
def test_a_record_without_a_zone_never_gets_nan_or_none_in_its_id(zone):
    square = shapely.Polygon([(112.7, 37.6), (112.71, 37.6), (112.71, 37.61), (112.7, 37.61)])
    made = generated_id(zone, square)
    assert made == generated_id(None, square) and made.startswith("DK-")
    assert "nan" not in made.lower() and "none" not in made.lower() and "<na>" not in made.lower()


# --- whole files ----------------------------------------------------------------------------------------------------


def _areas_close(plan_areas, reference):
    return np.allclose(np.asarray(plan_areas, dtype=float), reference, rtol=1e-3)


@pytest.mark.parametrize(
    ("build", "options"),
    [(import_corpus.bureau_ledger, ImportOptions()), (import_corpus.jzd_csv, RESERVE),
     (import_corpus.jzd_xls, RESERVE), (import_corpus.jzd_xlsx_unordered, RESERVE),
     (import_corpus.xls_ledger, ImportOptions())],
)  # fmt: skip
def test_bureau_files_import_with_areas_of_the_gk_reference(build, options, sample, existing, tmp_path):
    plan = prepare(build(tmp_path, sample), "parcels", existing, options)
    assert plan.ok, plan.report()
    assert plan.crs.code == "EPSG:4526" and (plan.frame["zone_id"] == "SXZG-JZ").all()
    assert _areas_close(plan.frame["area_mu"], gk_reference_mu(ledger_gk()))  # within 0.1 % of GK planar
    assert set(plan.frame["land_use"]) == {UNFILLED}
    assert set(plan.frame["supply_status"]) <= {"reserve", "sold", "listed"}
    area_rows = [f.row for f in plan.findings if f.column == "area_mu" and "相差" in f.message]
    assert area_rows == [3]  # the ledger's third area is 3 % off; the others agree within 1 %


def test_a_bureau_ledger_without_ids_gets_stable_ones(sample, existing, tmp_path):
    path = import_corpus.bureau_ledger(tmp_path, sample)
    first, second = prepare(path, "parcels", existing), prepare(path, "parcels", existing)
    ids = first.frame["parcel_id"].tolist()
    assert ids == second.frame["parcel_id"].tolist() == first.generated_ids and len(set(ids)) == 3
    assert all(i.startswith("SXZG-JZ-") for i in ids)
    warned = [f.message for f in first.findings if f.column == "parcel_id"]
    assert len(warned) == 1 and "3 条没有地块编号（文件中没有这一列）" in warned[0] and ids[0] in warned[0]


def test_zone_is_picked_proposed_or_asked_for(sample, existing, tmp_path):
    far = import_corpus.bureau_ledger_far(tmp_path, sample)
    refused = prepare(far, "parcels", existing)
    assert refused.readable and not refused.ok
    assert [f.row for f in refused.fit_errors if f.column == "zone_id"] == [1, 2, 3]
    picked = prepare(far, "parcels", existing, ImportOptions(zone="晋中新兴产业园区"))
    assert picked.ok and set(picked.frame["zone_id"]) == {"SXZG-JZ"}
    assert picked.frame["parcel_id"].str.startswith("SXZG-JZ-").all()  # ids follow the chosen zone
    near = prepare(import_corpus.bureau_ledger_near(tmp_path, sample), "parcels", existing)
    assert near.ok and set(near.frame["zone_id"]) == {"SXZG-JZ"}
    rows = [f for f in near.findings if f.column == "zone_id" and f.level == "warning"]
    assert [f.row for f in rows] == [1, 2, 3] and all("距最近的“晋中新兴产业园区”约" in f.message for f in rows)
    metres = [int(f.message.split("约 ")[1].split(" 米")[0].replace(",", "")) for f in rows]
    assert metres == sorted(metres) and 200 < metres[0] < metres[-1] < 2000  # the third parcel is farthest east
    inside = prepare(far, "parcels", existing, ImportOptions(zone="SXZG-XH"))
    assert inside.ok  # a picked zone far from the shapes is taken as said (no outline says otherwise)
    wrong = prepare(import_corpus.bureau_ledger(tmp_path, sample), "parcels", existing, ImportOptions(zone="SXZG-XH"))
    assert [f.row for f in wrong.findings if "按所选的“潇河园区”导入" in f.message] == [1, 2, 3]
    assert not prepare(far, "parcels", existing, ImportOptions(zone="不存在")).ok


def test_land_use_codes_are_mapped_by_the_user(sample, existing, tmp_path):
    path = import_corpus.bureau_land_use_codes(tmp_path, sample)
    plan = prepare(path, "parcels", existing)
    assert plan.ok and plan.frame["land_use"].tolist() == ["industrial_land", UNFILLED, "industrial_land"]
    table = plan.land_uses.set_index("值")
    assert table.loc["0702", "识别为"] == "用地用海分类 0702 城镇社区服务设施用地"
    assert table.loc["0702", "导入为"] == UNFILLED
    mapped = prepare(path, "parcels", existing, ImportOptions(land_use_map={"0702": "commercial_land"}))
    assert mapped.frame["land_use"].tolist() == ["industrial_land", "commercial_land", "industrial_land"]
    assert not [f for f in mapped.findings if "未填" in f.message]


def test_missing_status_is_filled_for_the_whole_file(sample, existing, tmp_path):
    path = import_corpus.bureau_no_status(tmp_path, sample)
    plan = prepare(path, "parcels", existing)
    assert plan.readable and not plan.ok and plan.fillable == ["supply_status"]
    filled = prepare(path, "parcels", existing, RESERVE)
    assert filled.ok and set(filled.frame["supply_status"]) == {"reserve"}


def test_reimport_of_a_newer_ledger_updates_two_changed_fields_only(sample, existing, tmp_path):
    store_path = tmp_path / "data.gpkg"
    shutil.copyfile(SAMPLE_PATH, store_path)
    store = GpkgStore(store_path)
    first = import_corpus.bureau_ledger(tmp_path, sample)
    commit_import(store, prepare(first, "parcels", existing), "zhangsan")
    ids = prepare(first, "parcels", existing).frame["parcel_id"].tolist()
    _, version = store.read_record("parcels", ids[0])
    store.apply_edit(Edit("parcels", ids[0], {"water_supply": True, "note": "已通水"}, version, "lisi"))
    newer = ledger_gk().assign(QLR=["山西某某材料有限公司", "太原某某装备有限公司", "晋中某某物流有限公司"],
                               ZT=["已出让", "已出让", "挂牌"])  # fmt: skip
    newer_path = import_corpus._bureau_shp(tmp_path, "供地台账_2025.zip", newer)
    now = {**existing, "parcels": store.read("parcels")}
    plan = prepare(newer_path, "parcels", now)
    assert plan.ok and not plan.new_ids and plan.updated_ids == ids[:2] and plan.unchanged_ids == ids[2:]
    changes = {(r["record_id"], r["field"]): (r["old"], r["new"]) for r in plan.changes.to_dict("records")}
    assert changes == {(ids[0], "supply_status"): ("reserve", "sold"),
                       (ids[1], "land_holder"): (None, "太原某某装备有限公司")}  # fmt: skip
    commit_import(store, plan, "zhangsan")
    record, version = store.read_record("parcels", ids[0])
    assert record["supply_status"] == "sold" and version == 2  # the edit, then this import
    assert record["water_supply"] is True and record["note"] == "已通水"  # not in the file: kept
    history = store.history("parcels", ids[0])
    assert history[history["action"] == "import"]["field"].tolist() == ["supply_status", "*"]  # change, first import
    assert store.read_record("parcels", ids[1])[0]["land_holder"] == "太原某某装备有限公司"
    assert store.read_record("parcels", ids[2])[1] == 0  # unchanged: untouched


def test_convert_keeps_every_column_and_needs_no_schema(sample, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZONEMAP_DATA", str(SAMPLE_PATH))
    src = import_corpus.bureau_ledger_far(tmp_path, sample)
    assert cli.main(["validate", str(src)]) == 3
    for out in (tmp_path / "out.geojson", tmp_path / "out.gpkg"):
        assert cli.main(["convert", str(src), str(out)]) == 0
    printed = capsys.readouterr().out
    assert "导入为地块时还需处理（不影响转换）" in printed and "不在任何开发区范围内" in printed
    features = json.loads((tmp_path / "out.geojson").read_text())["features"]
    assert list(features[0]["properties"]) == ["DKMC", "QLR", "ZT", "MJ", "area_mu"]
    assert features[1]["properties"]["QLR"] is None and features[0]["properties"]["ZT"] == "储备"
    assert _areas_close([f["properties"]["area_mu"] for f in features], gk_reference_mu(ledger_gk(dx=32_000)))
    lon, lat = features[0]["geometry"]["coordinates"][0][0]
    assert 112 < lon < 114 and 37 < lat < 38  # EPSG:4490 lon/lat
    assert cli.main(["convert", str(src), str(tmp_path / "no_such_folder" / "out.geojson")]) == 1
    failed = capsys.readouterr().out
    assert "无法写出“out.geojson”" in failed and "Traceback" not in failed and str(tmp_path) not in failed
    gpkg = pyogrio.read_dataframe(tmp_path / "out.gpkg")
    assert list(gpkg.columns) == ["DKMC", "QLR", "ZT", "MJ", "area_mu", "geometry"] and gpkg.crs.to_epsg() == 4490
