"""The 三个一批 page's date and 通报 controls: "截至" (kept in the address) and a month/quarter bulletin download.

``截至`` (``?trk_asof=2021-09-30``, default today in Beijing) puts the page on the
records as they stood that day (:mod:`ui.asof`); the
audit history is read once per data version. The 通报 panel builds the file only
when 生成 is pressed, then offers it for download (kept in the session until
the selection changes).
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from domain.clock import beijing_today
from domain.periods import Period, period_of
from geodata.dataset import Dataset
from geodata.schema import SHANXI_CITIES
from reports.bulletin import title, write_bulletin
from stats.bulletin import PROVINCE, BulletinScope, bulletin_figures
from ui.data import get_store

log = logging.getLogger(__name__)
ASOF_KEY = "trk_asof"
_FILE = "_bulletin_file"
_MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def asof_date(key: str = ASOF_KEY) -> dt.date:
    """The sidebar's 截至 date, bound to the address (``?{key}=YYYY-MM-DD``)."""
    return st.sidebar.date_input(
        "截至", value=beijing_today(), format="YYYY-MM-DD", key=key, bind="query-params",
        help="页面数字按当日结束时（北京时间24时）的数据计算：此后的修改不计入",
    )  # fmt: skip


def history_of(data: Dataset) -> pd.DataFrame:
    """The store's audit history, read once per data version (the 截至 views and 年度考核 share it)."""
    cache = st.session_state.setdefault("_trk_history", {})
    if data.version not in cache:
        cache.clear()
        cache[data.version] = get_store().history()
    return cache[data.version]


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


def bulletin_panel(data: Dataset, day: dt.date) -> None:
    """Month or quarter, scope and format → 生成 → download button."""
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
    fmt = c4.radio("格式", ["docx", "xlsx"], format_func={"docx": "Word", "xlsx": "Excel"}.get,
                   key="trk_bul_fmt", horizontal=True)  # fmt: skip
    wanted = (data.version, code, city, fmt)
    if st.button("生成通报", key="trk_bul_make"):
        scope = BulletinScope(scopes[city], city=city) if city else BulletinScope()
        with st.spinner("正在生成通报…"):
            try:
                st.session_state[_FILE] = (wanted, *_build(data, periods[code], scope, fmt))
            except Exception:  # the user gets a sentence, the log the details
                log.exception("bulletin %s %s %s failed", code, city or "province", fmt)
                st.error("生成通报失败（详情见服务器日志），请稍后重试或联系管理员。")
    made = st.session_state.get(_FILE)
    if made and made[0] == wanted:
        _, name, payload = made
        st.download_button(f"下载 {name}", payload, file_name=name, mime=_MIME[fmt], key="trk_bul_download")


def _build(data: Dataset, period: Period, scope: BulletinScope, fmt: str) -> tuple[str, bytes]:
    frames = {"zones": data.zones, "projects": data.projects, "parcels": data.parcels}
    bulletin = bulletin_figures(frames, history_of(data), period, scope)
    with tempfile.TemporaryDirectory() as tmp:
        out = write_bulletin(bulletin, fmt, Path(tmp) / f"bulletin.{fmt}")
        return f"{title(bulletin)}.{fmt}", out.read_bytes()
