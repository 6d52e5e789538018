"""A chart or table with its numbers downloadable as Excel."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from geodata.io.export import export_filename, tables_xlsx
from ui.exports import XLSX

SELECTED_ROW_STYLE = "background-color: #d9f6fb; font-weight: 600"


def pick_from_table(table: pd.DataFrame, key: str, state_key: str, layer: str = "parcels") -> str | None:
    """Show ``table`` with single-row selection; a new pick becomes the selection.

    Returns the picked id when the user picked a row in this run. The row of the
    current selection (also when chosen on the map) is highlighted.
    """
    current = st.session_state.get(state_key)
    selected_id = current[1] if current and current[0] == layer else None
    styled = table.style.apply(
        lambda row: [SELECTED_ROW_STYLE if row.name == selected_id else ""] * len(row), axis=1
    ).format(precision=2, thousands=",", na_rep="—")
    event = st.dataframe(styled, key=key, on_select="rerun", selection_mode="single-row", height=430, width="stretch")
    rows = list(event.selection.rows)
    seen = f"{key}__rows"
    if rows != st.session_state.get(seen):
        st.session_state[seen] = rows
        if rows and rows[0] < len(table):
            picked = str(table.index[rows[0]])
            st.session_state[state_key] = (layer, picked)
            return picked
    return None


def chart_with_data(chart: alt.Chart | None, table: pd.DataFrame, name: str, key: str) -> None:
    """Draw ``chart`` (if any) and offer ``table`` — the chart's numbers — as an .xlsx download."""
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    st.download_button(
        f"下载数据（Excel）：{name}",
        lambda: tables_xlsx([(name, table)]),
        export_filename(name, "xlsx"),
        XLSX,
        key=key,
        on_click="ignore",
    )
