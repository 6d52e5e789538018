"""标准地供给: parcel supply reviewed, edited and exported by the land bureau."""

import streamlit as st

from domain.indicators import BULLETIN, FORMULAS
from domain.labels import label
from geodata.query import apply_filters
from geodata.settings import required_assessments
from geodata.store import proposals as review
from layers.overview import build_map, pending_group, record_bounds
from stats.supply import (
    bulletin_table,
    development_rate_note,
    funnel,
    land_use_table,
    parcel_table,
    pipeline_by,
)
from ui.asof import asof_date, asof_note, view_as_of
from ui.auth import display_names, people_hidden, sidebar_login
from ui.bigmap import show_view_map
from ui.charts import funnel_chart
from ui.data import get_dataset, get_store
from ui.derived import view_table
from ui.exports import parcel_downloads
from ui.filters import parcel_style_select, sidebar_filters
from ui.format import shown_version
from ui.mapview import show_map, take_click
from ui.parcel_editor import checklists, edit_form, history_frame, history_panel
from ui.review_panel import review_panel
from ui.scope import may_edit, readonly_note
from ui.supply_panels import land_use_frame, supply_metrics
from ui.tables import formatted, page_of, pick_from_table
from ui.urlstate import restore_selection, restored_view
from ui.viewcache import is_large

SELECTED = "supply_selected"
# 名称, 面积 and 供地阶段 stay in view without scrolling sideways (the name pinned beside the id)
KEY_COLUMNS = {
    "名称": st.column_config.TextColumn(width="medium", pinned=True),
    "面积（亩）": st.column_config.NumberColumn(width="small"),
    "供地阶段": st.column_config.TextColumn(width=104),
}
MAP_KEY = "supply_map"
MAP_HEIGHT = 540  # the map ends within a 1366×768 screen (#26)

data = get_dataset()
store = get_store()
editor = sidebar_login()
filters = sidebar_filters(data, key="sup", projects=False, parcels=True)
day = asof_date("sup_asof")
st.sidebar.header("地图")
parcel_style = parcel_style_select()

st.title("标准地供给")
st.caption(
    "具备供地条件 = 基础设施达到三通一平（含土地平整）且必需的区域评估全部完成"
    f"（{'、'.join(label(f) for f in required_assessments())}），由各项标记自动判定，不可手工填写。边界为示意。"
)
if flash := st.session_state.pop("flash", None):
    st.success(flash)

view = view_as_of(data, apply_filters(data, filters), day)
if note := asof_note(view):
    st.info(note + "查看过去的日期时不能修改地块。")
parcels = view.parcels


def pending_overlay() -> list:
    """Parcels with changes waiting for review, outlined dashed (empty when there are none)."""
    group = pending_group(data.parcels, {p.record_id for p in review.pending(store, "parcels")})
    return [group] if group is not None else []


def show_supply_map(view, parcels, parcel_style: str, filters, shown) -> None:
    """The full map for data small enough to draw whole (see ui.bigmap.is_large)."""
    layers = {"admin": view.admin, "zones": view.zones, "parcels": parcels}
    fmap = build_map(
        layers,
        parcel_style=parcel_style,
        focus_bounds=st.session_state.get("supply_focus"),
        view=restored_view("supply", filters),
        url_view=True,
        legend_open=False,
    )
    show_map(fmap, data, MAP_KEY, shown, height=MAP_HEIGHT, in_url=True, overlays=pending_overlay(), fit=240)


tab_map, tab_flow, tab_rates, tab_log = st.tabs(["地块与地图", "供地流程", "开发区用地指标", "修改记录"])
with tab_map:
    restore_selection(SELECTED, lambda sel: sel[0] == "parcels" and sel[1] in set(data.parcels["parcel_id"]))
    take_click(MAP_KEY, SELECTED)
    table_col, map_col = st.columns([1.15, 1])
    with table_col:
        table = parcel_table(parcels)
        picked = pick_from_table(table, "supply_table", SELECTED, column_config=KEY_COLUMNS)
        if picked:
            st.session_state["supply_focus"] = record_bounds(data, "parcels", picked)
        parcel_downloads(parcels, data.zones)
    selection = st.session_state.get(SELECTED)
    shown = selection if selection and selection[1] in set(parcels["parcel_id"]) else None
    with map_col:
        if is_large(data):  # province scale: the shared viewport map
            show_view_map(data, view, MAP_KEY, parcel_style, focus=st.session_state.get("supply_focus"),
                          selection=shown, height=MAP_HEIGHT, legend_open=False,
                          overlays=pending_overlay())  # fmt: skip
        else:
            show_supply_map(view, parcels, parcel_style, filters, shown)

    if selection and selection[0] == "parcels":
        record, version = store.read_record("parcels", selection[1])
        if record is None:
            st.warning("所选地块已不在数据中。")
        else:
            st.subheader("地块详情")
            st.text(f"{record['name']}（{record['parcel_id']}）· 第 {shown_version(version)} 版")
            if shown is None:
                st.caption("该地块已不符合当前筛选条件，表格和地图中不再显示；详情与编辑仍针对该地块。")
            checklists(record)
            review_panel(store, "parcels", record["parcel_id"], editor, display_names())
            with st.expander("修改记录", expanded=False):
                history_panel(store, record["parcel_id"], editor)
            if view.asof is not None:
                st.caption(f"正在查看截至 {view.asof.isoformat()} 的数据：把侧栏“截至”改回今天后才能编辑。")
            elif editor and may_edit(editor, data.zones, record.get("zone_id")):
                with st.expander("编辑地块", expanded=True):
                    edit_form(store, record["parcel_id"], editor)
            elif editor:
                st.caption(readonly_note(editor))
            else:
                st.caption("登录后可编辑供应状态、基础设施与区域评估标记、控制指标和备注。")
    else:
        st.caption("在表格中选择一行，或点击地图上的地块，查看详情。")
    supply_metrics(parcels)  # below the table and map: the map starts within the first screen (#26)

with tab_flow:
    st.subheader("供地流程：储备 → 具备供地条件 → 已挂牌 → 已出让 → 已动工 → 已投产")
    st.caption(
        "累计达到：到过该阶段的地块，含已进入后续阶段的（条形与标注）；当前处于：现在停在该阶段的地块"
        "（与页首“当前”数字一致）。"
    )
    flow = view_table(data, view, "funnel", lambda: funnel(parcels))
    st.altair_chart(funnel_chart(flow), width="stretch")
    st.dataframe(formatted(flow.drop(columns="序号")), hide_index=True, width="stretch")
    st.markdown("**按开发区（当前所处阶段）**")
    st.dataframe(formatted(view_table(data, view, "pipeline_by:zone", lambda: pipeline_by(parcels, "zone"))),
                 hide_index=True, width="stretch")  # fmt: skip
    st.markdown("**按市（当前所处阶段）**")
    st.dataframe(formatted(view_table(data, view, "pipeline_by:city", lambda: pipeline_by(parcels, "city"))),
                 hide_index=True, width="stretch")  # fmt: skip

with tab_rates:
    st.subheader("开发区土地集约利用指标（由地块计算）")
    rates = view_table(data, view, "land_use_table", lambda: land_use_table(parcels, view.zones))
    st.dataframe(land_use_frame(rates), hide_index=True, width="stretch")
    if note := development_rate_note(rates):
        st.warning(note)
    st.caption(
        "土地开发率须有开发区土地总面积（此处取规划面积），未知的记为“—”。容积率、投资强度、亩均税收为地块控制指标"
        "（出让时约定，含未建地块），不与通报的建成用地实际值比较。"
    )
    st.markdown(f"**全国通报值**：{BULLETIN}")
    st.dataframe(bulletin_table(), hide_index=True, width="stretch")
    with st.expander("计算公式"):
        st.markdown("\n".join(f"- {text}" for text in FORMULAS.values()))

with tab_log:
    st.subheader("全部修改记录")
    log = store.history("parcels")
    if log.empty:
        st.caption("暂无修改记录。")
    else:
        shown = people_hidden(history_frame(log, display_names()), editor)
        st.dataframe(page_of(shown, "supply_log"), hide_index=True, width="stretch")
