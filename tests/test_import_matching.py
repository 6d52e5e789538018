"""Imports that merge (issue #25): a land office's file of parcels zonemap already holds adds nothing twice.

The file is 介休's 标准地 as its land office keeps them (GBK, Gauss-Krüger zone
37 with prefix, no .prj, no 地块编号; ``tests/import_corpus.jiexiu_standard_land``),
against the sample, whose 介休 parcels are schematic outlines with the reported 亩.
"""

from __future__ import annotations

import datetime as dt
import shutil

import geopandas as gpd
import pytest
import shapely

from geodata import cli
from geodata.dataset import load_dataset
from geodata.io.imports import ImportOptions, commit_import, import_history, prepare
from geodata.io.matching import MERGE, NEW, SKIP, SUSPECT, UPDATE, match_records, overlap_share
from geodata.store import SAMPLE_PATH, GpkgStore
from tests import import_corpus
from tests.import_corpus import JIEXIU_STANDARD, jiexiu_codes

LAYERS = ("admin", "zones", "parcels", "projects", "chains", "rounds")
MERGE_ALL = {row: MERGE for row in range(1, 6)}


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "data.gpkg"
    shutil.copyfile(SAMPLE_PATH, path)
    return GpkgStore(path)


def _existing(store) -> dict:
    data = load_dataset(store)
    return {n: data.layer(n) for n in LAYERS}


def _at(second: int) -> dt.datetime:
    return dt.datetime(2026, 3, 1, 9, 0, second, tzinfo=dt.UTC)


def test_the_land_offices_file_matches_schematic_parcels_as_suspected_duplicates(store, sample, tmp_path, capsys):
    path = import_corpus.jiexiu_standard_land(tmp_path, sample)
    plan = prepare(path, "parcels", _existing(store))
    assert plan.ok and plan.crs.code == "EPSG:4525" and plan.source.encoding == "GBK"
    assert not plan.new_ids and not plan.updated_ids
    assert [(m.row, m.stored_id, m.how, m.decision) for m in plan.suspects] == [
        (i + 1, pid, "schematic", SKIP) for i, pid in enumerate(JIEXIU_STANDARD)
    ]
    assert plan.counts_line() == "新增 0 更新 0 疑似重复 5"
    assert any("疑似重复" in f.message and "不会重复添加" in f.message for f in plan.findings)
    before = len(store.read("parcels"))
    commit_import(store, plan, "zhangsan", at=_at(1))  # the default (跳过) writes no parcel
    assert len(store.read("parcels")) == before
    assert list(import_history(store)["跳过（疑似重复）"]) == [5]
    assert store.import_records()[0]["decisions"][0] == {
        "row": 1, "incoming_id": plan.frame["parcel_id"][0], "stored_id": "JX-2020-1", "how": "schematic",
        "decision": SKIP,
    }  # fmt: skip
    # The command line says the same on one line.
    assert cli.main(["validate", str(path), "--layer", "parcels", "--data", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert "新增 0 更新 0 疑似重复 5\n" in out and "[疑似重复] 第 1 条 → 已有地块 JX-2020-1" in out
    args = ["validate", str(path), "--layer", "parcels", "--data", str(store.path), "--decide", "合并"]
    assert cli.main([*args, "--decide", "5=新增"]) == 0
    assert "新增 1 更新 4 疑似重复 5\n" in capsys.readouterr().out
    assert cli.main([*args, "--decide", "x=合并"]) == 2 and "行号=合并|新增|跳过" in capsys.readouterr().err


def test_merging_replaces_schematic_shapes_in_one_step_and_a_reimport_adds_nothing(store, sample, tmp_path):
    path = import_corpus.jiexiu_standard_land(tmp_path, sample)
    plan = prepare(path, "parcels", _existing(store), ImportOptions(decisions={**MERGE_ALL, 5: NEW}))
    assert plan.updated_ids == list(JIEXIU_STANDARD[:4]) and len(plan.new_ids) == 1
    assert plan.counts_line() == "新增 1 更新 4 疑似重复 5"
    plan = prepare(path, "parcels", _existing(store), ImportOptions(decisions=MERGE_ALL))
    assert plan.updated_ids == list(JIEXIU_STANDARD) and not plan.new_ids
    before = len(store.read("parcels"))
    commit_import(store, plan, "zhangsan", at=_at(2))
    parcels = store.read("parcels").set_index("parcel_id")
    assert len(parcels) == before
    jx = parcels.loc["JX-2020-1"]
    assert (jx["outline_source"], jx["registered_area_mu"], jx["parcel_code"]) == ("surveyed", 127.38, jiexiu_codes(0))
    assert jx["area_mu"] == pytest.approx(127.13, abs=0.01)  # the surveyed shape's own 亩, beside the registered
    assert [d["decision"] for d in store.import_records()[0]["decisions"]] == [MERGE] * 5
    history = import_history(store)
    assert list(history["跳过（疑似重复）"]) == [0] and list(history["更新"]) == [5]
    # The same file again (still no 地块编号): matched by 宗地代码, nothing new, nothing changed.
    again = prepare(path, "parcels", _existing(store))
    assert {m.how for m in again.matches} == {"parcel_code"} and not again.suspects
    assert again.counts_line() == "新增 0 更新 0 疑似重复 0" and again.unchanged_ids == list(JIEXIU_STANDARD)
    # The hold-out style with our ids: 0 new; the shapes the file changes are listed as updates.
    with_ids = import_corpus.jiexiu_standard_land(tmp_path, sample, "带编号.zip", ids=True, codes=False, shrink=0.99)
    third = prepare(with_ids, "parcels", _existing(store))
    assert not third.new_ids and third.updated_ids == list(JIEXIU_STANDARD)
    assert set(third.changes["field"]) >= {"geometry", "area_mu"}


def _merged(store, sample, tmp_path):
    path = import_corpus.jiexiu_standard_land(tmp_path, sample, "first.zip")
    commit_import(store, prepare(path, "parcels", _existing(store), ImportOptions(decisions=MERGE_ALL)), "zs", _at(3))


@pytest.mark.parametrize(("codes", "metres", "how"), [(True, 30.0, "parcel_code"), (False, 5.0, "shape")])
def test_one_changed_shape_and_one_new_parcel_make_one_update_and_one_new(store, sample, tmp_path, codes, metres, how):
    _merged(store, sample, tmp_path)
    path = import_corpus.jiexiu_standard_land(
        tmp_path, sample, "second.zip", codes=codes, moved={"JX-2021-1": metres}, extra=True
    )
    plan = prepare(path, "parcels", _existing(store))
    assert plan.ok and plan.counts_line() == "新增 1 更新 1 疑似重复 0"
    assert plan.updated_ids == ["JX-2021-1"] and len(plan.unchanged_ids) == 4
    assert {m.how for m in plan.matches} == {how}
    assert list(plan.changes.query("record_id == 'JX-2021-1'")["field"]) == ["geometry"]  # moved, same 亩
    before = len(store.read("parcels"))
    commit_import(store, plan, "lisi", at=_at(4))
    assert len(store.read("parcels")) == before + 1


def test_registered_and_computed_area_are_both_kept_and_differences_listed(store, sample, tmp_path, capsys):
    # Shapes scaled by 0.99: 0.99² = 0.9801 of the area, so the registered 亩 is 1/0.9801 − 1 = 2.0 % more.
    path = import_corpus.jiexiu_standard_land(tmp_path, sample, shrink=0.99)
    plan = prepare(path, "parcels", _existing(store), ImportOptions(decisions=MERGE_ALL))
    rows = plan.area_differences.to_dict("records")
    assert [(r["行"], r["地块编号"], r["相差"]) for r in rows] == [
        (i + 1, pid, "2.0%") for i, pid in enumerate(JIEXIU_STANDARD)
    ]
    assert (rows[0]["登记面积（亩）"], rows[0]["图形面积（亩）"]) == (127.38, pytest.approx(127.38 * 0.9801, abs=0.02))
    assert plan.summary()["area_differences"] == 5
    commit_import(store, plan, "zhangsan", at=_at(5))
    record, _ = store.read_record("parcels", "JX-2020-1")
    assert record["registered_area_mu"] == 127.38 and record["area_mu"] == pytest.approx(124.84, abs=0.02)
    assert cli.main(["validate", str(path), "--layer", "parcels", "--data", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert "[面积核对] 第 1 条 JX-2020-1：登记 127.38 亩，按图形 124.8" in out and "相差 2.0%" in out


def _square(x0: float, size: float = 0.001):
    return shapely.MultiPolygon([shapely.box(112.0 + x0, 37.0, 112.0 + x0 + size, 37.0 + size)])


def test_overlap_share_is_the_smaller_of_both_shares():
    assert overlap_share(_square(0), _square(0.00005)) == pytest.approx(0.95)  # offset by 5 % of its width
    big = shapely.MultiPolygon([shapely.box(112.0, 37.0, 112.002, 37.002)])
    assert overlap_share(_square(0), big) == pytest.approx(0.25)  # all of the small one, a quarter of the big one
    assert overlap_share(_square(0), None) == 0.0


@pytest.mark.parametrize(
    ("offset", "outline", "kind"),
    [(0.00005, "surveyed", UPDATE), (0.0002, "surveyed", None), (0.0002, "schematic", SUSPECT)],
)
def test_shape_matches_need_ninety_percent_of_both_areas(offset, outline, kind):
    stored = gpd.GeoDataFrame(
        {"parcel_id": ["S1"], "zone_id": ["Z"], "name": ["甲"], "area_mu": [100.0], "outline_source": [outline]},
        geometry=[_square(0)], crs="EPSG:4490",
    )  # fmt: skip
    frame = gpd.GeoDataFrame(
        {"parcel_id": ["Z-abc"], "zone_id": ["Z"], "name": ["乙"], "area_mu": [100.4]},
        geometry=[_square(offset)], crs="EPSG:4490",
    )  # fmt: skip
    matches = match_records(frame, stored, "parcels")
    assert [m.kind for m in matches] == ([kind] if kind else [])
    if kind == SUSPECT:  # schematic: by zone and 亩 within 0.5 % (100.4 vs 100), never by shape
        assert matches[0].how == "schematic"
        frame["area_mu"] = 100.6
        assert match_records(frame, stored, "parcels") == []
    frame["name"] = "甲"  # the same name in the same zone: always at least a suspected duplicate
    assert [m.kind for m in match_records(frame, stored, "parcels")] == [kind or SUSPECT]
    frame["zone_id"] = "Y"
    assert match_records(frame, stored, "parcels") == []  # never across zones


def test_the_area_note_is_said_over_one_percent_only():
    from domain.units import area_difference_note

    assert area_difference_note(127.38, 124.85) == "登记 127.38 亩，按图形 124.85 亩，相差 2.0%"  # 2.53 / 124.85
    assert area_difference_note(127.38, 127.13) is None  # 0.2 %
    assert area_difference_note(None, 127.13) is None and area_difference_note(float("nan"), 1.0) is None


def test_the_parcel_details_show_registered_against_computed(sample_copy):
    from geodata.edits import Edit
    from tests.apptest import open_page

    GpkgStore(sample_copy).apply_edit(Edit("parcels", "JX-2020-1", {"registered_area_mu": 130.0}, 0, "张三", "登记"))
    at = open_page()
    at.sidebar.text_input[0].input("127.38亩").run()
    result = next(s for s in at.sidebar.selectbox if s.label == "搜索结果")
    result.select("parcels:JX-2020-1").run()
    assert not at.exception
    shown = "\n".join(t.value.to_string() for t in at.table).replace("\\", "")  # st.table cells are md-escaped
    assert "面积核对" in shown and "登记 130.00 亩，按图形 127.38 亩，相差 2.1%" in shown
