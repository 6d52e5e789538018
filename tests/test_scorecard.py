"""亩均效益 scorecard: hand-worked scores, ties, missing data, the settings file and the command.

Four firms, two indicators (亩均税收 weight 60, 亩均增加值 weight 40), cap 1.5, classes 25% each:

| firm | 亩 | 税收 | 增加值 | 亩均税收 | 亩均增加值 |
| F1 | 10 | 100 | 400 | 10 | 40 |
| F2 | 20 | 100 | 400 | 5 | 20 |
| F3 | 10 | 300 | 600 | 30 | 60 |
| F4 | 5 | 25 | 100 | 5 | 20 |

Benchmarks = totals' ratios: 525 / 45 = 11.6667 万元/亩, 1500 / 45 = 33.3333 万元/亩.
F1 = 60 × 10/11.6667 + 40 × 40/33.3333 = 51.4286 + 48 = 99.4286;
F2 = F4 = 60 × 0.428571 + 40 × 0.6 = 25.7143 + 24 = 49.7143;
F3 = 60 × min(2.571, 1.5) + 40 × min(1.8, 1.5) = 90 + 60 = 150.
Ranks: F3 1 (A), F1 2 (B), F2 and F4 both 3 (C); no D.
"""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from domain.scorecard import Indicator, ScorecardSettings, benchmarks, score_firms
from geodata.scorecard import load_settings, scorecard_table
from reports import cli

SETTINGS = ScorecardSettings(
    title="测试设置",
    indicators=(
        Indicator("tax_per_mu", "亩均税收", "万元/亩", 60, "tax_wan", "area_mu"),
        Indicator("value_added_per_mu", "亩均增加值", "万元/亩", 40, "value_added_wan", "area_mu"),
    ),
    cap=1.5,
    shares={"A": 0.25, "B": 0.25, "C": 0.25},
)
FIRMS = [
    {"firm": "F1", "area_mu": 10, "tax_wan": 100, "value_added_wan": 400},
    {"firm": "F2", "area_mu": 20, "tax_wan": 100, "value_added_wan": 400},
    {"firm": "F3", "area_mu": 10, "tax_wan": 300, "value_added_wan": 600},
    {"firm": "F4", "area_mu": 5, "tax_wan": 25, "value_added_wan": 100},
]


def test_hand_worked_scores_ranks_and_classes():
    assert benchmarks(FIRMS, SETTINGS) == pytest.approx({"tax_per_mu": 525 / 45, "value_added_per_mu": 1500 / 45})
    scores = {s.firm: s for s in score_firms(FIRMS, SETTINGS)}
    assert scores["F1"].total == pytest.approx(99.4286, abs=1e-4)
    assert scores["F2"].total == pytest.approx(49.7143, abs=1e-4) == scores["F4"].total
    assert scores["F3"].total == pytest.approx(150) and scores["F3"].scores == {
        "tax_per_mu": 90,
        "value_added_per_mu": 60,
    }
    assert [(s.firm, s.rank, s.grade) for s in score_firms(FIRMS, SETTINGS)] == [
        ("F3", 1, "A"), ("F1", 2, "B"), ("F2", 3, "C"), ("F4", 3, "C")]  # fmt: skip


def test_a_missing_figure_scores_zero_and_is_named():
    firms = [*FIRMS, {"firm": "F5", "area_mu": 0, "tax_wan": 10, "value_added_wan": None}]
    f5 = next(s for s in score_firms(firms, SETTINGS) if s.firm == "F5")
    assert (f5.total, f5.missing, f5.grade) == (0, ("亩均税收", "亩均增加值"), "D")
    assert benchmarks(firms, SETTINGS)["tax_per_mu"] == pytest.approx(525 / 45)  # F5 not in the benchmark


def test_the_default_settings_say_what_they_are():
    s = load_settings()
    assert "可配置" in s.title and "浙江" in s.title and "非山西省官方办法" in s.title
    assert sum(i.weight for i in s.indicators) == 100 and not s.problems()
    assert [i.label for i in s.indicators][:2] == ["亩均税收", "亩均增加值"]


def test_a_broken_settings_file_is_refused_in_chinese(tmp_path):
    bad = tmp_path / "s.toml"
    bad.write_text('title = "x"\ncap = 1.5\n[shares]\nA = 0.6\nB = 0.6\n[[indicators]]\nkey="k"\nlabel="l"\n'
                   'unit="u"\nweight=10\nnumerator="a"\ndenominator="b"\n', encoding="utf-8")  # fmt: skip
    with pytest.raises(ValueError, match="比例之和不能超过 100%"):
        load_settings(bad)
    bad.write_text("title = ", encoding="utf-8")
    with pytest.raises(ValueError, match="无法读取"):
        load_settings(bad)


def test_the_command_writes_the_ranked_workbook(tmp_path, monkeypatch):
    settings = tmp_path / "s.toml"
    settings.write_text(
        'title = "测试：可配置"\ncap = 1.5\n[shares]\nA = 0.25\nB = 0.25\nC = 0.25\n'
        '[[indicators]]\nkey="tax_per_mu"\nlabel="亩均税收"\nunit="万元/亩"\nweight=60\nnumerator="tax_wan"\n'
        'denominator="area_mu"\n[[indicators]]\nkey="va"\nlabel="亩均增加值"\nunit="万元/亩"\nweight=40\n'
        'numerator="value_added_wan"\ndenominator="area_mu"\n',
        encoding="utf-8",
    )
    source = tmp_path / "企业.xlsx"
    pd.DataFrame(
        {"企业": ["F1", "F2", "F3", "F4"], "用地面积（亩）": [10, 20, 10, 5], "实缴税金（万元）": [100, 100, 300, 25],
         "工业增加值（万元）": [400, 400, 600, 100]}
    ).to_excel(source, index=False)  # fmt: skip
    out = tmp_path / "评价.xlsx"
    assert cli.main(["scorecard", "--input", str(source), "--out", str(out), "--settings", str(settings)]) == 0
    wb = load_workbook(out)
    assert wb["说明"]["B2"].value == "测试：可配置"
    rows = list(wb["评价结果"].iter_rows(values_only=True))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert (first["企业"], first["总分"], first["类别"]) == ("F3", 150, "A 优先发展")
    second = dict(zip(header, rows[2], strict=True))
    assert (second["企业"], second["总分"], second["亩均税收（万元/亩）"]) == ("F1", 99.43, 10)
    assert scorecard_table(pd.read_excel(source, engine="openpyxl"), SETTINGS)["类别"].tolist() == [
        "A 优先发展", "B 提升发展", "C 调控帮扶", "C 调控帮扶"]  # fmt: skip
