"""The 三个一批 page's 年度考核 tab: year, ranking, a map of classes, each zone's card, the workbook.

The evaluation (:func:`stats.evaluation.evaluate`) is computed once a year is
picked (the page's other tabs never wait for it), once per data version, year and
day, and kept in the session; the map draws only the 开发区
(about a hundred features, whatever the number of parcels); the firms' table is
paged (:func:`ui.tables.page_of`).
"""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from domain.evaluation import class_label
from geodata.dataset import Dataset
from geodata.io.export import export_filename
from geodata.scorecard import load_evaluation
from layers.evaluation import evaluation_map
from reports.evaluation import evaluation_xlsx
from stats.evaluation import Evaluation, evaluate, firm_table, ranking_table, years_with_data, zone_card
from ui.asof import history
from ui.format import fmt_number, md
from ui.mapview import show_map
from ui.tables import formatted, page_of

log = logging.getLogger(__name__)
YEAR_KEY = "trk_eval_year"
ZONE_KEY = "trk_eval_zone"
MAP_KEY = "trk_eval_map"
_CACHE = "_trk_evaluation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _evaluation(data: Dataset, year: int, today: dt.date):
    """(zone evaluation, firms' table) for ``year``, kept per data version; ValueError for bad settings."""
    zone_settings, firm_settings = load_evaluation()
    key = (data.version, year, today, repr(zone_settings), repr(firm_settings))
    cache = st.session_state.setdefault(_CACHE, {})
    if key not in cache:
        cache.clear()
        frames = {"zones": data.zones, "parcels": data.parcels, "projects": data.projects}
        ev = evaluate(frames, history(data), year, zone_settings, today)
        cache[key] = (ev, firm_table(data.parcels, year, firm_settings), firm_settings.title)
    return cache[key]


def evaluation_panel(data: Dataset, today: dt.date) -> None:
    st.subheader("开发区年度考核")
    year = st.selectbox(
        "考核年度", years_with_data(data.parcels, today), index=None, key=YEAR_KEY, placeholder="选择年度",
        format_func=lambda y: f"{y}年",
    )  # fmt: skip
    if year is None:  # computed on request: the page's other tabs do not wait for it
        st.info("选择考核年度后，按开发区计算得分、类别和名次，并显示类别地图和各开发区的指标卡。")
        return
    try:
        with st.spinner("正在计算考核结果…"):
            ev, firms, firm_title = _evaluation(data, int(year), today)
    except ValueError as exc:  # the settings file: its sentence is for the user
        st.error(str(exc))
        return
    st.caption(
        md(
            f"{ev.settings.title}。权重、目标值和分类分数线在一个设置文件中（环境变量 ZONEMAP_SCORECARD），"
            f"可按本地办法修改。{ev.year}年按 {ev.day.isoformat()} 北京时间24时的数据计算。"
        )
    )
    ranking = ranking_table(ev)
    if ranking.empty:
        st.info("没有可考核的开发区。")
        return
    undated = sum(ev.undated.values())
    if undated:
        st.caption(f"日期不详：{undated:,} 宗地块已到达某一供地阶段但日期不详，按已到达计入土地开发率等比率。")
    ranking["排名"] = ranking["排名"].astype("Int64")  # a place, not 1.00 (unclassed zones: —)
    st.dataframe(formatted(ranking.drop(columns="开发区编号")), hide_index=True, width="stretch")
    st.download_button(
        "下载考核结果（Excel：说明、排名、指标卡、用地企业分类）",
        lambda: evaluation_xlsx(ev, firms),
        export_filename(f"开发区年度考核_{ev.year}年", "xlsx"),
        XLSX,
        key="trk_eval_xlsx",
        on_click="ignore",
    )
    _clicked_zone(ev)
    results = {s.zone: {"grade": s.grade, "total": s.total, "rank": s.rank} for s in ev.scores}
    show_map(evaluation_map(data.admin, data.zones, results, ev.year), data, MAP_KEY, None, height=560)
    st.caption("点击地图上的开发区查看其指标卡。")
    _card(ev)
    st.markdown(f"**用地企业分类（{ev.year}年，按亩均税收、亩均营业收入）**")
    st.caption(md(f"{firm_title}。只列填有{ev.year}年实缴税金或营业收入（实际数）的用地企业。"))
    if firms.empty:
        st.info(f"没有地块填报{ev.year}年的实缴税金或营业收入，无法对用地企业分类。")
    else:
        st.dataframe(formatted(page_of(firms, "trk_eval_firms")), hide_index=True, width="stretch")


def _clicked_zone(ev: Evaluation) -> None:
    """A click on a zone of the map opens its card."""
    from layers.overview import clicked_record

    clicked = clicked_record(st.session_state.get(MAP_KEY))
    seen = f"{MAP_KEY}__clicked"
    if clicked and clicked != st.session_state.get(seen):
        st.session_state[seen] = clicked
        if clicked[0] == "zones" and clicked[1] in ev.names:
            st.session_state[ZONE_KEY] = clicked[1]


def _card(ev: Evaluation) -> None:
    order = [s.zone for s in ev.scores]
    if st.session_state.get(ZONE_KEY) not in order:
        st.session_state.pop(ZONE_KEY, None)
    zone = st.selectbox("开发区指标卡", order, key=ZONE_KEY, format_func=lambda z: ev.names[z])
    score = next(s for s in ev.scores if s.zone == zone)
    total = "—" if score.total is None else f"{score.total:.2f}"
    rank = "—" if score.rank is None else str(score.rank)
    st.markdown(f"**{md(ev.names[zone])}**（{md(ev.cities[zone])}）")
    c1, c2 = st.columns(2)
    c1.metric("总分", total)
    c2.metric("排名", rank)
    st.markdown(f"类别：**{md(class_label(score.grade))}**")
    st.caption(f"数据覆盖率 {score.coverage:.0%}（有数据指标的权重占全部权重）；总分按有数据的指标折算为百分制。")
    card = zone_card(ev, zone)
    shown = card.assign(**{c: card[c].map(fmt_number) for c in ("数值", "目标值", "得分")})  # missing: —
    st.dataframe(shown, hide_index=True, width="stretch")
    for line in card.loc[card["缺少数据"] != "", ["指标", "缺少数据"]].itertuples(index=False):
        st.caption(md(f"{line.指标}：{line.缺少数据}"))
