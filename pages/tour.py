"""观摩会: present a zone stop by stop on a projector, and take the tour away as one offline file."""

import streamlit as st
import streamlit.components.v1 as components

from domain.tours import Tour, new_tour_id
from reports.tour_html import tour_html
from ui.auth import sidebar_login
from ui.chrome import PRESENT_KEY, STAGE_KEY, TOUR_FIT, presenting_css
from ui.data import get_dataset, get_store
from ui.derived import per_version
from ui.tour_editor import NEW, exports, still_open, tour_editor

# The frame's height until the page's CSS sizes it (ui.chrome): the window less what is above the frame when not
# presenting, the whole screen when presenting. The tour inside is laid out in proportions of its frame (vw, vh),
# so there is no screen size to choose.
HEIGHT = 720

data = get_dataset()
store = get_store()
editor = sidebar_login()
stored = {t.tour.tour_id: t for t in store.list_tours()}
tours = {k: t.tour for k, t in stored.items()}
if editor:
    tours |= still_open(tours)
choices = list(tours) + ([NEW] if editor else [])
names = {k: t.title for k, t in tours.items()} | {NEW: "＋ 新建路线"}
present = bool(st.session_state.get(PRESENT_KEY))

if not present:
    st.title("观摩会")
if flash := st.session_state.pop("flash", None):
    st.success(flash)
if not choices:
    st.info("数据中还没有观摩路线。登录后可新建。")
    st.stop()
if present:  # the tour fills the screen; only the switch back stays, in a corner
    tour_id = st.session_state.get("tour_pick") if st.session_state.get("tour_pick") in choices else choices[0]
    st.session_state["tour_pick"] = tour_id
else:  # route and 演示模式 on one row: the map starts within the first screen (#26)
    pick_col, present_col = st.columns([2.2, 2.2], vertical_alignment="bottom")
    tour_id = pick_col.selectbox("观摩路线", choices, format_func=names.get, key="tour_pick", placeholder="选择路线")
tour = tours.get(tour_id) or Tour(new_tour_id(tours), "新观摩路线", ())

if tour.stops:
    if present:
        st.markdown(presenting_css(), unsafe_allow_html=True)  # constant CSS: no data in it
        st.toggle("演示模式", key=PRESENT_KEY)
        with st.container(key=STAGE_KEY):
            html = per_version(data, f"tour_html:present:{tour!r}", lambda: tour_html(tour, data, listen_parent=True))
            components.html(html, height=HEIGHT)
        st.stop()
    present_col.toggle("演示模式", key=PRESENT_KEY, help="地图与站点信息铺满屏幕；再次点击右上角开关退出")
    with st.container(key=f"zm_fit_{TOUR_FIT}_tour"):  # as tall as the window allows: the nav buttons in view
        components.html(per_version(data, f"tour_html:{tour!r}", lambda: tour_html(tour, data)), height=HEIGHT)
    st.caption(
        "翻页：按钮、← → 方向键、空格或翻页笔的 PageUp/PageDown（演示模式下在整个页面有效，输入框中的按键除外）；"
        "F 或“全屏”按钮切换浏览器全屏；地图平滑移动到每一站并勾出该站。"
    )
    with st.expander("导出：离线演示文件与一页纸", expanded=True):
        exports(tour, data, editor)
if editor:
    with st.expander("编辑路线", expanded=not tour.stops):
        tour_editor(store, data, tour, editor, stored[tour_id].version if tour_id in stored else 0, slot=tour_id)
elif not tour.stops:
    st.info("该路线还没有站点。")
