"""A chart or table with its numbers downloadable as Excel."""

from __future__ import annotations

import hashlib

import altair as alt
import pandas as pd
import streamlit as st

from geodata.io.export import export_filename, tables_xlsx
from ui.exports import XLSX

SELECTED_ROW_STYLE = "background-color: #d9f6fb; font-weight: 600"


def formatted(table: pd.DataFrame):
    """``table`` for st.dataframe: thousands separators, 2 decimals for fractional numbers, — for missing."""
    return table.style.format(precision=2, thousands=",", na_rep="—")


def _signature(ids: list[str]) -> str:
    return hashlib.sha1("\x1f".join(ids).encode()).hexdigest()[:10]


def pick_from_table(
    table: pd.DataFrame,
    key: str,
    state_key: str,
    layer: str = "parcels",
    height: int = 430,
    column_config: dict | None = None,
) -> str | None:
    """Show ``table`` with single-row selection; a new pick becomes the selection.

    The selection is a record id, never a row position: when the rows change
    (a filter, a save that moves a parcel to another stage) or the selection
    comes from elsewhere (the map), the table is drawn anew with the tick on the
    selected record's row, wherever it is now. The row of the current selection
    is also highlighted. Returns the picked id when the user picked a row in this run.
    """
    current = st.session_state.get(state_key)
    selected_id = current[1] if current and current[0] == layer else None
    ids = [str(i) for i in table.index]
    reported, anchor = f"{key}__reported", f"{key}__anchor"
    if selected_id != st.session_state.get(reported):  # chosen elsewhere: the tick must follow
        st.session_state[anchor] = selected_id
    widget_key = f"{key}_{_signature(ids)}_{_signature([str(st.session_state.get(anchor))])}"
    row = [ids.index(selected_id)] if selected_id in ids else []
    styled = table.style.apply(
        lambda r: [SELECTED_ROW_STYLE if str(r.name) == selected_id else ""] * len(r), axis=1
    ).format(precision=2, thousands=",", na_rep="—")  # as formatted()
    event = st.dataframe(
        styled,
        key=widget_key,
        on_select="rerun",
        selection_mode="single-row",
        selection_default={"selection": {"rows": row}},
        column_config=column_config,
        height=height,
        width="stretch",
    )
    rows = [r for r in event.selection.rows if r < len(ids)]
    picked = ids[rows[0]] if rows else None
    st.session_state[reported] = picked if picked is not None else selected_id
    if picked is not None and picked != selected_id:
        st.session_state[state_key] = (layer, picked)
        st.session_state[reported] = picked
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
