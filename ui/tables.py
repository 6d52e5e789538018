"""A chart or table with its numbers downloadable as Excel."""

from __future__ import annotations

import hashlib

import altair as alt
import pandas as pd
import streamlit as st

from domain.labels import label
from geodata.io.export import export_filename, tables_xlsx
from ui.exports import XLSX

SELECTED_ROW_STYLE = "background-color: #d9f6fb; font-weight: 600"


def formatted(table: pd.DataFrame):
    """``table`` for st.dataframe: thousands separators, 2 decimals for fractional numbers, — for missing.

    st.dataframe draws a null cell as "None" whatever the Styler's ``na_rep``, so a column with missing cells
    becomes text here, its numbers written as the Styler writes them and — in the gaps: one type per column, as
    Arrow needs (a column of numbers and — made Streamlit log a conversion traceback on every run and turn it
    into text itself)."""
    shown = table.copy()
    for name in shown.columns:
        column = shown[name]
        missing = column.isna()
        if not missing.any():
            continue
        if pd.api.types.is_integer_dtype(column):
            text = column.map(lambda v: f"{int(v):,}" if pd.notna(v) else None)
        elif pd.api.types.is_float_dtype(column):
            text = column.map(lambda v: f"{v:,.2f}" if pd.notna(v) else None)
        else:
            text = column.map(lambda v: v if isinstance(v, str) or pd.isna(v) else str(v))
        shown[name] = text.astype(object).where(~missing, label("unknown"))
    return shown.style.format(precision=2, thousands=",", na_rep=label("unknown"))


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
    table = page_of(table, key, selected_id)
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


PAGE_ROWS = 200  # rows sent to the browser at once; a province's 100 000 parcels are paged on the server
UNSORTED = "原顺序"


def page_of(table: pd.DataFrame, key: str, selected_id: str | None = None) -> pd.DataFrame:
    """The rows of ``table`` to show: all when few, else a searchable, sortable page of :data:`PAGE_ROWS`.

    Search and sort run on the server over every row; the count and 亩 of the whole
    (filtered) table are said beside the page; a record selected elsewhere (the map)
    is searched for and its page shown, so it is never hidden on another page.
    """
    if len(table) <= PAGE_ROWS:
        return table
    query = st.text_input("在表中查找（名称或编号）", key=f"{key}_find", placeholder="输入名称或编号的一部分")
    found = table
    if query.strip():
        text = table.index.astype(str).str.contains(query.strip(), regex=False)
        for column in table.columns[:2]:
            text |= table[column].astype(str).str.contains(query.strip(), regex=False, na=False)
        found = table[text]
    c1, c2, c3, c4 = st.columns([1, 1.2, 0.9, 1.5])
    order = c2.selectbox("排序", [UNSORTED, *map(str, table.columns)], key=f"{key}_sort")
    descending = c3.toggle("降序", key=f"{key}_desc")
    if order != UNSORTED:
        column = next(c for c in table.columns if str(c) == order)
        found = found.sort_values(column, ascending=not descending, kind="stable", na_position="last")
    pages = max(1, -(-len(found) // PAGE_ROWS))
    page_key, seen_key = f"{key}_page", f"{key}_page_for"
    if selected_id is not None and selected_id != st.session_state.get(seen_key) and selected_id in found.index:
        st.session_state[page_key] = found.index.get_loc(selected_id) // PAGE_ROWS + 1  # go to the selection
    st.session_state[seen_key] = selected_id
    if st.session_state.get(page_key, 1) > pages:
        st.session_state[page_key] = pages
    page = c1.number_input(f"页（共 {pages:,} 页）", min_value=1, max_value=pages, step=1, key=page_key)
    mu = next((c for c in table.columns if "亩" in str(c)), None)
    total = f"，{pd.to_numeric(found[mu], errors='coerce').sum():,.2f} 亩" if mu else ""
    c4.caption(f"共 {len(found):,} 条{total}；每页 {PAGE_ROWS} 条。点地图上的要素会自动翻到它所在的页。")
    return found.iloc[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]


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
