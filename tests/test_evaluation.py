"""开发区年度考核: hand-worked scores and classes, missing data, cut-offs, the settings file, the figures, the workbook.

Settings of the hand-worked case: 亩均税收 (weight 50, target = the zones' average), 开工率 (weight 30,
target 0.8), 标准地占比 (weight 20, target 1); cut-offs A 85 / B 70 / C 55; classes need 60 % coverage.

| zone | 税收 ÷ 亩 | 开工率 | 标准地占比 |
| Z1 | 300 ÷ 10 = 30 | 0.9 | 0.5 |
| Z2 | 100 ÷ 10 = 10 | 0.4 | 1.0 |
| Z3 | — (0 亩) | 0.8 | 0.7 |
| Z4 | 200 ÷ 20 = 10 | — | 0.85 |

Average 亩均税收 = 600 ÷ 40 = 15 (Z3 has no data and is left out).
Z1 = 50 × min(2, 1) + 30 × min(1.125, 1) + 20 × 0.5 = 50 + 30 + 10 = 90 → A.
Z2 = 50 × 10/15 + 30 × 0.5 + 20 × 1 = 33.333 + 15 + 20 = 68.333 → C.
Z4 = (33.333 + 20 × 0.85) ÷ 70 × 100 = 50.333 ÷ 0.7 = 71.905 → B (re-weighted; unweighted 50.3 would be D).
Z3 = (30 + 14) ÷ 50 × 100 = 88, but coverage 50 % < 60 %: no class, ranked after the classed zones.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from domain.evaluation import (
    INDICATORS,
    NO_CLASS,
    EvaluationSettings,
    Figure,
    ZoneIndicator,
    grade_of,
    score_zones,
    targets,
)
from geodata.schema import SCHEMAS
from geodata.scorecard import DEFAULT_PATH, load_evaluation
from geodata.store import coerce
from reports.evaluation import evaluation_xlsx
from stats.evaluation import evaluate, firm_table, ranking_table, zone_card
from testing.factory import frames

SETTINGS = EvaluationSettings(
    title="测试",
    indicators=(
        ZoneIndicator("tax_per_mu", "亩均税收", "万元/亩", 50, "average"),
        ZoneIndicator("start_rate", "开工率", "%", 30, 0.8),
        ZoneIndicator("standard_land_share", "标准地占比", "%", 20, 1.0),
    ),
    cutoffs={"A": 85, "B": 70, "C": 55},
    min_coverage=0.6,
)
NONE = Figure(None, None)
FIGURES = {
    "Z1": {"tax_per_mu": Figure(300, 10), "start_rate": Figure(9, 10), "standard_land_share": Figure(5, 10)},
    "Z2": {"tax_per_mu": Figure(100, 10), "start_rate": Figure(4, 10), "standard_land_share": Figure(10, 10)},
    "Z3": {"tax_per_mu": Figure(0, 0), "start_rate": Figure(8, 10), "standard_land_share": Figure(7, 10)},
    "Z4": {"tax_per_mu": Figure(200, 20), "start_rate": NONE, "standard_land_share": Figure(85, 100)},
}


def test_hand_worked_scores_classes_and_ranks():
    assert targets(FIGURES, SETTINGS) == pytest.approx({"tax_per_mu": 15, "start_rate": 0.8, "standard_land_share": 1})
    scores = score_zones(FIGURES, SETTINGS)
    assert [(s.zone, s.rank, s.grade) for s in scores] == [("Z1", 1, "A"), ("Z4", 2, "B"), ("Z2", 3, "C"),
                                                           ("Z3", None, NO_CLASS)]  # fmt: skip
    by = {s.zone: s for s in scores}
    assert by["Z1"].total == pytest.approx(90) and by["Z1"].scores["start_rate"] == pytest.approx(30)
    assert by["Z2"].total == pytest.approx(68.3333, abs=1e-4)
    assert by["Z4"].total == pytest.approx(71.9048, abs=1e-4) and by["Z4"].coverage == pytest.approx(0.7)
    assert by["Z3"].total == pytest.approx(88) and by["Z3"].coverage == pytest.approx(0.5)


def test_missing_data_scores_nothing_and_is_named():
    by = {s.zone: s for s in score_zones(FIGURES, SETTINGS)}
    assert by["Z4"].missing == ("开工率",) and by["Z4"].scores["start_rate"] is None
    assert by["Z3"].missing == ("亩均税收",) and by["Z3"].values["tax_per_mu"] is None
    nothing = score_zones({"Z9": {k: NONE for k in ("tax_per_mu", "start_rate", "standard_land_share")}}, SETTINGS)
    assert (nothing[0].total, nothing[0].grade, nothing[0].coverage) == (None, NO_CLASS, 0)


def test_a_total_on_a_cut_off_takes_the_better_class():
    assert [grade_of(t, 1, SETTINGS) for t in (85, 84.999, 70, 69.99, 55, 54.99, 0)] == list("ABBCCDD")
    assert grade_of(90, 0.6, SETTINGS) == "A" and grade_of(90, 0.599, SETTINGS) == NO_CLASS


def test_equal_totals_share_the_better_rank():
    same = {z: {"tax_per_mu": Figure(v, 1)} for z, v in (("A1", 10), ("A2", 10), ("A3", 5))}
    one = EvaluationSettings("t", (ZoneIndicator("tax_per_mu", "亩均税收", "万元/亩", 100, 10.0),), SETTINGS.cutoffs)
    assert [(s.zone, s.rank, s.grade) for s in score_zones(same, one)] == [("A1", 1, "A"), ("A2", 1, "A"),
                                                                         ("A3", 3, "D")]  # fmt: skip


def test_the_default_settings_are_one_file_and_say_what_they_are():
    zone, firms = load_evaluation()
    assert "可配置" in zone.title and "浙江" in zone.title and "非山西省官方办法" in zone.title
    assert "非山西省官方办法" in firms.title
    assert sum(i.weight for i in zone.indicators) == 100 and not zone.problems()
    assert dict(zone.cutoffs) == {"A": 85, "B": 70, "C": 55} and zone.min_coverage == 0.6
    assert {i.key for i in zone.indicators} == set(INDICATORS)
    assert [i.label for i in firms.indicators] == ["亩均税收", "亩均营业收入"]
    assert [i.numerator for i in firms.indicators] == ["tax_paid_wan", "revenue_wan"]


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        (("A = 85", "A = 60"), "A 高于 B"),
        (('key = "plot_ratio"', 'key = "floor_area"'), "未知的考核指标“floor_area”"),
        (("target = 1.0", "target = -1"), "目标值须为正数"),
        (("[zone.cutoffs]", "[zone.cutofs]"), "无法读取或缺少项目"),
        (("min_coverage = 0.6", "min_coverage = 6"), "覆盖率须在 0 到 1 之间"),
    ],
)
def test_a_bad_settings_file_is_refused_in_chinese(tmp_path, change, sentence):
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "考核.toml"
    bad.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ValueError, match=sentence) as raised:
        load_evaluation(bad)
    assert "考核设置文件“考核.toml”" in str(raised.value) and "Error" not in str(raised.value)


# --- the figures on a hand-made dataset ----------------------------------------------------------------------------
# Z1 (with its park Z1a): P1 100 亩 standard, sold 2025-03-01, 2025 actuals 实缴税金 500 / 营业收入 8000 万元;
# P2 (Z1a) 50.5 亩 listed. Z2: P3 870 亩 not standard, started, sold 2025-05-01; P4 reserve. Planned areas
# Z1 10 km² = 15 000 亩, Z2 5 km² = 7 500 亩.


def evaluation_frames():
    f = frames()
    p = f["parcels"].set_index("parcel_id")
    p.loc["P1", ["contract_date", "actual_year", "tax_paid_wan", "revenue_wan"]] = ["2025-03-01", 2025, 500.0, 8000.0]
    p.loc["P3", ["contract_date", "actual_start_date"]] = ["2025-05-01", "2025-06-01"]
    p.loc["P2", "listed_date"] = "2025-01-10"
    f["parcels"] = p.reset_index()
    return {layer: coerce(frame, SCHEMAS[layer]) for layer, frame in f.items()}  # as a store reads them


def test_zone_figures_on_a_hand_made_dataset():
    zone, _ = load_evaluation()
    ev = evaluate(evaluation_frames(), None, 2025, zone, dt.date(2026, 12, 6))
    assert ev.day == dt.date(2025, 12, 31) and set(ev.figures) == {"Z1", "Z2"}  # the park counts in Z1
    z1, z2 = ev.figures["Z1"], ev.figures["Z2"]
    assert (z1["tax_per_mu"].value, z1["revenue_per_mu"].value) == (5.0, 80.0)
    assert z2["tax_per_mu"].value is None and ev.notes["Z2"]["tax_per_mu"] == "没有2025年的实缴税金"
    assert z1["standard_land_share"].value == 1.0 and z2["standard_land_share"].value == 0.0
    assert z1["supply_rate"].value == pytest.approx(100 / 150.5)  # P1 sold of P1 + P2 (listed) developed
    assert z1["development_rate"].denominator == pytest.approx(15000, rel=1e-3)
    assert z1["efficiency_rate"].value is None and ev.notes["Z1"]["efficiency_rate"] == "本数据没有项目达效记录"
    card = zone_card(ev, "Z2")
    line = card.set_index("指标").loc["亩均税收"]
    assert line["缺少数据"] == "缺少数据：没有2025年的实缴税金" and line["得分"] != line["得分"]  # NaN: no score
    assert "Σ实缴税金 ÷ Σ面积" in line["算式"] and "实缴税金" in line["来源"]


def test_a_year_is_judged_on_its_last_day():
    """P1 sold 2025-03-01 is not new industrial land of 2024, and in 2024 the zone had no land sold."""
    zone, _ = load_evaluation()
    ev = evaluate(evaluation_frames(), None, 2024, zone, dt.date(2026, 12, 6))
    assert ev.figures["Z1"]["standard_land_share"].value is None
    assert ev.figures["Z1"]["tax_per_mu"].value is None  # the actuals are of 2025


def test_firms_are_classed_by_their_actual_figures():
    _, firms = load_evaluation()
    f = evaluation_frames()["parcels"].set_index("parcel_id")
    f.loc["P3", ["actual_year", "tax_paid_wan", "revenue_wan", "land_holder"]] = [2025, 870.0, 8700.0, "乙公司"]
    f.loc["P1", "land_holder"] = "甲公司"
    table = firm_table(f.reset_index(), 2025, firms)
    # 亩均税收 5 and 1 (average 1370 / 970); 甲 ranks first
    assert list(table["企业"]) == ["甲公司", "乙公司"] and list(table["亩均税收（万元/亩）"]) == [5.0, 1.0]


def test_the_ranking_workbook_holds_the_ranking_cards_and_settings():
    zone, firms = load_evaluation()
    f = evaluation_frames()
    f["zones"].loc[f["zones"]["zone_id"] == "Z2", "name"] = '=HYPERLINK("x")开发区'
    ev = evaluate(f, None, 2025, zone, dt.date(2026, 12, 6))
    book = load_workbook(io.BytesIO(evaluation_xlsx(ev, firm_table(f["parcels"], 2025, firms))))
    assert book.sheetnames == ["说明", "排名", "指标卡", "用地企业分类"]
    rows = list(book["排名"].values)
    ranking = ranking_table(ev)
    assert list(rows[0][:5]) == ["排名", "开发区", "市", "总分", "类别"]
    assert [r[1] for r in rows[1:]] == ["甲开发区", '\'=HYPERLINK("x")开发区']  # a formula-like name stays text
    assert list(ranking["开发区"]) == ["甲开发区", '=HYPERLINK("x")开发区']
    assert [r[3] for r in rows[1:]] == list(ranking["总分"]) and [r[4] for r in rows[1:]] == list(ranking["类别"])
    assert "非山西省官方办法" in book["说明"]["B2"].value
    cards = list(book["指标卡"].values)
    assert any(r[0].endswith("开发区") and r[7] == "缺少数据：没有2025年的实缴税金" for r in cards[1:])


def test_the_actual_figures_reach_the_importer_the_ledger_and_the_shapefile():
    from geodata.io.fieldmap import shp_names, suggest_mapping
    from geodata.io.ledger import column_header

    mapping = suggest_mapping(["宗地编号", "实缴税金（万元）", "营业收入", "统计年度"], "parcels")
    assert list(mapping.values()) == ["parcel_id", "tax_paid_wan", "revenue_wan", "actual_year"]
    pinyin = suggest_mapping(["DKBH", "SJSJ", "YYSR", "SJND"], "parcels")
    assert list(pinyin.values()) == ["parcel_id", "tax_paid_wan", "revenue_wan", "actual_year"]
    assert [column_header(c) for c in ("actual_year", "tax_paid_wan", "revenue_wan")] == [
        "实绩年度", "实缴税金（万元）", "营业收入（万元）"]  # fmt: skip
    assert {shp_names("parcels")[c] for c in ("actual_year", "tax_paid_wan", "revenue_wan")} == {"SJND", "SJSJ", "YYSR"}
    from geodata.io.ledger import ledger_rows

    rows = ledger_rows(evaluation_frames()["parcels"])  # 实绩年度 is the layer's first whole-number column
    assert rows["实绩年度"].iloc[0] == 2025 and rows["实绩年度"].iloc[1:].isna().all()
    assert rows["实缴税金（万元）"].iloc[0] == 500.0


ACTUALS = ("actual_year", "tax_paid_wan", "revenue_wan")


def _old_store_takes_actuals(store) -> None:
    assert store.read("parcels")["tax_paid_wan"].isna().all()
    from geodata.edits import Edit

    store.apply_edit(
        Edit("parcels", "P1", {"actual_year": 2025, "tax_paid_wan": 500.0, "revenue_wan": 8000.0}, 0, "张三")
    )
    record, version = store.read_record("parcels", "P1")
    assert (record["actual_year"], record["tax_paid_wan"], record["revenue_wan"], version) == (2025, 500.0, 8000.0, 1)


def test_a_store_from_before_the_actual_figures_gets_them_on_its_first_write(tmp_path):
    import sqlite3

    from geodata.store import create_gpkg, open_store

    path = tmp_path / "old.gpkg"
    create_gpkg(path, frames())
    with sqlite3.connect(path) as conn:
        for column in ACTUALS:
            conn.execute(f'ALTER TABLE parcels DROP COLUMN "{column}"')
        conn.execute("UPDATE zonemap_schema SET version = 3")
    _old_store_takes_actuals(open_store(path))


def test_a_postgis_database_from_before_the_actual_figures_gets_them_on_its_first_write():
    import psycopg

    from geodata.store import create_store, open_store
    from testing.pg import fresh_database

    with fresh_database() as url:
        create_store(url, frames())
        with psycopg.connect(url, autocommit=True) as conn:
            for column in ACTUALS:
                conn.execute(f'ALTER TABLE parcels DROP COLUMN "{column}"')
            conn.execute("UPDATE zonemap_schema SET version = 3")
        store = open_store(url)
        _old_store_takes_actuals(store)
        store.close()


def test_the_class_map_fills_each_zone_with_its_class_and_says_outlines_are_schematic():
    from layers.evaluation import evaluation_map
    from layers.styles import EVALUATION_COLORS

    f = frames()
    f["zones"].loc[f["zones"]["zone_id"] == "Z1", "name"] = "<script>alert(1)</script>甲"
    results = {"Z1": {"grade": "A", "total": 90.0, "rank": 1}, "Z2": {"grade": NO_CLASS, "total": None, "rank": None}}
    html = evaluation_map(f["admin"], f["zones"], results, 2025).get_root().render()
    assert html.count('"zones:Z1"') >= 2 and html.count('"zones:Z2"') >= 2  # the outline and the dot
    assert '"zones:Z1a"' not in html  # a park is evaluated in its zone
    assert EVALUATION_COLORS["A"] in html and EVALUATION_COLORS[NO_CLASS] in html
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)  # JSON escapes as text
    assert "开发区边界为示意" in text and text.count('<br>边界为示意"') == 4  # legend; each zone's two tooltips
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;甲" in text
