"""Errors reach users as Chinese sentences with an id, never as tracebacks; crash leftovers are cleaned."""

from __future__ import annotations

import os
import time

import pytest
from streamlit.testing.v1 import AppTest

from geodata.io.sources import clean_stale_temp


def _failing_page():
    import streamlit as st

    from ui.errors import guarded

    def page():
        st.title("页面")
        raise ZeroDivisionError("/srv/zonemap/secret/path.py line 3")

    guarded(page)


def test_a_failing_page_shows_a_chinese_message_with_an_id_and_no_details(caplog):
    at = AppTest.from_function(_failing_page).run()
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert "错误编号" in message and "ZeroDivisionError" not in message and "/srv" not in message
    ref = message.split("错误编号 ")[1][:8]
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)  # the log carries id and traceback


def _store_failing_page():
    from geodata.store import StoreError
    from ui.errors import guarded

    def page():
        raise StoreError("数据为只读，修改未保存（数据未改动）。")

    guarded(page)


def test_a_store_error_no_step_caught_is_the_stores_own_sentence():
    at = AppTest.from_function(_store_failing_page).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["数据为只读，修改未保存（数据未改动）。"]


def _stopping_page():
    import streamlit as st

    from ui.errors import guarded

    def page():
        st.write("之前")
        st.stop()
        st.write("之后")

    guarded(page)


def test_streamlit_stop_still_stops_without_an_error():
    at = AppTest.from_function(_stopping_page).run()
    assert not at.error and [m.value for m in at.markdown] == ["之前"]


def test_stale_upload_folders_are_removed_and_fresh_or_foreign_ones_kept(tmp_path):
    old, fresh, foreign = tmp_path / "zonemap-import-abc", tmp_path / "zonemap-upload-new", tmp_path / "other-import"
    for folder in (old, fresh, foreign):
        folder.mkdir()
        (folder / "upload.zip").write_bytes(b"x")
    hour_ago = time.time() - 7200
    os.utime(old, (hour_ago, hour_ago))
    os.utime(foreign, (hour_ago, hour_ago))
    assert clean_stale_temp(folder=str(tmp_path)) == 1
    assert not old.exists() and fresh.exists() and foreign.exists()


def test_the_warm_start_declares_no_map_component():
    """ui.warm runs outside any page at server start; a component declared there is served 404 to the pages."""
    import subprocess
    import sys

    code = "import sys, ui.warm; print('streamlit_folium' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_failure_before_the_page_runs_is_a_chinese_sentence_too(monkeypatch, sample_copy):
    from layers import assets
    from tests.apptest import APP

    def broken(*_):
        raise FileNotFoundError("/srv/zonemap/static/vendor/leaflet.js.tmp")

    monkeypatch.setattr(assets, "ensure_assets", broken)  # app.py reads it at each run
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert "错误编号" in message and "FileNotFoundError" not in message and "/srv" not in message


NOT_GPKG = [b"", b"not a geopackage\n" * 50, bytes(range(256)) * 20, b"SQLite format 2\x00" * 10]


@pytest.mark.parametrize("content", NOT_GPKG)
def test_a_data_file_that_is_not_a_geopackage_is_named_in_a_chinese_message(content, tmp_path, monkeypatch):
    from tests.apptest import APP

    path = tmp_path / "zonemap.gpkg"
    path.write_bytes(content)
    monkeypatch.setenv("ZONEMAP_DATA", str(path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert "无法读取数据" in message and "已损坏或不是 GeoPackage" in message and "zonemap" in message
    assert "DatabaseError" not in message and str(tmp_path) not in message


def test_a_warm_start_on_a_file_lacking_a_layer_logs_the_stores_sentence_without_a_traceback(
    tmp_path, monkeypatch, caplog
):
    """The data as found is not a fault of the server: its log says which layer is missing, in one line."""
    import logging
    import shutil

    from geodata.store import SAMPLE_PATH
    from tests.broken import without_layer
    from ui.warm import warm

    path = tmp_path / "lacking.gpkg"
    shutil.copyfile(SAMPLE_PATH, path)
    without_layer(path, "parcels")
    monkeypatch.setenv("ZONEMAP_DATA", str(path))
    with caplog.at_level(logging.INFO, logger="ui.warm"):
        warm()
    (record,) = [r for r in caplog.records if r.name == "ui.warm"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "lacking.gpkg" in record.getMessage() and "（parcels）" in record.getMessage()
