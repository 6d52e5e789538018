"""The 通报: periods, 环比/同比, the state on a date (audit roll-back and 日期不详), the Word/Excel files and the CLI.

Figures are worked by hand from the dataset below (testing.factory with dates):

- J1 太原 signed 2021-09-10, 30 亿; J2 太原 signed 2021-09-05, started 2021-09-20, 20 亿;
  J3 太原 signed 2021-08-03, started 2021-08-20, producing 2021-09-25, 40 亿;
  J4 晋中 started, no dates; J5 晋中 signed 2020-09-15, 25 亿, no parcel.
- September 2021: signed J1+J2 = 2 / 50 亿; August: J3 = 1 / 40 亿; September 2020: J5 = 1 / 25 亿.
  So 签约 个 环比 +100% 同比 +100%; 投资 环比 (50−40)/40 = +25%, 同比 (50−25)/25 = +100%.
- To 2021-09-30: signed J1 J2 J3 J5 = 4 (J4 undated), of them started J2 J3 → 开工率 50%;
  started J2 J3 = 2 (J4 undated), of them producing J3 → 投产率 50%.
- J5 signed 2020-09-15, no parcel: 签而未落 on 2021-09-30 after 365 + 15 = 380 days.
- 标准地: P1 100 亩 listed 2021-07-01, contract 2021-09-08; P2 50.5 亩 listed 2021-09-01.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image

from domain.asof import NO, UNKNOWN, YES, cutoff, stage_status
from domain.clock import BEIJING
from domain.periods import growth, growth_text, parse_period
from geodata.edits import Edit
from geodata.io.fieldmap import suggest_mapping
from geodata.store import ImportBatch, create_gpkg, create_store
from reports import cli
from reports.bulletin import write_docx, write_xlsx
from stats.asof import records_on, stages_on
from stats.bulletin import BulletinScope, bulletin_figures, resolve_scope
from testing.factory import frames
from testing.pg import fresh_database

D = dt.date
SEPT = parse_period("2021-09")
ISSUED = D(2021, 10, 8)
PROVINCE = BulletinScope()


def dated_frames():
    f = frames()
    p = f["projects"].set_index("project_id")
    dates = {
        "J1": ("2021-09-10", None, None, 30.0),
        "J2": ("2021-09-05", "2021-09-20", None, 20.0),
        "J3": ("2021-08-03", "2021-08-20", "2021-09-25", 40.0),
        "J4": (None, None, None, None),
        "J5": ("2020-09-15", None, None, 25.0),
    }
    for pid, (s, st, pr, inv) in dates.items():
        p.loc[pid, ["signed_date", "started_date", "producing_date", "investment_yi"]] = [s, st, pr, inv]
    f["projects"] = p.reset_index()
    parcels = f["parcels"].set_index("parcel_id")
    parcels.loc["P1", ["listed_date", "contract_date"]] = ["2021-07-01", "2021-09-08"]
    parcels.loc["P2", "listed_date"] = "2021-09-01"
    f["parcels"] = parcels.reset_index()
    return f


@pytest.fixture
def store(tmp_path):
    return create_gpkg(tmp_path / "bulletin.gpkg", dated_frames())


def figures(store, period=SEPT, scope=PROVINCE):
    return bulletin_figures(store.read_all(), store.history(), period, scope)


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day + "T10:00:00").replace(tzinfo=BEIJING)


# --- periods and growth --------------------------------------------------------------------------------------------


def test_periods_and_their_neighbours():
    q3 = parse_period("2021-Q3")
    assert (q3.start, q3.end, q3.label) == (D(2021, 7, 1), D(2021, 9, 30), "2021年第三季度")
    assert q3.previous().code == "2021-Q2" and q3.year_ago().code == "2020-Q3"
    assert parse_period("2021-Q1").previous().code == "2020-Q4"
    assert parse_period("2021-01").previous().code == "2020-12"
    assert parse_period("2024-02").end == D(2024, 2, 29)  # leap year
    assert parse_period("2021-12").end == D(2021, 12, 31)
    for bad in ("2021-13", "2021-Q5", "9月", ""):
        with pytest.raises(ValueError, match="2021-09"):
            parse_period(bad)


def test_growth_on_hand_worked_numbers():
    assert growth(50, 40) == pytest.approx(0.25) and growth(6, 8) == pytest.approx(-0.25)
    assert growth(5, 0) is None and growth(5, None) is None
    assert [growth_text(50, 40), growth_text(6, 8), growth_text(8, 8), growth_text(5, 0)] == [
        "增长25%", "下降25%", "持平", "上期为零"]  # fmt: skip
    assert growth_text(1, 3) == "下降66.7%"


# --- the state on a date -------------------------------------------------------------------------------------------


def test_stage_status_rules():
    day = D(2021, 9, 30)
    # a later stage's date before the day proves the earlier stage
    assert stage_status([None, D(2021, 9, 1), None], 1, 0, day) == YES
    # reached, no date: unknown; date after the day: not yet
    assert stage_status([None, None, None], 1, 1, day) == UNKNOWN
    assert stage_status([D(2021, 10, 1), None, None], 0, 0, day) == NO
    # signed after the day: its later undated stage cannot have been reached either
    assert stage_status([D(2021, 10, 1), None, None], 1, 1, day) == NO
    assert stage_status([None, None, None], 0, 1, day) == NO
    assert cutoff(day) == dt.datetime(2021, 10, 1, tzinfo=BEIJING)


def test_a_stage_without_date_takes_the_day_the_audit_shows(store):
    store.apply_edit(Edit("projects", "J5", {"stage": "started"}, 0, "张三", at=at("2021-09-28")))
    h = store.history()
    day = D(2021, 9, 30)
    rows = records_on(store.read("projects"), h, "projects", day)
    st = stages_on(rows, h, "projects", day).set_index(rows["project_id"])
    assert st.loc["J5", "started_known"] == pd.Timestamp("2021-09-28") and st.loc["J5", "started_on"] == YES
    assert st.loc["J4", "started_on"] == UNKNOWN and pd.isna(st.loc["J4", "started_known"])
    b = figures(store)
    assert (b.totals["started_n"], b.totals["started_yi"]) == (2, 45.0)  # J2 20 + J5 25


@pytest.fixture(params=["gpkg", "postgis"])
def either_store(request, tmp_path):
    if request.param == "gpkg":
        yield create_gpkg(tmp_path / "bulletin.gpkg", dated_frames())
        return
    with fresh_database() as url:
        store = create_store(url, dated_frames())
        yield store
        store.close()


def test_figures_for_a_past_month_do_not_move_with_later_edits(either_store):
    store = either_store
    before = figures(store)
    # October: J1's signing corrected into October, J5 started (no date), J2's investment revised
    store.apply_edit(Edit("projects", "J1", {"signed_date": "2021-10-02"}, 0, "张三", at=at("2021-10-15")))
    store.apply_edit(Edit("projects", "J5", {"stage": "started"}, 0, "张三", at=at("2021-10-16")))
    store.apply_edit(Edit("projects", "J2", {"investment_yi": 99.0}, 0, "张三", at=at("2021-10-17")))
    store.apply_edit(Edit("parcels", "P2", {"contract_date": "2021-09-20"}, 0, "张三", at=at("2021-10-18")))
    late = dated_frames()["projects"].iloc[[0]].assign(project_id="J9", signed_date="2021-09-12")  # entered late
    store.commit_import(ImportBatch("projects", late, ["J9"], [], "补录.xlsx", {}, "张三", at=at("2021-10-20")))
    after = figures(store)
    assert after.paragraphs == before.paragraphs and after.notes == before.notes
    assert after.totals == before.totals
    for name in ("cities", "zones", "land"):
        assert getattr(after, name).equals(getattr(before, name)), name
    assert all(after.sanwei[k].equals(before.sanwei[k]) for k in before.sanwei)
    # the edits did land: October sees them
    october = figures(store, parse_period("2021-10"))
    assert october.totals["signed_n"] == 1 and october.totals["started_n"] == 1
    assert october.totals["signed_total"] == 5  # J1 J2 J3 J5 and the late J9 (J4 undated)


# --- the figures and the text --------------------------------------------------------------------------------------


def test_september_2021_figures_worked_by_hand(store):
    b = figures(store)
    t = b.totals
    assert (t["signed_n"], t["signed_yi"], t["signed_n_before"], t["signed_yi_before"]) == (2, 50.0, 1, 40.0)
    assert (t["signed_n_ago"], t["signed_yi_ago"]) == (1, 25.0)
    assert (t["started_n"], t["started_yi"], t["producing_n"], t["producing_yi"]) == (1, 20.0, 1, 40.0)
    assert (t["signed_total"], t["signed_then_started"], t["started_total"], t["started_then_producing"]) == (
        4, 2, 2, 1)  # fmt: skip
    assert (t["signed_unknown"], t["started_unknown"]) == (1, 1)
    assert b.paragraphs[0] == (
        "2021年9月，全省新签约项目2个、总投资50亿元，项目数环比增长100%、同比增长100%，投资环比增长25%、同比增长100%。"
    )
    assert b.paragraphs[1] == (
        "2021年9月，全省新开工项目1个、总投资20亿元，项目数环比持平、同比基数为零，投资环比下降50%、同比基数为零。"
    )
    assert "累计签约项目4个，其中已开工2个，开工率50%；累计开工项目2个，其中已投产1个，投产率50%" in b.paragraphs[3]
    assert "1个项目已签约但签约日期不详，1个项目已开工但开工日期不详" in b.notes[0]
    assert "按签约投资排名，居前的市为：太原市（50亿元）。" in b.paragraphs  # 晋中市 signed nothing: not listed
    cities = b.cities.set_index("市")
    columns = ["排名", "新签约（个）", "签约投资（亿元）", "签约投资环比", "签约投资同比"]
    assert cities.loc["太原市", columns].tolist() == [1, 2, 50.0, "+25.0%", "—"]
    assert cities.loc["晋中市", ["排名", "签约投资（亿元）", "签约投资同比"]].tolist() == [2, 0.0, "-100.0%"]
    land = b.land.set_index("市").loc["合计"]
    assert land[["挂牌（宗）", "挂牌（亩）", "出让（宗）", "出让（亩）"]].tolist() == [1, 50.5, 1, 100.0]
    waiting = b.sanwei["signed_not_landed"]
    assert waiting[["项目编号", "已等待（天）", "起算日期"]].values.tolist() == [["J5", 380, "2020-09-15"]]


def test_a_quarter_and_a_city_scope(store):
    b = figures(store, parse_period("2021-Q3"), resolve_scope("140100", store.read("zones")))
    assert b.scope.name == "太原市" and list(b.cities["市"]) == ["太原市"]
    assert (b.totals["signed_n"], b.totals["signed_yi"]) == (3, 90.0)  # J1 J2 J3
    land = b.land.set_index("市").loc["合计"]
    assert land[["挂牌（宗）", "挂牌（亩）"]].tolist() == [2, 150.5]
    assert resolve_scope("晋中", store.read("zones")).city == "140700"
    with pytest.raises(ValueError, match="未知的通报范围"):
        resolve_scope("北京", store.read("zones"))


# --- files and command line ----------------------------------------------------------------------------------------


def test_the_word_file_holds_the_sentences_and_tables(store, tmp_path):
    b = figures(store)
    doc = Document(write_docx(b, tmp_path / "通报.docx", issued=ISSUED))
    text = [p.text for p in doc.paragraphs]
    assert text[0] == "全省2021年9月开发区“三个一批”项目进展通报"
    assert b.paragraphs[0] in text and "2021-09-01 至 2021-09-30" in text[1]
    city = doc.tables[0]  # 表1 分市情况
    rows = [[c.text for c in r.cells] for r in city.rows]
    assert rows[0][:4] == ["市", "排名", "新签约（个）", "签约投资（亿元）"]
    assert rows[1][:4] == ["太原市", "1", "2", "50"]
    sanwei = [t for t in doc.tables if t.cell(0, 0).text == "项目"]
    assert any(r.cells[0].text == "项目J5" and r.cells[6].text == "380" for t in sanwei for r in t.rows)


def test_the_word_file_of_a_past_month_is_the_same_after_later_edits(store, tmp_path):
    first = Document(write_docx(figures(store), tmp_path / "a.docx", issued=ISSUED))
    store.apply_edit(Edit("projects", "J3", {"producing_date": "2021-10-05"}, 0, "张三", at=at("2021-11-01")))
    second = Document(write_docx(figures(store), tmp_path / "b.docx", issued=ISSUED))

    def content(doc):
        return [p.text for p in doc.paragraphs], [[c.text for r in t.rows for c in r.cells] for t in doc.tables]

    assert content(first) == content(second)


def test_excel_and_the_command_line(store, tmp_path, capsys):
    out = tmp_path / "通报.xlsx"
    assert cli.main(["bulletin", "--period", "2021-09", "--format", "xlsx", "--out", str(out),
                     "--data", store.location]) == 0  # fmt: skip
    wb = load_workbook(out)
    assert wb.sheetnames[:4] == ["正文", "表1", "表2", "表3"]
    assert wb["正文"]["A2"].value.startswith("2021年9月，全省新签约项目2个、总投资50亿元")
    header = [c.value for c in wb["表1"][1]]
    taiyuan = [c.value for c in wb["表1"][2]]
    assert dict(zip(header, taiyuan, strict=True))["签约投资（亿元）"] == 50
    assert cli.main(["bulletin", "--period", "2021-9月", "--out", str(tmp_path / "x.docx")]) == 2
    assert "2021-Q3" in capsys.readouterr().err
    assert cli.main(["bulletin", "--period", "2021-09", "--out", str(tmp_path / "x.docx"), "--data", store.location,
                     "--scope", "北京"]) == 2  # fmt: skip
    write_xlsx(figures(store, parse_period("2021-Q3")), tmp_path / "q.xlsx")


# --- the new land-office dates ---------------------------------------------------------------------------------------


def test_importer_maps_the_land_office_dates():
    mapping = suggest_mapping(["GPRQ", "CRHTRQ", "JDRQ"], "parcels")
    assert [mapping[c] for c in ("GPRQ", "CRHTRQ", "JDRQ")] == ["listed_date", "contract_date", "delivered_date"]
    mapping = suggest_mapping(["挂牌日期", "出让合同签订日期", "交地日期"], "parcels")  # one file names them so
    assert [mapping[c] for c in ("挂牌日期", "出让合同签订日期", "交地日期")] == [
        "listed_date", "contract_date", "delivered_date"]  # fmt: skip


def test_the_map_shades_cities_by_signed_investment(store, tmp_path):
    from reports.bulletin import bulletin_html
    from reports.bulletin_map import SHADES, city_shades

    b = figures(store)
    assert city_shades(b) == {"太原市": "high", "晋中市": "none"}  # 50 亿 against none
    html = bulletin_html(b, issued=ISSUED, admin=store.read("admin"))
    assert html.count(f'fill="{SHADES["high"]}"') == 1 and html.count(f'fill="{SHADES["none"]}"') == 1
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    png = tmp_path / "map.png"  # any picture: the Word file places what it is given
    Image.new("RGB", (20, 30), "white").save(png)
    doc = Document(write_docx(b, tmp_path / "m.docx", issued=ISSUED, map_png=png))
    assert len(doc.inline_shapes) == 1
    assert any(p.text.startswith("图1 各市本期新签约投资") for p in doc.paragraphs)


def test_the_day_ends_at_midnight_in_beijing():
    projects = dated_frames()["projects"]

    def invest_on_sept_30(stamp: str) -> float:
        history = pd.DataFrame([{"change_id": 1, "at": stamp, "user": "张三", "action": "edit", "layer": "projects",
                                 "record_id": "J1", "version": 1, "field": "investment_yi", "old": 30.0, "new": 99.0,
                                 "reason": None}])  # fmt: skip
        current = projects.assign(investment_yi=projects["investment_yi"].where(projects["project_id"] != "J1", 99.0))
        rows = records_on(current, history, "projects", D(2021, 9, 30))
        return float(rows.set_index("project_id").loc["J1", "investment_yi"])

    assert invest_on_sept_30("2021-09-30T23:59:59+08:00") == 99.0  # saved that day: part of it
    assert invest_on_sept_30("2021-10-01T00:00:00+08:00") == 30.0  # saved the next day: rolled back
    assert invest_on_sept_30("2021-09-30T16:00:00+00:00") == 30.0  # the same instant in UTC
    assert invest_on_sept_30("2021-09-30T23:30:00") == 99.0  # no offset: Beijing time
    assert invest_on_sept_30("2021-10-01T00:30:00") == 30.0


def test_pdf_and_word_with_the_map_from_the_command_line(store, tmp_path):
    from tests.conftest import _need_chromium

    _need_chromium()
    pdf, docx_file = tmp_path / "通报.pdf", tmp_path / "通报.docx"
    for fmt, out in (("pdf", pdf), ("docx", docx_file)):
        assert cli.main(["bulletin", "--period", "2021-09", "--format", fmt, "--out", str(out),
                         "--data", store.location]) == 0  # fmt: skip
    head = pdf.read_bytes()
    assert head.startswith(b"%PDF") and b"/MediaBox [0 0 594.9" in head  # A4 portrait (595 × 842 pt)
    assert len(Document(docx_file).inline_shapes) == 1  # the map, drawn by chromium
