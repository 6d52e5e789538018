"""Import building blocks: encoding and CRS detection, field mapping, value reading, commit, export round trips."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
import zipfile

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from geodata import cli
from geodata.dataset import load_dataset
from geodata.io.crsdetect import GCJ02, detect_crs
from geodata.io.export import ExportError
from geodata.io.fieldmap import column_unit, mapping_problems, read_bool, read_date, read_number, suggest_mapping
from geodata.io.imports import ImportOptions, commit_import, import_history, prepare
from geodata.io.sources import detect_dbf_encoding
from geodata.store import SAMPLE_PATH, GpkgStore, contract
from tests import import_corpus
from tests.files import exported

TAIYUAN = np.array([[112.55, 37.87], [112.60, 37.80], [112.70, 37.75]])


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


@pytest.fixture(scope="module")
def existing(sample):
    return {n: sample.layer(n) for n in ("admin", "zones", "parcels", "projects", "chains", "rounds")}


def _dbf_bytes(tmp_path, values, encoding):
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"MC": values}, geometry=[shapely.Point(112, 37)] * len(values), crs="EPSG:4490")
    pyogrio.write_dataframe(frame, tmp_path / "t.shp", encoding=encoding)
    return (tmp_path / "t.dbf").read_bytes()


def test_dbf_encoding_is_read_from_the_bytes(tmp_path):
    gbk = _dbf_bytes(tmp_path, ["太原市小店区地块", "晋中开发区"], "GBK")
    assert detect_dbf_encoding(gbk)[0] == "GBK"
    assert detect_dbf_encoding(gbk, "UTF-8")[0] == "GBK"  # a lying .cpg loses to the bytes
    assert "内容不符" in detect_dbf_encoding(gbk, "UTF-8")[1]
    utf8 = _dbf_bytes(tmp_path, ["太原市小店区地块"], "UTF-8")
    assert detect_dbf_encoding(utf8) == ("UTF-8", "中文按 UTF-8 解码无误；没有 .cpg 文件")
    assert detect_dbf_encoding(_dbf_bytes(tmp_path, ["A-01"], "UTF-8"))[0] == "UTF-8"


@pytest.mark.parametrize(
    ("epsg", "code", "swap"),
    [
        ("EPSG:4490", "EPSG:4490", False),
        ("EPSG:4526", "EPSG:4526", False),  # 3° zone 38 with its prefix
        ("EPSG:4525", "EPSG:4525", True),  # zone 37, surveyors' X (north) first
        ("EPSG:4547", "EPSG:4547", False),  # CM 114°, no prefix
        ("EPSG:4546", "EPSG:4546", False),
        ("EPSG:4497", "EPSG:4497", False),  # 6° zone 19 with prefix
        ("EPSG:3857", "EPSG:3857", False),
    ],
)
def test_crs_is_recognised_from_the_numbers(epsg, code, swap):
    xy = np.column_stack(Transformer.from_crs("EPSG:4490", epsg, always_xy=True).transform(*TAIYUAN.T))
    guess = detect_crs(xy[:, ::-1] if swap else xy)
    assert (guess.code, guess.swapped) == (code, swap), guess
    assert guess.share == 1.0


def test_crs_declared_wins_and_nonsense_is_refused():
    xy = np.column_stack(Transformer.from_crs("EPSG:4490", "EPSG:2383", always_xy=True).transform(*TAIYUAN.T))
    assert detect_crs(xy, "EPSG:2383").code == "EPSG:2383"  # Xi'an 80 only from the .prj
    assert detect_crs(xy).code == "EPSG:4547" and "EPSG:2383" in detect_crs(xy).alternatives
    assert detect_crs(TAIYUAN).alternatives == ("EPSG:4326", GCJ02)
    assert detect_crs(TAIYUAN, "EPSG:4547").code == "EPSG:4490"  # a wrong declaration is overruled, and said
    assert "不符" in detect_crs(TAIYUAN, "EPSG:4547").reason
    guess = detect_crs(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert guess.code is None and "无法识别坐标系" in guess.reason


def test_mapping_knows_pinyin_chinese_and_english():
    cols = ["DKBH", "地块名称", "QLR", "面积（公顷）", "yt", "Supply_Status", "备注", "FID"]
    mapping = suggest_mapping(cols, "parcels")
    assert mapping == {"DKBH": "parcel_id", "地块名称": "name", "QLR": "land_holder", "面积（公顷）": "area_mu",
                       "yt": "land_use", "Supply_Status": "supply_status", "备注": "note", "FID": None}  # fmt: skip
    assert suggest_mapping(["XMMC", "ZTZ", "JD"], "projects") == {"XMMC": "name", "ZTZ": "investment_yi", "JD": "stage"}
    assert column_unit("面积（公顷）") == "公顷" and column_unit("总投资(万元)") == "万元" and column_unit("MJ") is None
    assert mapping_problems({"A": "name", "B": "name"}, "parcels") == ["“名称”同时对应了多列：A、B"]


def test_values_are_read_as_people_write_them():
    assert read_number("1,234.5 亩") == 1234.5 and read_number(" 85，000 ".replace("，", ",")) == 85000
    with pytest.raises(ValueError):
        read_number("约三百")
    assert [read_bool(v) for v in ("是", "否", "√", "×", 1, "0", "已通", "Y")] == [1, 0, 1, 0, 1, 0, 1, 1]
    with pytest.raises(ValueError):
        read_bool("也许")
    dates = ("2024-03-18", "2024/3/18", "2024.3.18", "2024年3月18日", "20240318", 45369)
    assert {read_date(v) for v in dates} == {"2024-03-18"}


def test_commit_writes_all_with_an_import_record_and_bumps_versions(sample, existing, tmp_path):
    store = tmp_path / "data.gpkg"
    shutil.copyfile(SAMPLE_PATH, store)
    path = import_corpus.shp_gbk_gk_prefix(tmp_path, sample)
    plan = prepare(path, "parcels", existing)
    assert plan.ok and plan.new_ids == [f"JZ-{i:03d}" for i in range(6)]
    import_id = commit_import(GpkgStore(store), plan, "zhangsan")
    parcels = GpkgStore(store).read("parcels")
    new = parcels[parcels["parcel_id"].str.startswith("JZ-")].set_index("parcel_id")
    assert len(parcels) == len(sample.parcels) + 6 and new.loc["JZ-000", "name"] == "晋中园区1号地块"
    assert new.loc["JZ-001", "supply_status"] == "sold" and new.loc["JZ-000", "zone_id"] == "SXZG-JZ"
    assert new.loc["JZ-000", "area_mu"] == 2300.0 and new.loc["JZ-000", "outline_source"] == "surveyed"
    history = import_history(GpkgStore(store))
    assert history.iloc[0]["导入编号"] == import_id and history.iloc[0]["新增"] == 6
    assert history.iloc[0]["坐标系"].startswith("CGCS2000 3度带 第38带") and history.iloc[0]["编码"] == "GBK"
    # The same file again matches the six and changes nothing: versions and audit stay as they are.
    again = prepare(path, "parcels", {**existing, "parcels": parcels})
    assert again.unchanged_ids == plan.new_ids and not again.new_ids and not again.updated_ids
    assert again.changes.empty
    commit_import(GpkgStore(store), again, "lisi")
    assert GpkgStore(store).read_record("parcels", "JZ-000")[1] == 0
    assert len(GpkgStore(store).read("parcels")) == len(parcels)
    assert list(GpkgStore(store).history("parcels", "JZ-000")["field"]) == ["*"]  # only its first import
    # A changed value is written field by field: one audit row, version 1, an editor's stale form conflicts.
    again.frame.loc[again.frame["parcel_id"] == "JZ-000", "land_holder"] = "山西新权利人有限公司"
    commit_import(GpkgStore(store), again, "lisi", at=dt.datetime(2026, 1, 1, 9, 0, 1, tzinfo=dt.UTC))
    record, version = GpkgStore(store).read_record("parcels", "JZ-000")
    assert record["land_holder"] == "山西新权利人有限公司" and version == 1
    rows = GpkgStore(store).history("parcels", "JZ-000")
    assert list(rows["field"]) == ["land_holder", "*"] and rows["new"][0] == "山西新权利人有限公司"
    assert GpkgStore(store).read_record("parcels", "JZ-001")[1] == 0


def test_a_failing_commit_changes_nothing(sample, existing, tmp_path, monkeypatch):
    store = tmp_path / "data.gpkg"
    shutil.copyfile(SAMPLE_PATH, store)
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    plan = prepare(import_corpus.kml_ovital(tmp_path, sample), "parcels", existing)

    def crash():
        raise OSError("磁盘已满")

    monkeypatch.setattr(contract, "before_commit", crash)
    with pytest.raises(OSError):
        commit_import(GpkgStore(store), plan, "zhangsan")
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("encoding", ["GBK", "UTF-8"])
def test_shapefile_export_round_trips(sample, existing, tmp_path, encoding):
    body = exported(sample.parcels, "parcels", "shp", encoding=encoding, crs="EPSG:4547")
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        names = set(zf.namelist())
        assert {"parcels.shp", "parcels.shx", "parcels.dbf", "parcels.prj", "parcels.cpg", "字段说明.csv"} <= names
        assert zf.read("parcels.cpg").decode().upper().replace("-", "") in ({"GBK": "GBK", "UTF-8": "UTF8"}[encoding],)
    (tmp_path / "p.zip").write_bytes(body)
    plan = prepare(tmp_path / "p.zip", "parcels", existing)
    assert plan.ok, plan.report()
    assert sorted(plan.unchanged_ids) == sorted(sample.parcels["parcel_id"]) and plan.source.encoding == encoding
    assert not plan.updated_ids and plan.changes.empty  # our own export changes nothing when read back
    back = plan.frame.set_index("parcel_id").loc[sample.parcels["parcel_id"]]
    for col in ("name", "supply_status", "land_use", "zone_id", "water_supply", "agreed_start_date"):
        assert back[col].tolist() == sample.parcels[col].tolist(), col
    assert np.allclose(back["area_mu"], sample.parcels["area_mu"], rtol=1e-4)


def test_gbk_export_refuses_what_gbk_cannot_hold(sample, tmp_path):
    parcels = sample.parcels.head(2).copy()
    parcels.loc[parcels.index[1], "note"] = "开工大吉🎉"
    with pytest.raises(ExportError, match="🎉"):
        exported(parcels, "parcels", "shp", encoding="GBK")
    with zipfile.ZipFile(io.BytesIO(exported(parcels, "parcels", "shp", encoding="UTF-8"))) as zf:
        zf.extractall(tmp_path)
    assert (tmp_path / "parcels.cpg").read_text().upper().replace("-", "") == "UTF8"
    back = pyogrio.read_dataframe(tmp_path / "parcels.shp")
    with open(tmp_path / "字段说明.csv", encoding="utf-8-sig", newline="") as f:
        field = {row["zonemap 字段"]: row["字段"] for row in csv.DictReader(f)}
    assert back[field["parcel_id"]].tolist() == parcels["parcel_id"].tolist()
    assert back[field["note"]].tolist()[1] == "开工大吉🎉"  # UTF-8 holds what GBK refused


def test_cli_export_convert_and_usage_errors(tmp_path, sample, capsys, monkeypatch):
    monkeypatch.setenv("ZONEMAP_DATA", str(SAMPLE_PATH))
    for fmt in ("xlsx", "gpkg", "geojson", "shp"):
        assert cli.main(["export", "--layer", "projects", "--format", fmt, str(tmp_path / f"p.{fmt}")]) == 0
    assert pyogrio.read_info(tmp_path / "p.gpkg")["features"] == len(sample.projects)
    assert cli.main(["export", "--format", "gpkg", "--crs", "EPSG:4547", str(tmp_path / "gk.gpkg")]) == 0
    assert pyogrio.read_info(tmp_path / "gk.gpkg")["crs"] == "EPSG:4547"
    with pytest.raises(SystemExit) as exit_:
        cli.main(["export", "--format", "pdf", "x"])
    assert exit_.value.code == 2
    assert cli.main(["export", "--format", "geojson", "--crs", "EPSG:4547", str(tmp_path / "x.geojson")]) == 2
    assert cli.main(["validate", str(tmp_path / "missing.zip")]) == 2
    assert cli.main(["validate", str(tmp_path / "p.gpkg"), "--crs", "EPSG:9999"]) == 2
    src = import_corpus.kml_ovital(tmp_path, sample)
    assert cli.main(["convert", str(src), str(tmp_path / "out.geojson")]) == 0
    fc = json.loads((tmp_path / "out.geojson").read_text())
    assert len(fc["features"]) == 3 and fc["features"][0]["properties"]["area_mu"] > 0
    capsys.readouterr()
    assert cli.main(["validate", str(src), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["crs"] == "EPSG:4326"


def test_repair_is_offered_and_applied(sample, existing, tmp_path):
    path = import_corpus.self_intersecting(tmp_path, sample)
    assert not prepare(path, "parcels", existing).ok
    fixed = prepare(path, "parcels", existing, ImportOptions(repair=True))
    assert fixed.ok and all(g.is_valid for g in fixed.frame.geometry)


def test_imports_read_well_in_the_parcel_history(sample, existing, tmp_path):
    from ui.parcel_editor import history_frame

    store = tmp_path / "data.gpkg"
    shutil.copyfile(SAMPLE_PATH, store)
    path = import_corpus.kml_ovital(tmp_path, sample)
    new = ImportOptions(decisions=dict.fromkeys(range(1, 4), "new"))  # its shapes are the sample's: 疑似重复
    commit_import(GpkgStore(store), prepare(path, "parcels", existing, new), "张三")
    parcels = GpkgStore(store).read("parcels")
    again = prepare(path, "parcels", {**existing, "parcels": parcels})
    again.frame.loc[again.frame.index[0], "name"] = "改名后的地块"
    commit_import(GpkgStore(store), again, "李四")
    table = history_frame(GpkgStore(store).history("parcels"))
    assert set(table["操作"]) == {"导入"} and "名称" in set(table["字段"]) and "改名后的地块" in set(table["新值"])
    assert "奥维地块.kml：新增 0 条，更新 0 条，不变 3 条" in set(table["新值"])
