"""The 亩均效益 scorecard's settings file and the firms' table (rules: :mod:`domain.scorecard`).

Settings: ``$ZONEMAP_SCORECARD`` (a TOML file) or the default
``geodata/scorecard_default.toml`` — Zhejiang's 亩均论英雄 indicators with example
weights, labelled as configurable, not Shanxi's official method. Firms: one row
per firm and year, with Chinese headers (:data:`INPUT_COLUMNS`) as an office keeps
them in Excel; :func:`scorecard_table` gives the ranked table with the settings'
title, every indicator's value and score, the total and the class.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pandas as pd

from domain.evaluation import INDICATORS, EvaluationSettings, ZoneIndicator
from domain.scorecard import CLASS_NAMES, Indicator, ScorecardSettings, score_firms
from geodata.settings import raw as setting

DEFAULT_PATH = Path(__file__).with_name("scorecard_default.toml")
INPUT_COLUMNS = {
    "企业": "firm",
    "用地面积（亩）": "area_mu",
    "实缴税金（万元）": "tax_wan",
    "工业增加值（万元）": "value_added_wan",
    "年平均职工人数（人）": "employees",
    "综合能耗（吨标准煤）": "energy_tce",
    "排放当量（吨）": "emission_t",
    "研发经费（万元）": "rd_wan",
    "营业收入（万元）": "revenue_wan",
}


def _path(path: str | os.PathLike | None) -> Path:
    return Path(path or setting("ZONEMAP_SCORECARD") or DEFAULT_PATH)


def load_settings(path: str | os.PathLike | None = None) -> ScorecardSettings:
    """The settings at ``path``, ``$ZONEMAP_SCORECARD`` or the default; ValueError (Chinese) when unusable."""
    path = _path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        settings = ScorecardSettings(
            title=str(raw["title"]),
            indicators=tuple(Indicator(**i) for i in raw["indicators"]),
            cap=float(raw.get("cap", 1.5)),
            shares={k: float(v) for k, v in raw.get("shares", {}).items()},
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"亩均效益评价设置文件“{path.name}”无法读取或缺少项目（title、indicators）") from exc
    problems = settings.problems()
    if problems:
        raise ValueError(f"亩均效益评价设置文件“{path.name}”有误：{'；'.join(problems)}")
    return settings


ZONE_PART, ENTERPRISE_PART = "zone", "enterprise"


def load_evaluation(path: str | os.PathLike | None = None) -> tuple[EvaluationSettings, ScorecardSettings]:
    """The 开发区年度考核 settings (``[zone]``) and the 用地企业 classes' (``[enterprise]``) of the one settings
    file (``path``, ``$ZONEMAP_SCORECARD`` or the default); ValueError with a Chinese sentence when unusable."""
    path = _path(path)
    where = f"考核设置文件“{path.name}”"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        zone, firm = raw[ZONE_PART], raw[ENTERPRISE_PART]
        zone_settings = EvaluationSettings(
            title=str(zone["title"]),
            indicators=tuple(ZoneIndicator(**i) for i in zone["indicators"]),
            cutoffs={k: float(v) for k, v in zone["cutoffs"].items()},
            min_coverage=float(zone.get("min_coverage", 0.6)),
        )
        firm_settings = ScorecardSettings(
            title=str(firm["title"]),
            indicators=tuple(Indicator(**i) for i in firm["indicators"]),
            cap=float(firm.get("cap", 1.5)),
            shares={k: float(v) for k, v in firm.get("shares", {}).items()},
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(
            f"{where}无法读取或缺少项目（[zone] 的 title、indicators、cutoffs，[enterprise] 的 title、indicators）"
        ) from exc
    problems = zone_settings.problems() + firm_settings.problems()
    unknown = [i.key for i in zone_settings.indicators if i.key not in INDICATORS]
    if unknown:
        problems.append(f"未知的考核指标“{'、'.join(unknown)}”（可用：{'、'.join(INDICATORS)}）")
    if problems:
        raise ValueError(f"{where}有误：{'；'.join(problems)}")
    return zone_settings, firm_settings


def scorecard_table(firms: pd.DataFrame, settings: ScorecardSettings) -> pd.DataFrame:
    """``firms`` (Chinese headers of :data:`INPUT_COLUMNS`) scored and ranked, best first."""
    records = firms.rename(columns=INPUT_COLUMNS).to_dict("records")
    rows = []
    for s in score_firms(records, settings):
        row = {"排名": s.rank, "企业": s.firm, "总分": round(s.total, 2), "类别": f"{s.grade} {CLASS_NAMES[s.grade]}"}
        for ind in settings.indicators:
            value = s.values[ind.key]
            row[f"{ind.label}（{ind.unit}）"] = None if value is None else round(value, 4)
            row[f"{ind.label}得分（权重{ind.weight:g}）"] = round(s.scores[ind.key], 2)
        row["缺少数据"] = "、".join(s.missing)
        rows.append(row)
    return pd.DataFrame(rows)
