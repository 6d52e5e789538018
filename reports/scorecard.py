"""The 亩均效益 scorecard as an Excel workbook: 说明 (the settings' title, weights, cap, shares) and 评价结果."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from domain.scorecard import CLASS_NAMES, CLASSES, ScorecardSettings


def settings_rows(settings: ScorecardSettings) -> pd.DataFrame:
    """The settings in words, first row the title that says they are configurable."""
    rows = [("说明", settings.title), ("单项得分上限", f"权重 × {settings.cap:g}")]
    rows += [(f"指标：{i.label}", f"权重 {i.weight:g}，{i.unit}，基准为本批企业合计之比") for i in settings.indicators]
    shares, left = [], 1.0
    for c in CLASSES[:3]:
        share = settings.shares.get(c, 0.0)
        left -= share
        shares.append(f"{c} {CLASS_NAMES[c]} {share:.0%}")
    shares.append(f"D {CLASS_NAMES['D']} 其余（{max(left, 0):.0%}）")
    rows.append(("分类比例（按总分从高到低）", "，".join(shares)))
    return pd.DataFrame(rows, columns=["项目", "内容"])


def write_scorecard(table: pd.DataFrame, settings: ScorecardSettings, out: Path) -> Path:
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        settings_rows(settings).to_excel(xl, sheet_name="说明", index=False)
        table.to_excel(xl, sheet_name="评价结果", index=False)
    return Path(out)
