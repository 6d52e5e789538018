"""The 三个一批 page's 通报: a month or quarter bulletin download (the 截至 date is ui.asof's).

The panel builds the file only
when 生成 is pressed, then offers it for download (kept in the session until
the selection changes). The map picture (Word) and the PDF are drawn by the
server's shared Chromium (:mod:`reports.renderer`): costly work, so only for
signed-in editors; visitors get Word and Excel without the map.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path

import streamlit as st

from domain.periods import Period, period_of
from geodata.dataset import Dataset
from geodata.schema import SHANXI_CITIES
from reports.bulletin import title, write_bulletin
from reports.renderer import RenderError
from stats.bulletin import PROVINCE, BulletinScope, bulletin_figures
from ui.asof import history

log = logging.getLogger(__name__)
ASOF_KEY = "trk_asof"
_FILE = "_bulletin_file"
_MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
_FORMAT_LABELS = {"docx": "Word", "xlsx": "Excel", "pdf": "PDF"}


def recent_periods(kind: str, day: dt.date, count: int = 24) -> list[Period]:
    """The last ``count`` finished months or quarters up to ``day`` (the one containing ``day`` first if finished)."""
    period = period_of(day, kind)
    if period.end > day:
        period = period.previous()
    out = []
    for _ in range(count):
        out.append(period)
        period = period.previous()
    return out


def bulletin_panel(data: Dataset, day: dt.date, editor: dict | None) -> None:
    """Month or quarter, scope and format → 生成 → download button (the map and PDF for ``editor`` only)."""
    st.subheader("通报")
    st.caption(
        "按月通报开发区“三个一批”项目的签约、开工、投产进展，或按季度（“一季一通报”）。"
        "数字按期末当日的数据计算，日后修改不改变已出的通报。"
    )
    c1, c2, c3, c4 = st.columns(4)
    kind = c1.radio("周期", ["month", "quarter"], format_func={"month": "月度", "quarter": "季度"}.get,
                    key="trk_bul_kind", horizontal=True)  # fmt: skip
    periods = {p.code: p for p in recent_periods(kind, day)}
    code = c2.selectbox("期间", list(periods), format_func=lambda c: periods[c].label, key="trk_bul_period")
    scopes = {"": PROVINCE, **SHANXI_CITIES}
    city = c3.selectbox("范围", list(scopes), format_func=scopes.get, key="trk_bul_scope")
    formats = ["docx", "xlsx", "pdf"] if editor else ["docx", "xlsx"]
    fmt = c4.radio("格式", formats, format_func=_FORMAT_LABELS.get, key="trk_bul_fmt", horizontal=True)
    if not editor:
        st.caption("通报中的地图与 PDF 版需登录后生成（侧栏“编辑权限”）；Word 与 Excel 不含地图。")
    wanted = (data.version, code, city, fmt, bool(editor))
    if st.button("生成通报", key="trk_bul_make"):
        scope = BulletinScope(scopes[city], city=city) if city else BulletinScope()
        with st.spinner("正在生成通报…"):
            try:
                st.session_state[_FILE] = (wanted, *_build(data, periods[code], scope, fmt, with_map=bool(editor)))
            except RenderError as exc:  # Chromium busy or failed: its own Chinese sentence
                st.warning(str(exc))
            except Exception:  # the user gets a sentence, the log the details
                log.exception("bulletin %s %s %s failed", code, city or "province", fmt)
                st.error("生成通报失败（详情见服务器日志），请稍后重试或联系管理员。")
    made = st.session_state.get(_FILE)
    if made and made[0] == wanted:
        _, name, payload = made
        st.download_button(f"下载 {name}", payload, file_name=name, mime=_MIME[fmt], key="trk_bul_download")


def _build(data: Dataset, period: Period, scope: BulletinScope, fmt: str, with_map: bool) -> tuple[str, bytes]:
    frames = {"zones": data.zones, "projects": data.projects, "parcels": data.parcels}
    bulletin = bulletin_figures(frames, history(data), period, scope)
    with tempfile.TemporaryDirectory() as tmp:
        admin = data.admin if with_map else None  # the outlines the map is drawn on
        out = write_bulletin(bulletin, fmt, Path(tmp) / f"bulletin.{fmt}", admin=admin)
        return f"{title(bulletin)}.{fmt}", out.read_bytes()
