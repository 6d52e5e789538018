"""The 开发区年度考核 as an Excel workbook: 说明 (settings), 排名, 各开发区指标卡, 用地企业分类."""

from __future__ import annotations

import pandas as pd

from domain.evaluation import NO_CLASS_NAME, class_label, weights_text
from geodata.io.export import tables_xlsx
from stats.evaluation import Evaluation, ranking_table, zone_card


def settings_table(ev: Evaluation) -> pd.DataFrame:
    """The settings in words: the title that says they are configurable, weights, cut-offs, the missing-data rule."""
    s = ev.settings
    cuts = "，".join(f"{class_label(c)} ≥ {s.cutoffs[c]:g} 分" for c in ("A", "B", "C"))
    rows = [
        ("说明", s.title),
        (
            "考核年度",
            f"{ev.year}年（按 {ev.day.isoformat()} 北京时间24时的数据；实缴税金、营业收入取实绩年度为该年的填报数）",
        ),
        ("权重", weights_text(s.indicators)),
        ("单项得分", "权重 × min(指标值 ÷ 目标值, 1)；目标值为“全省平均”的，取当年参评开发区合计之比"),
        ("缺少数据", "不得分并列出；总分按有数据指标的权重折算为百分制，同时给出数据覆盖率"),
        ("分类", f"{cuts}，其余为 {class_label('D')}；数据覆盖率低于 {s.min_coverage:.0%} 的为“{NO_CLASS_NAME}”"),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"])


def cards_table(ev: Evaluation) -> pd.DataFrame:
    """Every zone's card, one block per zone in ranking order."""
    parts = [zone_card(ev, s.zone).assign(开发区=ev.names[s.zone]) for s in ev.scores]
    if not parts:
        return pd.DataFrame()
    cards = pd.concat(parts, ignore_index=True)
    return cards[["开发区", *[c for c in cards.columns if c != "开发区"]]]


def evaluation_xlsx(ev: Evaluation, firms: pd.DataFrame) -> bytes:
    """The workbook's bytes (text never a formula: :func:`geodata.io.export.tables_xlsx`)."""
    return tables_xlsx(
        [
            ("说明", settings_table(ev)),
            ("排名", ranking_table(ev)),
            ("指标卡", cards_table(ev)),
            ("用地企业分类", firms),
        ]
    )
