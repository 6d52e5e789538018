"""三个一批: rounds and their rates, project timelines, 三未 follow-up, and the industrial-chain view."""

import dataclasses

import streamlit as st

from domain.clock import beijing_today
from domain.labels import label
from domain.tracker import SANWEI, Thresholds
from geodata.query import apply_filters
from layers.tracker import sanwei_layer
from stats.tracker import (
    chain_leaders,
    investment_by_chain,
    investment_by_stage,
    judge_projects,
    leader_chains,
    leading_zones,
    project_table,
    rounds_table,
    sanlv_table,
    timeline,
    zone_follow_up,
)
from ui.asof import ASOF_STYLE, asof_date, asof_note, map_parcels, view_as_of
from ui.auth import sidebar_login
from ui.bigmap import page_map
from ui.bulletin_panel import bulletin_panel
from ui.charts import chain_chart, rounds_chart, stage_chart
from ui.data import get_dataset
from ui.evaluation_panel import evaluation_panel
from ui.filters import sidebar_filters
from ui.format import fmt_reported, md, text_table
from ui.mapview import take_click
from ui.tables import chart_with_data, formatted, page_of, pick_from_table
from ui.viewcache import is_large

SELECTED = "trk_selected"


def fmt_reported_cell(value):
    return value if isinstance(value, str) else fmt_reported(value)


MAP_KEY = "tracker_map"

data = get_dataset()
editor = sidebar_login()  # every page offers sign-in (#26)
filters = sidebar_filters(data, key="trk", projects=True)
leader = st.sidebar.selectbox(
    "链主企业", chain_leaders(data.projects), index=None, placeholder="（不选）", key="trk_leader"
)
if leader:  # the leader's chains drive every layer, like the chain filter
    filters = dataclasses.replace(filters, chains=leader_chains(data.projects, leader))
today = asof_date("trk_asof")
with st.sidebar.expander("“三未”判定阈值", expanded=False):
    thresholds = Thresholds(
        signed_days=st.number_input("签而未落：签约后未落地块超过（天）", 1, 3650, Thresholds.signed_days),
        landed_days=st.number_input("落而未投：已落地块未开工超过（天）", 1, 3650, Thresholds.landed_days),
        started_days=st.number_input("投未见效：开工后未投产超过（天）", 1, 3650, Thresholds.started_days),
    )

st.title("三个一批")
st.caption("签约一批、开工一批、投产一批。活动汇总数字为官方发布口径；项目为公开报道点名的项目及标注“示例”的演示记录。")

today_view = apply_filters(data, filters)
view = view_as_of(data, today_view, today)  # the records as they stood at the end of that day
drawn = map_parcels(data, today_view, today)  # None today
parcel_style = "supply_status" if drawn is None else ASOF_STYLE
if note := asof_note(view):
    st.info(note)
judged = judge_projects(view.projects, today, thresholds)

# the tab with the map first: it starts within the first screen (#26)
tab_projects, tab_rounds, tab_sanwei, tab_chain, tab_bulletin, tab_evaluation = st.tabs(
    ["项目", "活动与三率", "三未", "产业链", "通报", "年度考核"]
)

with tab_rounds:
    rounds = rounds_table(data.rounds)
    st.subheader("历次活动与阶段汇总（官方数字）")
    st.table(text_table(rounds.drop(columns="round_id").set_index("活动").map(fmt_reported_cell)))
    st.caption(
        "开工率、投产率、平均达效率为2021年报道使用的名称："
        "开工率 = 签约项目中已开工数 ÷ 签约项目数（849 ÷ 1059 = 80.2%）；"
        "投产率 = 开工项目中已投产数 ÷ 开工项目数（549 ÷ 964 = 57%）；平均达效率为报道公布值（98.1%），"
        "“达效”不等于“达产”。开工项目已完成投资占比 = 开工项目已完成投资 ÷ 开工项目总投资，报道给出两数但未命名该比率。"
        "未公布的分子或分母记为“—”。"
    )
    chart_with_data(rounds_chart(rounds), rounds.drop(columns="round_id"), "三个一批活动", "dl_rounds")
    st.subheader("三率")
    st.caption(
        "《项目建设向“新”突破 改革能级持续提升》（科学导报，2024年）："
        "强化对开工复工率、投资完成率、项目达产率“三率”的跟踪调度，"
        "对签而未落、落而未投、投未见效的“三未”项目实施专项指导。报道未给出算式和数值；下表算式为本应用的工作口径，"
        "须以省里的考核办法核实。"
    )
    st.table(text_table(sanlv_table().set_index("指标")))

with tab_projects:
    take_click(MAP_KEY, SELECTED)
    st.subheader(f"项目（{len(judged)} 个）")
    table_col, map_col = st.columns([1.2, 1])
    with table_col:
        table = project_table(judged, data.rounds)
        pick_from_table(table, "trk_table", SELECTED, layer="projects")
    with map_col:
        large = is_large(data)  # the large-data map draws project markers on their point, not lifted
        page_map(data, view, MAP_KEY, parcel_style, st.session_state.get(SELECTED), parcels=drawn,
                 overlays=sanwei_layer(judged, lifted=not large), legend_open=not large, height=500,
                 flagged=judged["sanwei"].notna())  # fmt: skip
    selection = st.session_state.get(SELECTED)
    if selection and selection[0] == "projects" and selection[1] in set(judged["project_id"]):
        record = judged.set_index("project_id").loc[selection[1]].to_dict()
        st.markdown("**项目进度**")
        st.text(f"{record['name']}（{selection[1]}）")
        st.table(text_table(timeline(record).set_index("环节")))
        if record.get("sanwei"):
            st.warning(md(f"{label(record['sanwei'])}：{record['reason']}"))
    stages = investment_by_stage(view.projects)
    chart_with_data(stage_chart(stages), stages, "项目阶段", "dl_stages")

with tab_sanwei:
    st.subheader("“三未”项目跟踪（按开发区）")
    counts = {flag: int((judged["sanwei"] == flag).sum()) for flag in SANWEI}
    cols = st.columns(len(SANWEI) + 1)  # one row: the three 三未 and the records whose dates cannot be judged
    for col, flag in zip(cols, SANWEI, strict=False):
        col.metric(f"{label(flag)}（个）", f"{counts[flag]:,}")
    cols[-1].metric("日期缺失或有误（个）", f"{int(judged['problem'].notna().sum()):,}")
    follow = zone_follow_up(judged)
    chart_with_data(None, follow, "三未按开发区", "dl_follow")
    st.dataframe(formatted(follow), hide_index=True, width="stretch")
    st.caption("山西综改示范区报道：推动项目签约到开工由238天压缩至58天。上表为本数据中项目签约到开工天数的中位数。")
    flagged = project_table(judged[judged["sanwei"].notna() | judged["problem"].notna()], data.rounds)
    st.markdown("**需跟进的项目**（地图上以红圈标出）")
    st.dataframe(page_of(flagged[["项目", "开发区", "阶段", "签约日期", "开工日期", "三未", "说明"]], "trk_flagged"),
                 width="stretch")  # fmt: skip

with tab_chain:
    st.subheader("产业链视图")
    if leader:
        st.caption(md(f"链主企业“{leader}”所在产业链：{'、'.join(filters.chains) or '—'}"))
    elif not filters.chains:
        st.info("在侧栏选择产业链或链主企业：地图、表格和图表只显示该链的项目、地块和开发区。")
    by_chain = investment_by_chain(view.projects)
    chart_with_data(chain_chart(by_chain), by_chain, "产业链投资", "dl_chains")
    for chain in filters.chains:
        st.markdown(f"**{md(chain)}：领跑开发区**")
        st.dataframe(formatted(leading_zones(view.zones, view.projects, view.parcels, chain)), hide_index=True)

with tab_bulletin:
    bulletin_panel(data, today, editor)

with tab_evaluation:
    evaluation_panel(data, beijing_today())
