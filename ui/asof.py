"""截至: a page as the records stood at the end of a day, and 逐月播放 through the months.

The sidebar's 截至 date (default today in Beijing) is kept in the address
(``?ov_asof=2021-09-30`` on 总览地图, ``sup_asof`` on 标准地供给, ``trk_asof`` on
三个一批). For a past day the page's view holds the parcels and projects as they
stood then (:func:`stats.asof.parcels_on`, :func:`stats.asof.projects_on`): edits
saved later are rolled back, stages dated after the day not yet reached, and a
stage reached on an unknown day kept and counted as 日期不详.

逐月播放 re-queries, it does not animate in the browser: every
:data:`PLAY_SECONDS` a fragment moves the date to the next month's end and reruns
the page, until today.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from domain.clock import beijing_today
from geodata.dataset import Dataset, with_parcel_rules
from geodata.query import View
from stats.asof import undated_on
from ui.data import get_store
from ui.derived import per_version

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
    """The audit history, read once per data version (what rolls a record back to a day)."""
    return per_version(data, "history", lambda: get_store().history())


def _whole_day(data: Dataset, day: dt.date):
    """Every parcel and project as on ``day``, each with its 日期不详 mask: once per data version and day."""

    def build():
        h = history(data)
        parcels, parcels_undated = undated_on(data.parcels, h, "parcels", day)
        return with_parcel_rules(parcels), parcels_undated, *undated_on(data.projects, h, "projects", day)

    return per_version(data, f"asof:{day.isoformat()}", build)


def view_as_of(data: Dataset, view: View, day: dt.date) -> View:
    """``view`` with its parcels and projects as they stood at the end of ``day`` (today: as it is)."""
    if day >= beijing_today():
        return view
    parcels, parcels_undated, projects, projects_undated = _whole_day(data, day)
    parcels = parcels[parcels.index.isin(view.parcels.index)]
    projects = projects[projects.index.isin(view.projects.index)]
    parcels.attrs["undated"] = int(parcels_undated[parcels.index].sum())
    projects.attrs["undated"] = int(projects_undated[projects.index].sum())
    return dataclasses.replace(view, parcels=parcels, projects=projects, asof=day)


def asof_note(view: View) -> str | None:
    """The line a page shows for a past day: which day, and how many records rest on an unknown date."""
    if view.asof is None:
        return None
    undated = [f"{n:,} {what}" for what, n in (("宗地块", view.parcels.attrs.get("undated", 0)),
                                               ("个项目", view.projects.attrs.get("undated", 0))) if n]  # fmt: skip
    text = f"截至 {view.asof.isoformat()}：地块与项目按当日结束时的数据显示（此后的修改与新增不计入）。"
    if undated:
        text += f"其中{'、'.join(undated)}所处阶段的日期不详（无日期也无修改记录），按现有阶段计入。"
    return text
