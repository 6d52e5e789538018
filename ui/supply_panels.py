"""Widgets of the 标准地供给 page: headline figures, the linked parcel table, indicator formatting."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.labels import label
from domain.supply import SUPPLIED
from ui.format import fmt_number


def supply_metrics(parcels: pd.DataFrame) -> None:
    """宗 and 亩 of the filtered parcels: all, 具备供地条件 and listed now (not cumulative), supplied."""
    stage = parcels["pipeline_stage"]
    groups = [
        ("地块（宗）", parcels),
        ("当前具备供地条件（宗）", parcels[stage == "supply_ready"]),
        ("当前已挂牌（宗）", parcels[stage == "listed"]),
        ("已供应（宗）", parcels[stage.isin(SUPPLIED)]),
        ("其中标准地（宗）", parcels[parcels["is_standard_land"]]),
    ]
    for col, (title, part) in zip(st.columns(len(groups)), groups, strict=True):
        col.metric(
            title,
            f"{len(part):,}",
            fmt_number(float(part["area_mu"].sum()), 2, "亩"),
            delta_color="off",
            delta_arrow="off",
        )


def land_use_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Rates as percentages and indicators rounded, for display."""
    out = table.copy()
    missing = label("unknown")
    for col in ("土地开发率", "土地供应率", "土地建成率"):
        out[col] = [missing if v is None or v != v else f"{v:.2%}" for v in out[col]]
    for col, digits in (
        ("地块（宗）", 0),
        ("地块面积（亩）", 2),
        ("具备供地条件及以后（亩）", 2),
        ("开发区土地总面积（亩）", 0),
        ("容积率（控制指标）", 2),
        ("投资强度（控制指标，万元/亩）", 2),
        ("亩均税收（控制指标，万元/亩）", 2),
    ):
        out[col] = [fmt_number(None if v is None or v != v else float(v), digits) for v in out[col]]
    return out
