"""数据管理 under AppTest: upload, detection, report, commit by an editor, refusal, exports, import records."""

from __future__ import annotations

import hashlib

import pytest

from geodata.dataset import load_dataset
from geodata.io.imports import import_history
from geodata.store import SAMPLE_PATH, GpkgStore
from tests import import_corpus
from tests.apptest import add_account, button, login, open_page

PASSWORD = "import-password-1"


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


def texts(at) -> str:
    kinds = ("markdown", "caption", "error", "success", "warning", "info")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


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
    assert not at.exception and "已导入 国土_地块_GK38.zip：新增 6 条" in texts(at)
    parcels = GpkgStore(sample_copy).read("parcels")
    assert parcels["parcel_id"].str.startswith("JZ-").sum() == 6
    assert "国土_地块_GK38.zip" in at.dataframe[-1].value.to_string()  # 导入记录
    assert list(at.dataframe[-1].value["导入人"]) == ["张三（自然资源局）"]  # shown by display name
    assert list(import_history(GpkgStore(sample_copy))["导入人"]) == ["zhangsan"]  # stored as the account id


def test_a_broken_file_is_refused_and_nothing_is_written(sample, sample_copy, tmp_path, monkeypatch):
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三", PASSWORD)
    before = hashlib.sha256(sample_copy.read_bytes()).hexdigest()
    at = open_page("pages/data.py")
    login(at, "zhangsan", PASSWORD)
    upload(at, import_corpus.self_intersecting(tmp_path, sample))
    assert "有 1 个错误" in texts(at) and button(at, "导入 3 条").disabled
    assert "几何无效" in at.dataframe[1].value.to_string()  # [0] is the field mapping
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
    history = visitor.dataframe[-1].value
    assert "三个一批项目.xlsx" in history.to_string() and "导入人" not in history.columns
    assert "导入人" in at.dataframe[-1].value.columns  # the editor sees who imported


def test_export_tab_offers_every_layer_and_format(sample_copy):
    at = open_page("pages/data.py")
    at.selectbox(key="exp_layer").set_value("parcels").run()
    for fmt in ("xlsx", "shp", "gpkg", "geojson"):
        at.selectbox(key="exp_format").set_value(fmt).run()
        assert not at.exception
        assert [b for b in at.get("download_button") if "地块" in b.label]
