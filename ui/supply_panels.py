"""Widgets of the 标准地供给 page: headline figures, the linked parcel table, indicator formatting."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from domain.labels import label
from domain.supply import SUPPLIED
from ui.format import fmt_number

SELECTED_ROW_STYLE = "background-color: #d9f6fb; font-weight: 600"


def supply_metrics(parcels: pd.DataFrame) -> None:
    """宗 and 亩 of the filtered parcels: all, 具备供地条件 now, listed, supplied."""
    stage = parcels["pipeline_stage"]
    groups = [
        ("地块（宗）", parcels),
        ("具备供地条件（宗）", parcels[stage == "supply_ready"]),
        ("已挂牌（宗）", parcels[stage == "listed"]),
        ("已供应（宗）", parcels[stage.isin(SUPPLIED)]),
        ("其中标准地（宗）", parcels[parcels["is_standard_land"]]),
    ]
    for col, (title, part) in zip(st.columns(len(groups)), groups, strict=True):
        col.metric(
            title,
            f"{len(part)}",
            fmt_number(float(part["area_mu"].sum()), 2, "亩"),
            delta_color="off",
            delta_arrow="off",
        )


def pick_from_table(table: pd.DataFrame, key: str, state_key: str) -> str | None:
    """Show ``table`` with single-row selection; a new pick becomes the selection.

    Returns the picked id when the user picked a row in this run. The row of the
    current selection (also when chosen on the map) is highlighted.
    """
    current = st.session_state.get(state_key)
    selected_id = current[1] if current and current[0] == "parcels" else None
    styled = table.style.apply(
        lambda row: [SELECTED_ROW_STYLE if row.name == selected_id else ""] * len(row), axis=1
    ).format({"面积（亩）": "{:,.2f}"})
    event = st.dataframe(
        styled, key=key, on_select="rerun", selection_mode="single-row", height=430, use_container_width=True
    )
    rows = list(event.selection.rows)
    seen = f"{key}__rows"
    if rows != st.session_state.get(seen):
        st.session_state[seen] = rows
        if rows and rows[0] < len(table):
            picked = str(table.index[rows[0]])
            st.session_state[state_key] = ("parcels", picked)
            return picked
    return None


def land_use_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Rates as percentages and indicators rounded, for display."""
    out = table.copy()
    missing = label("unknown")
    for col in ("土地开发率", "土地供应率", "土地建成率"):
        out[col] = [missing if v is None or v != v else f"{v:.2%}" for v in out[col]]
    for col, digits in (("地块（宗）", 0), ("地块面积（亩）", 2), ("规划面积（亩）", 0), ("平均容积率", 2)):
        out[col] = [fmt_number(None if v is None else float(v), digits) for v in out[col]]
    for col in ("平均投资强度（万元/亩）", "平均亩均税收（万元/亩）"):
        out[col] = [fmt_number(None if v is None else float(v), 2) for v in out[col]]
    return out
