"""Long exports without locking the page (#26): the 台账 is written in the background, the page answers at once
with a progress bar, stays usable, and offers the file when it is ready; a failure is a Chinese sentence."""

from __future__ import annotations

import io
import threading
import time

import openpyxl
import pytest

import ui.exports
from tests.apptest import button, finish_exports, open_page, store_with_account


@pytest.fixture
def store(tmp_path, monkeypatch):
    return store_with_account(tmp_path, monkeypatch, "zhangsan", "张三", "correct-horse-battery")


@pytest.fixture
def held(monkeypatch):
    """The export writer waits (after telling 1 of 4 written) until the test releases it."""
    gate, real = threading.Event(), ui.exports.write_export
    gate.entered = threading.Event()

    def slow(*args, **kwargs):
        kwargs["progress"](1, 4)
        gate.entered.set()
        if not gate.wait(60):
            raise TimeoutError("never released")
        return real(*args, **kwargs)

    monkeypatch.setattr(ui.exports, "write_export", slow)
    yield gate
    gate.set()


def progress_texts(at) -> list[str]:
    return [e.proto.text for e in at.get("progress")]


def test_the_page_answers_while_the_ledger_is_written_and_offers_it_after(store, held, downloads):
    at = open_page("pages/supply.py")
    start = time.monotonic()
    button(at, "生成台账 Excel").click().run()
    assert time.monotonic() - start < 15  # the old page waited for the whole file (here: forever)
    assert not at.exception and not at.error and progress_texts(at)
    assert held.entered.wait(30)
    at.run()  # as the fragment's next tick: the progress the writer told
    assert [t for t in progress_texts(at) if t.startswith("正在生成台账 Excel：1 / 4 宗")]
    assert not at.get("download_button") and button(at, "生成台账 Excel").disabled  # one at a time

    at.session_state["supply_selected"] = ("parcels", "P4")  # the page still answers: a parcel is opened
    at.run()
    assert not at.exception and "地块详情" in [h.value for h in at.subheader]

    held.set()
    finish_exports(at)
    assert not progress_texts(at)
    (offered,) = at.get("download_button")
    assert offered.proto.label == "下载台账 Excel"
    book = openpyxl.load_workbook(io.BytesIO(downloads.of(offered).content), read_only=True)
    assert book.sheetnames == ["汇总", "甲", "乙园区", "介休"]
    assert not button(at, "生成台账 Excel").disabled


def test_a_file_made_for_other_filters_is_not_offered(store, downloads):
    at = open_page("pages/supply.py")
    finish_exports(button(at, "生成GeoJSON").click().run())
    assert [b.proto.label for b in at.get("download_button")] == ["下载GeoJSON"]
    at.sidebar.multiselect(key="sup_pstage").set_value(["reserve"]).run()  # P4 only now
    assert not at.get("download_button")


def test_a_background_failure_is_a_chinese_sentence(store, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("/srv/zonemap/secret/export.xlsx: No space left on device")

    monkeypatch.setattr(ui.exports, "write_export", broken)
    at = finish_exports(button(open_page("pages/supply.py"), "生成台账 Excel").click().run())
    (message,) = [e.value for e in at.error]
    assert message.startswith("台账 Excel未能生成（错误编号 ") and "/srv" not in message and "OSError" not in message
    assert not at.get("download_button")


@pytest.mark.browser
def test_in_the_browser_the_progress_polls_and_the_file_appears_without_a_click(sample_server, page):
    """The fragment's timer, which AppTest does not run: after 生成, nothing else is done until the file is offered."""
    from testing import harness

    page.goto(sample_server + "/supply")
    harness.wait_for_map(page)
    page.get_by_role("button", name="生成台账 Excel").click()
    offered = page.get_by_role("button", name="下载台账 Excel")
    offered.wait_for(timeout=90_000)
    assert page.get_by_role("button", name="生成台账 Excel").is_enabled()
    with page.expect_download() as got:
        offered.click()
    assert got.value.suggested_filename.startswith("地块台账_") and got.value.suggested_filename.endswith(".xlsx")
    assert page.external == [] and page.errors == []
