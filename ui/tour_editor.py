"""Building and reordering 观摩会 tours (editors only) and the export buttons."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from domain.tours import Stop, Tour
from geodata.dataset import Dataset
from geodata.edits import ConflictError, EditError
from geodata.io.export import export_filename
from geodata.query import search
from geodata.store import Store, StoreError
from geodata.tours import EDIT_COLUMNS, LAYER_NAMES, stops_frame, tour_from_frame, tour_problems
from reports.renderer import Busy, RenderError
from reports.tour_html import tour_html
from reports.tour_onepager import onepager_html, render
from ui.format import md
from ui.scope import editor_scope

NEW = "__new__"


def add_stop_picker(data: Dataset, tour: Tour, key: str) -> Tour:
    """Search a zone, parcel or project by name and append it as a stop."""
    text = st.text_input("按名称查找要加入的开发区、地块或项目", key=f"{key}_q")
    hits = search(data, text)
    if not hits:
        return tour
    options = {f"{layer}:{rid}": f"{LAYER_NAMES[layer]}｜{name}" for layer, rid, name in hits}
    choice = st.selectbox("查找结果", list(options), format_func=options.get, key=f"{key}_hit", placeholder="选择一项")
    if st.button("加入为最后一站", key=f"{key}_add"):
        layer, rid = choice.split(":", 1)
        name = options[choice].split("｜", 1)[1]
        return Tour(tour.tour_id, tour.title, (*tour.stops, Stop(layer, rid, name)))
    return tour


def tour_editor(store: Store, data: Dataset, tour: Tour, editor: dict, version: int) -> None:
    """Edit title and stops (reorder with 顺序), validate, save into the store against ``version`` (0: new)."""
    key = f"tour_{tour.tour_id}_{version}"
    pending = st.session_state.get(f"{key}_pending", tour)
    title = st.text_input("路线名称", value=pending.title, key=f"{key}_title")
    pending = add_stop_picker(data, Tour(pending.tour_id, title, pending.stops), key)
    st.session_state[f"{key}_pending"] = pending
    edited = st.data_editor(
        stops_frame(pending),
        key=f"{key}_stops_{len(pending.stops)}",
        num_rows="dynamic",
        hide_index=True,
        column_order=EDIT_COLUMNS,
        column_config={
            "顺序": st.column_config.NumberColumn(help="改数字即可调整顺序", step=1),
            "类型": st.column_config.SelectboxColumn(options=list(LAYER_NAMES.values()), required=True),
            "缩放": st.column_config.NumberColumn(min_value=5, max_value=19, step=1, help="留空则自动适配"),
        },
        width="stretch",
    )
    c1, c2 = st.columns([1, 1])
    if c1.button("保存路线", type="primary", key=f"{key}_save"):
        new = tour_from_frame(pending.tour_id, title, edited)
        problems = tour_problems(new, data)
        if problems:
            for p in problems:
                st.error(md(p))
            return
        _saved(
            lambda: store.save_tour(new, editor["username"], version, scope=editor_scope(editor)),
            f"已保存路线（{len(new.stops)} 站）。",
            key,
        )
    if version and c2.button("删除路线", key=f"{key}_delete"):
        _saved(
            lambda: store.delete_tour(tour.tour_id, editor["username"], version, scope=editor_scope(editor)),
            f"已删除路线“{tour.title}”。",
            key,
        )


def _saved(write, flash: str, key: str) -> None:
    """Run a tour write; on a conflict say so and keep the editor's changes on screen."""
    try:
        write()
    except ConflictError as exc:
        st.error(f"{md(exc)} 请刷新页面查看最新内容后再修改。")
        return
    except (EditError, StoreError) as exc:
        st.error(md(exc))
        return
    st.session_state.pop(f"{key}_pending", None)
    st.session_state["flash"] = flash
    st.rerun()


def exports(tour: Tour, data: Dataset, editor: dict | None) -> None:
    """The offline HTML tour and a one-pager per stop: HTML to print for everyone, PNG/PDF for editors.

    Rendering runs a headless Chromium on the server (one shared, a few pages at
    a time, :mod:`reports.renderer`): costly work, so visitors get the HTML only.
    """
    st.download_button(
        "下载离线演示文件（单个 HTML，拷到 U 盘即可在任何电脑浏览器打开）",
        lambda: tour_html(tour, data).encode(),
        export_filename(tour.title, "html"),
        "text/html",
        key="tour_dl_html",
        on_click="ignore",
    )
    titles = {i: f"第 {i + 1} 站：{s.title}" for i, s in enumerate(tour.stops)}
    i = st.selectbox(
        "一页纸（A4 横版）", list(titles), format_func=titles.get, key="tour_page_pick", placeholder="选择站点"
    )
    c1, c2 = st.columns(2)
    c1.download_button(
        "下载打印版 HTML",
        lambda: onepager_html(tour, i, data).encode(),
        export_filename(f"{tour.title}_第{i + 1}站", "html"),
        "text/html",
        key="tour_dl_page",
        on_click="ignore",
    )
    if not editor:
        c2.caption("生成 PNG/PDF 需要登录（侧栏“编辑权限”）；打印版 HTML 可在浏览器中打印为 PDF（A4 横向）。")
        return
    fmt = c2.radio("格式", ["PNG", "PDF"], horizontal=True, key="tour_page_format", label_visibility="collapsed")
    wanted = (tour, i, fmt)
    if c2.button(f"生成 {fmt}", key="tour_render"):
        with st.spinner(f"正在生成 {fmt}…"):
            try:
                st.session_state["tour_rendered"] = (wanted, render_bytes(onepager_html(tour, i, data), fmt.lower()))
            except Busy as exc:
                st.warning(md(exc))
            except RenderError as exc:
                st.error(md(exc))
    done = st.session_state.get("tour_rendered")
    if done and done[0] == wanted:  # only the file of the stop and format now picked
        if fmt == "PNG":
            st.image(done[1], caption=titles[i])
        mime = "image/png" if fmt == "PNG" else "application/pdf"
        st.download_button(
            f"下载 {fmt}",
            done[1],
            export_filename(f"{tour.title}_第{i + 1}站", fmt.lower()),
            mime,
            key="tour_dl_rendered",
        )


def render_bytes(html: str, kind: str) -> bytes:
    """The one-pager rendered to PNG or PDF bytes (see :func:`reports.tour_onepager.render`)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"page.{kind}"
        render(html, out)
        return out.read_bytes()
