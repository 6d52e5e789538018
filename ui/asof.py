"""截至: a page as the records stood at the end of a day, its map coloured by that day, and 逐月播放.

The sidebar's 截至 date (default today in Beijing) is kept in the address
(``?ov_asof=2021-09-30`` on 总览地图, ``sup_asof`` on 标准地供给, ``trk_asof`` on
三个一批). For a past day the page's view holds the parcels and projects as they
stood then (:func:`stats.asof.parcels_on`, :func:`stats.asof.projects_on`): edits
saved later are rolled back, stages dated after the day not yet reached, and a
stage reached on an unknown day kept and counted as 日期不详. The parcels are put
on the day once per data version and day over the whole dataset, shared by every
session of the server (the last :data:`KEEP` days), and each page's filtered view
takes its rows from that. The map colours the page's parcels by ``asof_status``
(:data:`layers.styles.PARCEL_STYLES`): the stage known to be reached by the day,
日期不详, or 当日尚无记录 for a parcel recorded later.

逐月播放 re-queries, it does not animate in the browser: every
:data:`PLAY_SECONDS` a fragment moves the date to the next month's end and reruns
the page, until today.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import threading
from collections import OrderedDict

import pandas as pd
import streamlit as st

from domain.asof import ABSENT, UNDATED
from domain.clock import beijing_today
from geodata.dataset import Dataset
from geodata.query import View
from stats.asof import parcels_on, projects_on
from ui.data import get_store
from ui.derived import per_version

ASOF_STYLE = "asof_status"  # the map's colouring on a past day
KEEP = 4  # days kept (each a frame of every parcel), shared by the server's sessions
_SHARED: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_LOCK = threading.Lock()
PLAY_SECONDS = 2.5
PLAY_BACK_MONTHS = 12  # 播放 from today starts this many month ends back
_PLAYING = "_asof_playing"


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def play_steps(start: dt.date, today: dt.date) -> list[dt.date]:
    """The days 播放 shows after ``start``: each month's end up to ``today``, then ``today`` itself."""
    steps, day = [], month_end(start)
    if day == start:
        day = month_end(day + dt.timedelta(days=1))
    while day < today:
        steps.append(day)
        day = month_end(day + dt.timedelta(days=1))
    return [*steps, today] if start < today else []


def months_back(today: dt.date, months: int) -> dt.date:
    """The end of the month ``months`` before ``today``'s."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return month_end(dt.date(year, month + 1, 1))


def asof_date(key: str) -> dt.date:
    """The sidebar's 截至 date bound to the address, with the 逐月播放 button under it."""
    today = beijing_today()
    if (pending := st.session_state.pop(f"_{key}_next", None)) is not None:
        st.session_state[key] = pending  # set before the widget exists: the only time Streamlit allows it
    day = st.sidebar.date_input(
        "截至", value=today, max_value=today, format="YYYY-MM-DD", key=key, bind="query-params",
        help="页面数字与地图按当日结束时（北京时间24时）的数据显示：此后的修改与新增不计入",
    )  # fmt: skip
    _player(key, day, today)
    return day


def _player(key: str, day: dt.date, today: dt.date) -> None:
    playing = st.session_state.setdefault(_PLAYING, set())
    on = key in playing
    if st.sidebar.button("停止播放" if on else "逐月播放", key=f"{key}_play",
                         help="从所选日期（选今天时从一年前）起逐月前进到今天，地图与数字随之更新"):  # fmt: skip
        if on:
            playing.discard(key)
        else:
            playing.add(key)
            if day >= today:
                st.session_state[f"_{key}_next"] = months_back(today, PLAY_BACK_MONTHS)
        st.rerun()
    if on:
        st.session_state[f"_{key}_fresh"] = True
        _tick(key)


@st.fragment(run_every=PLAY_SECONDS)
def _tick(key: str) -> None:
    """Runs with the page (nothing to do) and then alone every PLAY_SECONDS: the next step, or stop at today."""
    if st.session_state.pop(f"_{key}_fresh", False):
        return
    steps = play_steps(st.session_state.get(key) or beijing_today(), beijing_today())
    if not steps:
        st.session_state.get(_PLAYING, set()).discard(key)
    else:
        st.session_state[f"_{key}_next"] = steps[0]
    st.rerun(scope="app")


def history(data: Dataset) -> pd.DataFrame:
    """The audit history, read once per data version (the 截至 views, 通报 and 年度考核 share it)."""
    return per_version(data, "history", lambda: get_store().history())


def parcels_then(data: Dataset, day: dt.date) -> pd.DataFrame:
    """Every parcel of ``data`` as it stood at the end of ``day`` (kept per data version and day)."""
    key = (data.version, day)
    with _LOCK:
        if key in _SHARED:
            _SHARED.move_to_end(key)
            return _SHARED[key]
    then = parcels_on(data.parcels, history(data), day)  # outside the lock: two first visits may both compute
    with _LOCK:
        _SHARED[key] = then
        while len(_SHARED) > KEEP:
            _SHARED.popitem(last=False)
    return then


def view_as_of(data: Dataset, view: View, day: dt.date) -> View:
    """``view`` with its parcels and projects as they stood at the end of ``day`` (today: as it is)."""
    if day >= beijing_today():
        return view
    then = parcels_then(data, day)
    parcels = then[then.index.isin(view.parcels.index)]
    return dataclasses.replace(view, parcels=parcels, projects=projects_on(view.projects, history(data), day),
                               asof=day)  # fmt: skip


def map_parcels(data: Dataset, today: View, day: dt.date) -> pd.DataFrame | None:
    """The map's parcels on a past ``day``: ``today``'s (the filtered view as stored) with ``asof_status``,
    当日尚无记录 for those recorded later; None for today (the map draws as it always does)."""
    if day >= beijing_today():
        return None
    status = parcels_then(data, day)["asof_status"].reindex(today.parcels.index).fillna(ABSENT)
    return today.parcels.assign(**{ASOF_STYLE: status})


def asof_note(view: View) -> str | None:
    """The line a page shows for a past day: which day, and how many records rest on an unknown date."""
    if view.asof is None:
        return None
    parcels = int((view.parcels["asof_status"] == UNDATED).sum()) if "asof_status" in view.parcels else 0
    undated = [f"{n:,} {what}" for what, n in (("宗地块", parcels),
                                               ("个项目", view.projects.attrs.get("undated", 0))) if n]  # fmt: skip
    text = (f"截至 {view.asof.isoformat()}：地块与项目按当日结束时的数据显示（此后的修改与新增不计入），"
            "地图上的地块按当日的供应状态着色。")  # fmt: skip
    if undated:
        text += f"其中{'、'.join(undated)}所处阶段的日期不详（无日期也无修改记录），按现有阶段计入。"
    return text
