"""Building and reordering 观摩会 tours (editors only) and the export buttons."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from domain.tours import Stop, Tour, tour_from_json
from geodata.dataset import Dataset
from geodata.edits import ConflictError, EditError
from geodata.io.export import export_filename
from geodata.query import search
from geodata.store import Store, StoreError
from geodata.tours import EDIT_COLUMNS, LAYER_NAMES, stops_frame, tour_from_frame, tour_problems
from reports.renderer import Busy, RenderError
from reports.tour_html import tour_html
from reports.tour_onepager import onepager_html, render
from ui.format import md, text_table
from ui.scope import editor_scope, editor_session
from ui.search import hit_choices

NEW = "__new__"


def add_stop_picker(data: Dataset, tour: Tour, key: str) -> Tour:
    """Search a zone, parcel or project by name or identifier and append it as a stop."""
    text = st.text_input("查找要加入的开发区、地块或项目（名称或编号）", key=f"{key}_q")
    hits = search(data, text)
    if not hits:
        return tour
    options = hit_choices(hits)
    choice = st.selectbox("查找结果", list(options), format_func=options.get, key=f"{key}_hit", placeholder="选择一项")
    if st.button("加入为最后一站", key=f"{key}_add"):
        layer, rid = choice.split(":", 1)
        name = next(hit.name for hit in hits if f"{hit.layer}:{hit.record_id}" == choice)
        return Tour(tour.tour_id, tour.title, (*tour.stops, Stop(layer, rid, name)))
    return tour


def tour_editor(store: Store, data: Dataset, tour: Tour, editor: dict, version: int, slot: str | None = None) -> None:
    """Edit title and stops (reorder with 顺序), validate, save into the store against the version first opened.

    ``tour`` and ``version`` are what is stored now (0: a new tour); ``slot`` is the page's choice (the tour id,
    or NEW). The editor keeps the tour and version it opened until it saves or reloads, like the parcel form: a
    save by someone else in between is a conflict shown with both contents, never overwritten or dropped.
    """
    slot = slot or tour.tour_id
    opened, base = st.session_state.setdefault(f"tour_base_{slot}", (tour, version))
    if version != base:
        now = "已被他人删除" if base and not version else f"已被他人保存（现为第 {version} 版）"
        st.warning(f"您打开第 {base} 版之后，这条路线{now}：保存时会列出双方的内容，不会覆盖。")
        _reload_button(slot, "stale")
    key = f"tour_{opened.tour_id}_{base}"
    pending = st.session_state.get(f"{key}_pending", opened)
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
        _write(store, editor, slot, new, base)
    if base and c2.button("删除路线", key=f"{key}_delete"):
        _write(store, editor, slot, None, base)
    conflict = st.session_state.get(f"tour_conflict_{slot}")
    if conflict:
        _conflict_panel(store, editor, slot, opened, conflict)


def still_open(tours: dict[str, Tour]) -> dict[str, Tour]:
    """Tours this session's editor opened that someone deleted since: kept on the page so no edit vanishes."""
    opened = {
        k.removeprefix("tour_base_"): v[0] for k, v in st.session_state.items() if str(k).startswith("tour_base_")
    }
    return {slot: t for slot, t in opened.items() if slot != NEW and slot not in tours}


def _write(store: Store, editor: dict, slot: str, mine: Tour | None, base: int) -> None:
    """Save ``mine`` (None: delete the opened tour) against ``base``; a conflict is kept for the panel below."""
    opened = st.session_state[f"tour_base_{slot}"][0]
    try:
        if mine is None:
            store.delete_tour(
                opened.tour_id, editor["username"], base, scope=editor_scope(editor), session=editor_session(editor)
            )
        else:
            store.save_tour(mine, editor["username"], base, scope=editor_scope(editor), session=editor_session(editor))
    except ConflictError as exc:
        st.session_state[f"tour_conflict_{slot}"] = {"message": str(exc), "theirs": exc.current,
                                                     "version": exc.version, "mine": mine}  # fmt: skip
        return
    except (EditError, StoreError) as exc:
        st.error(md(exc))
        return
    _forget(slot)
    done = f"已删除路线“{opened.title}”。" if mine is None else f"已保存路线（{len(mine.stops)} 站）。"
    st.session_state["flash"] = done
    st.rerun()


def _forget(slot: str) -> None:
    """Drop what the editor opened, its pending changes and any conflict: the next run opens what is stored."""
    opened, base = st.session_state.pop(f"tour_base_{slot}", (None, 0))
    if opened is not None:
        st.session_state.pop(f"tour_{opened.tour_id}_{base}_pending", None)
    st.session_state.pop(f"tour_conflict_{slot}", None)


def _reload_button(slot: str, where: str) -> None:
    if st.button("放弃我的修改，载入最新版本", key=f"tour_reload_{where}_{slot}"):
        _forget(slot)
        st.rerun()


def _stops_text(tour: Tour | None) -> str:
    if tour is None:
        return "（已删除）"
    return "；".join(
        f"{i}. {s.title}（{LAYER_NAMES.get(s.layer, s.layer)} {s.ref}）" for i, s in enumerate(tour.stops, 1)
    )


def _conflict_panel(store: Store, editor: dict, slot: str, opened: Tour, conflict: dict) -> None:
    """Both contents side by side; the editor reloads, or saves (or deletes) over the current version knowingly."""
    st.error(f"{md(conflict['message'])} 下表列出双方的内容，请选择如何处理。")
    theirs, mine = conflict["theirs"], conflict["mine"]
    current = tour_from_json(opened.tour_id, theirs["title"], theirs["stops"]) if theirs else None
    rows = [
        ("路线名称", opened.title, current.title if current else "（已删除）", mine.title if mine else "（删除）"),
        ("站点", _stops_text(opened), _stops_text(current), _stops_text(mine) if mine else "（删除）"),
    ]
    table = pd.DataFrame(rows, columns=["内容", "您打开时", "他人保存的（现值）", "您的修改"]).set_index("内容")
    st.table(text_table(table))
    c1, c2 = st.columns(2)
    with c1:
        _reload_button(slot, "conflict")
    if current is None and mine is None:
        return
    if c2.button("仍然删除这条路线" if mine is None else "用我的修改覆盖", key=f"tour_overwrite_{slot}"):
        _write(store, editor, slot, mine, conflict["version"])


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
