"""三个一批 page: the 截至 date (from the address, driving the figures) and the 通报 download, under AppTest.

Data: tests.test_bulletin's dated factory set. Worked by hand for 截至 2021-08-31: J1 (signed
09-10) and J2 (signed 09-05) are not yet signed, so the page holds J3, J4 (started, undated) and
J5 — 3 projects; J5 signed 2020-09-15 with no parcel has waited 350 days (签而未落 1), J4 cannot be
judged without a date (1); J3 started 2021-08-20 is 11 days in. Today J1 joins 签而未落 (2) and J2,
started 2021-09-20, is past 730 days (投未见效 1).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from tests.apptest import open_at


def open_tracker(**params) -> AppTest:
    return open_at("pages/tracker.py", **params)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_link_with_a_date_shows_the_records_of_that_day(dated_store):
    at = open_tracker(trk_asof="2021-08-31")
    assert at.sidebar.date_input(key="trk_asof").value == dt.date(2021, 8, 31)
    assert any("截至 2021-08-31" in i.value for i in at.info)
    assert any(s.value == "项目（3 个）" for s in at.subheader)
    m = metrics(at)
    assert (m["签而未落（个）"], m["落而未投（个）"], m["投未见效（个）"], m["日期缺失或有误（个）"]) == (
        "1",
        "0",
        "0",
        "1",
    )


def test_without_a_date_the_page_is_on_today(dated_store):
    at = open_tracker()
    from domain.clock import beijing_today

    assert at.sidebar.date_input(key="trk_asof").value == beijing_today()
    assert not any("截至" in i.value for i in at.info)
    assert any(s.value == "项目（5 个）" for s in at.subheader)
    m = metrics(at)
    assert (m["签而未落（个）"], m["投未见效（个）"]) == ("2", "1")
    at.sidebar.date_input(key="trk_asof").set_value(dt.date(2021, 8, 31)).run()  # the picker drives the page
    assert any(s.value == "项目（3 个）" for s in at.subheader)


def test_the_bulletin_download_serves_the_chosen_month(dated_store):
    at = open_tracker(trk_asof="2021-10-15")
    assert at.selectbox(key="trk_bul_period").value == "2021-09"  # the last finished month
    assert not at.get("download_button") or all("通报" not in b.label for b in at.get("download_button"))
    at.button(key="trk_bul_make").click().run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "下载 全省2021年9月开发区“三个一批”项目进展通报.docx" in labels
    doc = Document(io.BytesIO(at.session_state["_bulletin_file"][2]))  # the bytes the button serves
    text = [p.text for p in doc.paragraphs]
    assert (
        "2021年9月，全省新签约项目2个、总投资50亿元，项目数环比增长100%、同比增长100%，投资环比增长25%、同比增长100%。"
        in text
    )
    at.selectbox(key="trk_bul_period").set_value("2021-08").run()  # another month: the old file is not offered
    assert all("通报" not in b.label for b in at.get("download_button"))


def test_a_failed_bulletin_is_a_sentence_not_a_traceback(dated_store, monkeypatch):
    from ui import bulletin_panel

    def broken(*_):
        raise OSError("/tmp/x: No space left on device")

    monkeypatch.setattr(bulletin_panel, "write_bulletin", broken)
    at = open_tracker(trk_asof="2021-10-15")
    at.button(key="trk_bul_make").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["生成通报失败（详情见服务器日志），请稍后重试或联系管理员。"]
    assert all("通报" not in b.label for b in at.get("download_button"))


def test_visitors_get_word_and_excel_without_the_map(dated_store):
    at = open_tracker(trk_asof="2021-10-15")
    assert at.radio(key="trk_bul_fmt").options == ["Word", "Excel"]
    assert any("需登录后生成" in c.value for c in at.caption)
    at.button(key="trk_bul_make").click().run()
    doc = Document(io.BytesIO(at.session_state["_bulletin_file"][2]))
    assert len(doc.inline_shapes) == 0  # no Chromium started for a visitor


@pytest.mark.browser
def test_a_signed_in_editor_gets_the_map_in_word_and_a_pdf(dated_store, tmp_path, monkeypatch):
    from tests.apptest import add_account, login

    add_account(monkeypatch, tmp_path / "accounts.toml", "bureau", "自然资源局", "correct-horse-42")
    at = login(open_tracker(trk_asof="2021-10-15"), "bureau", "correct-horse-42")
    assert at.radio(key="trk_bul_fmt").options == ["Word", "Excel", "PDF"]
    at.button(key="trk_bul_make").click().run()
    assert not at.exception, at.exception
    doc = Document(io.BytesIO(at.session_state["_bulletin_file"][2]))
    assert len(doc.inline_shapes) == 1  # the map picture, drawn by the shared Chromium
    at.radio(key="trk_bul_fmt").set_value("pdf").run()
    at.button(key="trk_bul_make").click().run()
    assert not at.exception, at.exception
    name, payload = at.session_state["_bulletin_file"][1:]
    assert name.endswith("通报.pdf") and payload.startswith(b"%PDF")
