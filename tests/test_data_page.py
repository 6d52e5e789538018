"""数据管理 under AppTest: upload, detection, report, commit by an editor, refusal, exports, import records."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import openpyxl
import pyogrio
import pytest

from geodata.dataset import load_dataset
from geodata.io.export import EXPORT_FORMATS, EXTENSIONS
from geodata.io.imports import import_history
from geodata.store import SAMPLE_PATH, GpkgStore
from tests import import_corpus
from tests.apptest import add_account, button, finish_exports, login, open_page
from tests.sql import rows, value

PASSWORD = "import-password-1"


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


def texts(at) -> str:
    kinds = ("markdown", "caption", "error", "success", "warning", "info")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def table(at, column: str):
    """The first dataframe on the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def upload(at, path, layer="parcels"):
    at.radio(key="imp_layer").set_value(layer).run()
    at.file_uploader(key="imp_file").set_value((path.name, path.read_bytes(), "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


def test_an_editor_checks_previews_and_imports_a_bureau_shapefile(sample, sample_copy, tmp_path, monkeypatch):
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三（自然资源局）", PASSWORD)
    at = open_page("pages/data.py")
    login(at, "zhangsan", PASSWORD)
    upload(at, import_corpus.shp_gbk_gk_prefix(tmp_path, sample))
    shown = texts(at)
    assert "第38带" in shown and "检查通过：可以导入 6 条地块" in shown
    assert [m.value for m in at.metric if m.label == "文字编码"] == ["GBK"]
    button(at, "导入 6 条").click().run()
    assert not at.exception and "已导入 国土\\_地块\\_GK38\\.zip：新增 6 条" in texts(at)  # the file name escaped
    parcels = GpkgStore(sample_copy).read("parcels")
    assert parcels["parcel_id"].str.startswith("JZ-").sum() == 6
    log = import_log(at)
    assert "国土_地块_GK38.zip" in log.to_string()  # 导入记录
    assert list(log["导入人"]) == ["张三（自然资源局）"]  # shown by display name
    assert list(import_history(GpkgStore(sample_copy))["导入人"]) == ["zhangsan"]  # stored as the account id


def test_a_broken_file_is_refused_and_nothing_is_written(sample, sample_copy, tmp_path, monkeypatch):
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三", PASSWORD)
    at = open_page("pages/data.py")
    login(at, "zhangsan", PASSWORD)  # writes the session's row: the file is compared from here on
    before = hashlib.sha256(sample_copy.read_bytes()).hexdigest()
    upload(at, import_corpus.self_intersecting(tmp_path, sample))
    assert "文件无法读取：1 个错误" in texts(at) and button(at, "导入 3 条").disabled
    assert "几何无效" in table(at, "级别").to_string() and "无法读取" in set(table(at, "级别")["级别"])
    at.checkbox(key="imp_repair").check().run()
    assert "检查通过" in texts(at) and not button(at, "导入 3 条").disabled
    upload(at, import_corpus.zip_slip(tmp_path, sample))
    assert "解压目录之外" in texts(at)
    assert hashlib.sha256(sample_copy.read_bytes()).hexdigest() == before


def test_visitors_cannot_upload_or_see_who_imported(sample, sample_copy, tmp_path, monkeypatch):
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三", PASSWORD)
    at = open_page("pages/data.py")
    login(at, "zhangsan", PASSWORD)
    upload(at, import_corpus.excel_projects(tmp_path, sample), layer="projects")
    at.selectbox(key="imp_crs").set_value("GCJ02").run()  # the user overrides the detection
    assert "高德、腾讯地图" in texts(at) and "用户指定" in texts(at)
    button(at, "导入 5 条").click().run()
    visitor = open_page("pages/data.py")
    assert not visitor.get("file_uploader") and "需要编辑权限" in texts(visitor)
    history = table(visitor, "导入编号")
    assert "三个一批项目.xlsx" in history.to_string() and "导入人" not in history.columns
    assert "导入人" in import_log(at).columns  # the editor sees who imported


def test_an_editor_picks_a_zone_and_maps_a_land_use_code(sample, sample_copy, tmp_path, monkeypatch):
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三", PASSWORD)
    at = open_page("pages/data.py")
    login(at, "zhangsan", PASSWORD)
    path = import_corpus.bureau_far_codes(tmp_path, sample)
    upload(at, path)
    assert "文件可以读取，但还不能导入：3 处需处理" in texts(at) and button(at, "导入 3 条").disabled
    report = table(at, "级别")
    assert "不在任何开发区范围内" in report.to_string() and "需处理" in set(report["级别"])
    at.selectbox(key="imp_zone").set_value("SXZG-JZ").run()
    assert "检查通过：可以导入 3 条地块" in texts(at) and not button(at, "导入 3 条").disabled
    code = at.selectbox(key=f"imp_use::{path.name}::0702")
    assert code.value == "unfilled" and "城镇社区服务设施用地" in code.label
    code.set_value("commercial_land").run()
    assert not at.exception and at.selectbox(key=f"imp_use::{path.name}::0702").value == "commercial_land"
    preview = table(at, "编号来源")
    assert set(preview["编号来源"]) == {"生成"} and preview["用地性质"].tolist() == ["工业用地", "商服用地", "工业用地"]
    assert preview["地块编号"].str.startswith("SXZG-JZ-").all()
    button(at, "导入 3 条").click().run()
    assert "新增 3 条，更新 0 条，不变 0 条" in texts(at)
    parcels = GpkgStore(sample_copy).read("parcels").set_index("parcel_id").loc[preview["地块编号"]]
    assert parcels["land_use"].tolist() == ["industrial_land", "commercial_land", "industrial_land"]
    assert set(parcels["zone_id"]) == {"SXZG-JZ"} and parcels["name"].tolist()[0] == "经开区1号地块"


def test_a_newer_ledger_shows_its_changes_before_the_commit(sample, sample_copy, tmp_path, monkeypatch):
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三", PASSWORD)
    at = open_page("pages/data.py")
    login(at, "zhangsan", PASSWORD)
    upload(at, import_corpus.bureau_ledger(tmp_path, sample))
    button(at, "导入 3 条").click().run()
    holders = ["山西某某材料有限公司", "<b>太原</b>某某装备有限公司", "晋中某某物流有限公司"]  # markup stays text
    newer = import_corpus.ledger_gk().assign(QLR=holders, ZT=["已出让", "已出让", "挂牌"])
    upload(at, import_corpus._bureau_shp(tmp_path, "供地台账_2025.zip", newer))
    diff = table(at, "原值")
    assert diff[["字段", "原值", "新值"]].values.tolist() == [["供应状态", "储备", "已出让"],
                                                          ["受让人", "—", "<b>太原</b>某某装备有限公司"]]  # fmt: skip
    assert [m.value for m in at.metric if m.label in ("新增", "更新已有", "不变")] == ["0", "2", "1"]
    button(at, "导入 3 条").click().run()
    assert "新增 0 条，更新 2 条，不变 1 条" in texts(at)
    store = GpkgStore(sample_copy)
    rows = store.history("parcels").query("action == 'import' and field != 'import'")  # not the import records
    assert sorted(rows.loc[rows["field"] != "*", "field"]) == ["land_holder", "supply_status"]  # one row per field


def exported_parcels(fmt: str, content: bytes, folder) -> tuple[list[str], float]:
    """The parcel ids (sorted) and Σ 亩 of an exported file, read with openpyxl, zipfile + pyogrio, sqlite3, json."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        ids = [row[0] for name in book.sheetnames[1:] for row in book[name].iter_rows(min_row=2, values_only=True)]
        *_, total = book["汇总"].iter_rows(values_only=True)  # 合计: Σ 亩 in 面积（亩）
        assert total[:3] == ("合计", None, len([i for i in ids if not i.startswith("合计")]))
        return sorted(i for i in ids if not i.startswith("合计")), total[4]
    if fmt == "shp":
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            assert {"parcels.shp", "parcels.dbf", "parcels.shx", "parcels.prj", "parcels.cpg"} <= set(z.namelist())
            z.extractall(folder)
        frame = pyogrio.read_dataframe(folder / "parcels.shp")
        assert frame.crs.to_epsg() == 4490 and frame.geometry.notna().all()
        with open(folder / "字段说明.csv", encoding="utf-8-sig", newline="") as f:
            field = {row["zonemap 字段"]: row["字段"] for row in csv.DictReader(f)}  # short pinyin names (DKBH …)
        return sorted(frame[field["parcel_id"]]), round(float(frame[field["area_mu"]].sum()), 2)
    if fmt == "gpkg":
        (folder / "parcels.gpkg").write_bytes(content)
        ids = [i for (i,) in rows(folder / "parcels.gpkg", "SELECT parcel_id FROM parcels ORDER BY parcel_id")]
        return ids, value(folder / "parcels.gpkg", "SELECT round(sum(area_mu), 2) FROM parcels")
    features = json.loads(content)["features"]
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    return sorted(f["properties"]["parcel_id"] for f in features), round(
        sum(f["properties"]["area_mu"] for f in features), 2
    )


def test_export_tab_offers_every_layer_and_format(sample_copy, downloads, tmp_path):
    """Every format holds the sample's parcels, counted in SQL: today 195 parcels, 36 996.4 亩."""
    ids = [i for (i,) in rows(sample_copy, "SELECT parcel_id FROM parcels ORDER BY parcel_id")]
    mu = value(sample_copy, "SELECT round(sum(area_mu), 2) FROM parcels")
    assert (len(ids), mu) == (195, 36996.4)
    at = open_page("pages/data.py")
    at.selectbox(key="exp_layer").set_value("parcels").run()
    for fmt in ("xlsx", "shp", "gpkg", "geojson"):
        at.selectbox(key="exp_format").set_value(fmt).run()
        assert not at.exception and not at.get("download_button")  # made only on request
        finish_exports(button(at, f"生成地块 {EXPORT_FORMATS[fmt]}").click().run())
        assert not at.exception and not at.error
        (download,) = at.get("download_button")
        assert download.label == "下载 地块（195 条）"
        file = downloads.of(download)
        assert file.filename.startswith("地块_") and file.filename.endswith("." + EXTENSIONS[fmt])
        (tmp_path / fmt).mkdir()
        assert exported_parcels(fmt, file.content, tmp_path / fmt) == (ids, mu), fmt


def test_swapped_points_and_unforeseen_failures_are_chinese_sentences_on_the_page(sample, sample_copy, tmp_path,
                                                                                  monkeypatch):  # fmt: skip
    import shapely

    from geodata.io import imports

    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三", PASSWORD)
    at = open_page("pages/data.py")
    login(at, "zhangsan", PASSWORD)
    upload(at, import_corpus.jzd_some_swapped(tmp_path, sample))
    assert "坐标换算为经纬度后无效" in table(at, "级别").to_string() and "文件无法读取" in texts(at)

    def broken(*args, **kwargs):
        raise shapely.errors.GEOSException("UnsupportedOperationException: getX called on empty Point")

    monkeypatch.setattr(imports, "_derive", broken)
    upload(at, import_corpus.kml_ovital(tmp_path, sample))
    shown = texts(at)
    assert "不能导入：无法检查文件" in shown and "错误编号" in shown and "GEOS" not in shown


def import_log(at):
    """The 导入记录 table (the tab's dataframe with 导入编号)."""
    [frame] = [d.value for d in at.dataframe if "导入编号" in d.value.columns]
    return frame


def test_suspected_duplicates_are_decided_row_by_row_and_skipped_by_default(sample, sample_copy, tmp_path, monkeypatch):
    """介休's own file of the 标准地 already shown (schematic): 5 疑似重复; 合并 one, the rest are skipped."""
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三", PASSWORD)
    at = open_page("pages/data.py")
    login(at, "zhangsan", PASSWORD)
    upload(at, import_corpus.jiexiu_standard_land(tmp_path, sample, shrink=0.99))
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["新增"], metrics["更新已有"], metrics["疑似重复"]) == ("0", "0", "5")
    assert "5 条疑似重复" in texts(at)
    assert list(table(at, "登记面积（亩）")["相差"]) == ["2.0%"] * 5  # 面积核对
    assert button(at, "导入 0 条") is not None  # nothing is added twice by default
    at.selectbox(key="imp_decide::介休标准地.zip::1").set_value("merge").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["新增"], metrics["更新已有"]) == ("0", "1")
    button(at, "导入 1 条").click().run()
    assert not at.exception and "跳过疑似重复 4 条" in texts(at)
    parcels = GpkgStore(sample_copy).read("parcels").set_index("parcel_id")
    assert len(parcels) == len(sample.parcels)
    assert (parcels.at["JX-2020-1", "outline_source"], parcels.at["JX-2020-1", "registered_area_mu"]) == (
        "surveyed", 127.38,
    )  # fmt: skip
    assert parcels.at["JX-2020-2", "outline_source"] == "schematic"


def test_hostile_codes_in_a_land_office_file_stay_text(sample, sample_copy, tmp_path, monkeypatch):
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三", PASSWORD)
    at = open_page("pages/data.py")
    login(at, "zhangsan", PASSWORD)
    upload(at, import_corpus.jiexiu_standard_land(tmp_path, sample, "恶意代码.zip", hostile=True))
    assert "5 条疑似重复" in texts(at) and "网页标签或脚本" in table(at, "说明").to_string()
    assert "<img" not in texts(at) and "<b>" not in texts(at)  # markup only ever inside table cells
    at.selectbox(key="imp_decide::恶意代码.zip::1").set_value("merge").run()
    button(at, "导入 1 条").click().run()
    assert not at.exception
    stored = GpkgStore(sample_copy).read_record("parcels", "JX-2020-1")[0]
    assert stored["supervision_no"] == "<b>1407812020B00123</b>"  # kept as written, escaped wherever shown
