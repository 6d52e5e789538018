"""One error path: every write a page makes, into read-only data and a full disk, on both backends (AppTest).

Each write (a parcel edit, a restore from the history, a tour saved or
deleted, an import committed) must end in the store's own Chinese sentence
(:data:`geodata.store.contract.READ_ONLY` / ``DISK_FULL``), not the generic
“页面出错了”, with nothing changed. How the stores are broken: tests/broken.py.
"""

from __future__ import annotations

import shutil

import pytest

from geodata.dataset import load_dataset
from geodata.edits import Edit
from geodata.store import SAMPLE_PATH, GpkgStore, contract, open_store
from geodata.store.copy import copy_store
from testing.pg import fresh_database
from tests import broken, import_corpus
from tests.apptest import add_account, button, login, open_page
from ui.format import md

PASSWORD = "refusal-password-1"
PARCEL = "JK-56GW"
TOUR = "T-SXZG"
WRITES = ["edit", "restore", "tour_save", "tour_delete", "import"]


@pytest.fixture(scope="module")
def pg_sample():
    with fresh_database() as url:
        assert copy_store(str(SAMPLE_PATH), url).ok
        yield url


@pytest.fixture(params=["gpkg", "postgis"])
def location(request, tmp_path, monkeypatch):
    if request.param == "gpkg":
        path = tmp_path / "data.gpkg"
        shutil.copyfile(SAMPLE_PATH, path)
        where = str(path)
    else:
        where = request.getfixturevalue("pg_sample")
    monkeypatch.setenv("ZONEMAP_DATA", where)
    add_account(monkeypatch, tmp_path / "accounts.toml", "zhangsan", "张三", PASSWORD)
    return where


def _state(store) -> tuple:
    return store.read_record("parcels", PARCEL), len(store.history()), store.list_tours(), len(store.read("parcels"))


def _ready_to_click(write: str, store, tmp_path, text: str):
    """The page with everything filled in, and the button whose click writes (each write larger than a page).

    ``text``: the large new value, different in each test (the PostGIS database is shared by the module's tests).
    """
    if write in ("edit", "restore"):
        if write == "restore":  # a change to take back: restoring it writes the large value into the audit
            store.apply_edit(Edit("parcels", PARCEL, {"note": broken.BIG}, store.read_record("parcels", PARCEL)[1],
                                  "lisi"))  # fmt: skip
        at = login(open_page("pages/supply.py", supply_selected=("parcels", PARCEL)), "zhangsan", PASSWORD)
        if write == "edit":
            version = store.read_record("parcels", PARCEL)[1]
            at.text_area(key=f"f_note_{PARCEL}_{version}").input(text)
            return at, button(at, "保存修改")
        change_id = int(store.history("parcels", PARCEL)["change_id"].iloc[0])
        at.selectbox(key=f"restore_pick_{PARCEL}").set_value(change_id).run()
        return at, button(at, "恢复")
    if write.startswith("tour"):
        (stored,) = store.list_tours()
        if write == "tour_delete":  # deleting writes the title into the audit
            store.save_tour(type(stored.tour)(TOUR, broken.BIG, stored.tour.stops), "lisi", stored.version)
        at = login(open_page("pages/tour.py"), "zhangsan", PASSWORD)
        if write == "tour_delete":
            return at, button(at, "删除路线")
        at.text_input(key=f"tour_{TOUR}_{stored.version}_title").input(text).run()
        return at, button(at, "保存路线")
    at = login(open_page("pages/data.py"), "zhangsan", PASSWORD)
    shp = import_corpus.shp_gbk_gk_prefix(tmp_path, load_dataset(GpkgStore(SAMPLE_PATH)))
    at.radio(key="imp_layer").set_value("parcels").run()
    at.file_uploader(key="imp_file").set_value((shp.name, shp.read_bytes(), "application/octet-stream")).run()
    return at, button(at, "导入 6 条")


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("trouble", ["read_only", "disk_full"])
def test_a_refused_write_shows_the_stores_sentence_and_changes_nothing(location, write, trouble, tmp_path, caplog):
    store = open_store(location)
    at, click = _ready_to_click(write, store, tmp_path, f"{broken.BIG}{trouble}")
    assert not at.exception and not at.error, [e.value for e in at.error]
    with getattr(broken, trouble)(location):
        before = _state(store)
        click.click().run()
        assert _state(store) == before
    assert not at.exception, at.exception
    sentence = contract.READ_ONLY if trouble == "read_only" else contract.DISK_FULL
    errors = [e.value for e in at.error]
    assert any(md(sentence) in e for e in errors), errors
    assert not any("页面出错了" in e or "错误编号" in e for e in errors), errors
    # said where the write is, the rest of the page kept: not by the last resort around the whole page
    assert not [r for r in caplog.records if r.name == "ui.errors"], "the write path let the store error through"
