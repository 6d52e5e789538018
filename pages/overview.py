"""总览地图: zones, parcels and 三个一批 projects on one map, filtered from the sidebar."""

import streamlit as st

from geodata.query import apply_filters, search, summarize
from layers.basemaps import basemap_options
from layers.overview import build_map, record_bounds
from stats.supply import province_figures_table
from ui.asof import ASOF_STYLE, asof_date, asof_note, map_parcels, view_as_of
from ui.auth import sidebar_login
from ui.bigmap import show_view_map
from ui.data import get_dataset, tianditu_token
from ui.filters import parcel_style_select, sidebar_filters
from ui.mapview import show_map, take_click
from ui.panels import detail_panel, find_record, summary_strip
from ui.search import hit_choices
from ui.urlstate import restore_selection, restored_view
from ui.viewcache import is_large

MAP_HEIGHT = 560  # below a compact title it ends inside a 1366×768 screen

data = get_dataset()
sidebar_login()  # every page offers sign-in (#26)
filters = sidebar_filters(data, leaders=True)  # 链主企业 on the overview (#26)
day = asof_date("ov_asof")
st.sidebar.header("地图")
parcel_style = parcel_style_select()
token = tianditu_token()
options = basemap_options(token)
basemap = st.sidebar.selectbox("底图", list(options), format_func=options.get, placeholder="选择底图")

st.sidebar.header("搜索")
query = st.sidebar.text_input(
    "搜索", key="search_q", placeholder="名称、地块编号、宗地代码、电子监管号、项目编号或企业"
)
hits = search(data, query)
if query and not hits:
    st.sidebar.info("没有找到名称、编号、宗地代码、电子监管号或企业包含该文字的开发区、地块或项目。")
if hits:
    names = hit_choices(hits)
    choice = st.sidebar.selectbox(
        "搜索结果", list(names), format_func=names.get, index=None, placeholder="选择后在地图上定位"
    )
    if choice and st.session_state.get("searched") != choice:
        layer, rid = choice.split(":", 1)
        st.session_state["searched"] = choice
        st.session_state["selected"] = (layer, rid)
        st.session_state["focus"] = record_bounds(data, layer, rid)

st.title("总览地图")
st.caption(
    "边界为示意：开发区边界、地块形状与项目位置均为示意（字段“边界/位置来源”= 示意）；"
    "标注“示例”的记录为演示用虚构数据。"
)
today_view = apply_filters(data, filters)
view = view_as_of(data, today_view, day)  # figures and map as the records stood at the end of that day
drawn = map_parcels(data, today_view, day)  # None today
if drawn is not None:
    parcel_style = ASOF_STYLE
if note := asof_note(view):
    st.info(note)

restore_selection("selected", lambda sel: find_record(data, *sel) is not None)
take_click("overview_map")
selection = st.session_state.get("selected")

# The map comes first (it starts within a 1366×768 screen, #26) and takes the width; the record's details open
# beside it only when something is selected; the figures follow below.
map_col, *detail_col = st.columns([3, 1.1]) if selection else st.columns(1)
with map_col:
    if is_large(data):
        show_view_map(data, view, "overview_map", parcel_style, basemap, token, st.session_state.get("focus"),
                      selection, parcels=drawn, height=MAP_HEIGHT)  # fmt: skip
    else:
        fmap = build_map(
            view.layers() | ({} if drawn is None else {"parcels": drawn}),
            parcel_style=parcel_style,
            basemap=basemap,
            tianditu_token=token,
            focus_bounds=st.session_state.get("focus"),
            view=restored_view("overview", filters),
            url_view=True,
        )
        show_map(fmap, data, "overview_map", selection, height=MAP_HEIGHT, in_url=True, fit=160)
if detail_col:
    with detail_col[0]:
        detail_panel(data, selection, view)
        if st.button("关闭详情", key="close_detail"):
            st.session_state["selected"] = None
            st.session_state.pop("focus", None)
            st.session_state.pop("searched", None)
            st.rerun()

summary_strip(summarize(view))
with st.expander("全省公开数据（与本数据对照）", expanded=False):
    st.caption(
        "“数值”为报道公布的全省数字，附时点与出处；“本数据”为当前数据（不受侧栏筛选影响）的统计。"
        "内置示例数据只含公开报道点名的开发区，其余地块和项目为标注“示例”的虚构记录，不代表全省。"
    )
    st.dataframe(province_figures_table(data.zones, data.parcels), hide_index=True, width="stretch")
