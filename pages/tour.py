"""观摩会: present a zone stop by stop on a projector, and take the tour away as one offline file."""

import streamlit as st
import streamlit.components.v1 as components

from geodata.tours import Tour, new_tour_id
from reports.tour_html import tour_html
from ui.auth import sidebar_login
from ui.data import get_dataset, get_store
from ui.tour_editor import NEW, exports, tour_editor

SIZES = {"1920×1080 投影": 960, "1280×720 投影": 640}
HIDE_SIDEBAR = "<style>[data-testid='stSidebar'],[data-testid='stHeader']{display:none}</style>"

data = get_dataset()
store = get_store()
editor = sidebar_login()
tours = {t.tour_id: t for t in store.list_tours()}
choices = list(tours) + ([NEW] if editor else [])
names = {k: t.title for k, t in tours.items()} | {NEW: "＋ 新建路线"}

st.title("观摩会")
if flash := st.session_state.pop("flash", None):
    st.success(flash)
if not choices:
    st.info("数据中还没有观摩路线。登录后可新建。")
    st.stop()
tour_id = st.selectbox("观摩路线", choices, format_func=names.get, key="tour_pick", placeholder="选择路线")
tour = tours.get(tour_id) or Tour(new_tour_id(tours), "新观摩路线", ())

if tour.stops:
    c1, c2 = st.columns([1, 3])
    present = c1.toggle("演示模式（隐藏侧栏，全宽）", key="tour_present")
    size = c2.radio("屏幕", list(SIZES), horizontal=True, key="tour_size")
    if present:
        st.markdown(HIDE_SIDEBAR, unsafe_allow_html=True)  # a constant: no data in it
    st.caption("翻页：按钮、← → 方向键、空格或翻页笔的 PageUp/PageDown；地图平滑移动到每一站。")
    components.html(tour_html(tour, data), height=SIZES[size], scrolling=False)
    with st.expander("导出：离线演示文件与一页纸", expanded=not present):
        exports(tour, data)
if editor:
    with st.expander("编辑路线", expanded=not tour.stops):
        tour_editor(store, data, tour, editor)
elif not tour.stops:
    st.info("该路线还没有站点。")
