"""闲置土地盘活: identify idle land under the regulation, size the gain of revitalizing it, match waiting projects."""

import folium
import streamlit as st

from domain.idle import IDLE_STATUSES, NOT_IDLE, UNKNOWN, missing_note
from domain.labels import label
from geodata.io.export import export_filename
from geodata.query import apply_filters
from layers.features import feature_collection, geojson_layer, tip_html
from layers.overview import build_map
from layers.styles import HIGHLIGHT
from reports.idle_report import report_html, report_xlsx
from stats.idle import (
    IDLE_VIEW,
    evaluate_plan,
    fee_figure,
    idle_table,
    idle_totals,
    match_table,
    needs,
    people,
    plan_problems,
    unsold_stock_table,
)
from ui.auth import sidebar_login
from ui.bigmap import page_map
from ui.data import get_dataset
from ui.derived import classified_parcels, ranked_matches, view_table
from ui.exports import XLSX
from ui.filters import chain_options, sidebar_filters
from ui.format import fmt_number, md
from ui.idle_panels import (
    PICK,
    add_to_pick,
    compare_panel,
    indicator_editor,
    plan_choices,
    plan_editor,
    rules_sidebar,
    save_scenario,
    saved_scenarios,
)
from ui.mapview import show_map, take_click
from ui.tables import chart_with_data, pick_from_table
from ui.viewcache import is_large

SELECTED = "idl_selected"
MAP_KEY = "idle_map"

data = get_dataset()
sidebar_login()  # every page offers sign-in (#26)
filters = sidebar_filters(data, key="idl", projects=False)
today, rules = rules_sidebar()
view = apply_filters(data, filters)
classified = classified_parcels(data, view, today, rules)

st.title("闲置土地盘活")
BASIS = (
    "依据《闲置土地处置办法》（国土资源部令第53号）第二条认定：超过约定动工日期满一年未动工开发；或已动工开发但开发面积"
    "不足三分之一或者投资不足25%，中止开发建设满一年。受让人原因未动工满一年的，按出让或者划拨价款的20%征缴土地闲置费，"
    "满两年的可无偿收回（第十四条）；政府原因、自然灾害等不可抗力造成的（第八条）和已动工后中止开发的，依第十二条协商处置，"
    "不征收闲置费、不无偿收回。满一年自约定动工日（或停工日）次日起算，至次年对应日24时届满。"
)
st.caption("依据《闲置土地处置办法》（国土资源部令第53号）认定闲置土地与处置方式（条文要点见地图下方“认定与处置依据”）。"
           "边界为示意。")  # fmt: skip

idle = classified[classified["is_idle"]]


def idle_metrics() -> None:
    """宗 and 亩 of each idle class and the fee, in two rows of three: every title fits at 1366×768 (#26)."""
    counts = [(label(cls), classified["idle_class"] == cls) for cls in IDLE_STATUSES]
    cols = st.columns(3) + st.columns(3)
    for col, (title, mask) in zip(cols, counts, strict=False):
        area = fmt_number(float(classified.loc[mask, "area_mu"].sum()), 2, "亩")
        short = title.split("（")[0]  # the class; its disposal is in the help and the table
        col.metric(f"{short}（宗）", f"{int(mask.sum()):,}", area, delta_color="off", delta_arrow="off", help=title)
    fee, unpriced = fee_figure(classified)
    cols[len(counts)].metric("可征闲置费（万元）", fmt_number(fee, 2), unpriced or None, delta_color="off",
                             delta_arrow="off", help="出让或者划拨价款的20%；缺少价款的地块未计入")  # fmt: skip


tab_find, tab_calc, tab_match, tab_report = st.tabs(["闲置认定", "盘活测算", "项目匹配", "报告"])

with tab_find:
    take_click(MAP_KEY, SELECTED)
    table_col, map_col = st.columns([1.2, 1])
    with table_col:
        st.markdown("**已供应地块的闲置认定**（选中一行或点击地图查看）")
        shown = st.multiselect(
            "闲置类别",
            [*IDLE_STATUSES, NOT_IDLE, UNKNOWN],
            default=list(IDLE_VIEW),
            format_func=label,
            key="idl_classes",
            placeholder="全部已供应地块",
            select_all=False,
        )
        pick_from_table(idle_table(classified, shown), "idl_table", SELECTED)
    with map_col:
        page_map(data, view, MAP_KEY, "idle_class", st.session_state.get(SELECTED), parcels=classified, projects=False)
    selection = st.session_state.get(SELECTED)
    if selection and selection[0] == "parcels" and selection[1] in set(classified["parcel_id"]):
        record = classified.set_index("parcel_id").loc[selection[1]]
        st.text(f"{record['name']}（{selection[1]}）：{label(record['idle_class'])}")
        st.caption(md(record["idle_reason"]))
        if record["is_idle"]:
            st.button("加入盘活测算", key="idl_add_one", on_click=add_to_pick, args=([selection[1]],))
    idle_metrics()  # below the table and map: the map starts within the first screen (#26)
    with st.expander("认定与处置依据", expanded=False):
        st.markdown(md(BASIS))
    st.markdown("**按开发区汇总**")
    st.dataframe(view_table(data, view, f"idle_totals:zone:{today}:{rules!r}", lambda: idle_totals(classified, "zone")),
                 hide_index=True, width="stretch")  # fmt: skip
    st.markdown("**按市汇总**")
    st.dataframe(view_table(data, view, f"idle_totals:city:{today}:{rules!r}", lambda: idle_totals(classified, "city")),
                 hide_index=True, width="stretch")  # fmt: skip
    st.markdown(f"**{label('unsold_stock')}**")
    st.caption(
        "批而未供（已批准农转用、征收而未供应）须有用地批准信息，本数据未记录，故此处只统计储备和已挂牌未出让的地块。"
    )
    stock = view_table(data, view, "unsold_stock_table", lambda: unsold_stock_table(view.parcels))
    chart_with_data(None, stock, label("unsold_stock"), "dl_pewg")
    st.dataframe(stock, hide_index=True, width="stretch")

with tab_calc:
    names = dict(zip(idle["parcel_id"], idle["name"], strict=True))
    c1, c2 = st.columns([3, 1])
    c1.multiselect(
        "参与盘活的地块（闲置地块；也可在地图上点选后加入）",
        list(names),
        format_func=names.get,
        key=PICK,
        placeholder="选择地块",
        select_all=False,
    )
    zone_ids = sorted(set(idle["zone_id"]))
    zone_names = dict(zip(idle["zone_id"], idle["zone_name"], strict=False))
    zone = c2.selectbox("或整区加入", zone_ids, format_func=zone_names.get, index=None, placeholder="选择开发区")
    if zone:
        c2.button(
            "加入该区全部闲置地块",
            on_click=add_to_pick,
            args=(list(idle.loc[idle["zone_id"] == zone, "parcel_id"]),),
        )
    if st.session_state.get(PICK):
        st.markdown("**处置方式与目标产业链**")
        plan = plan_editor(classified, chain_options(data))
        choices = plan_choices(plan)
        problems = plan_problems(choices, classified, today, rules)
        for text in problems.values():
            st.error(md(f"{text}。该地块未计入测算，请改选可选处置方式。"))
        choices = [c for c in choices if c[0] not in problems]
        st.markdown(
            "**产业链测算指标**（示例默认值：投资强度、亩均税收取全国国家级开发区通报值，产值、就业为假设；可修改）"
        )
        indicators = indicator_editor(sorted({c for _, _, c in choices if c} | {"默认"}))
        table, sums = evaluate_plan(choices, classified, today, rules, indicators | {"": indicators["默认"]})
        figures = [
            ("盘活面积", "area_mu", "亩"),
            ("固定资产投资", "investment", "万元"),
            ("年产值", "output", "万元"),
            ("年税收", "tax", "万元"),
            ("就业", "jobs", "人"),
            ("可收闲置费", "fee", "万元"),
        ]
        for col, (title, key, unit) in zip(st.columns(3) + st.columns(3), figures, strict=True):
            note = missing_note(int(sums["fee_unpriced"])) if key == "fee" else ""
            shown = f"{people(sums[key]):,}" if key == "jobs" else fmt_number(sums[key], 2)
            col.metric(f"{title}（{unit}）", shown, note or None, delta_color="off", delta_arrow="off")
        st.dataframe(table, hide_index=True, width="stretch")
        name = st.text_input("方案名称", value=f"方案{len(saved_scenarios()) + 1}", key="idl_scn_name")
        if st.button("保存方案", key="idl_save"):
            save_scenario(name.strip() or "未命名方案", table, sums)
            st.success(md(f"已保存：{name}"))
    else:
        st.info("先在上方选择参与盘活的闲置地块。")
    st.markdown("**方案对比**")
    compare_panel()

with tab_match:
    waiting = needs(view.projects)
    if not waiting:
        st.info("当前筛选下没有签而未落或提出用地需求而未落地的项目。")
    else:
        project_names = dict(zip(view.projects["project_id"], view.projects["name"], strict=True))
        by_id = {n.project_id: n for n in waiting}
        pid = st.selectbox(
            "待落地项目", list(by_id), format_func=project_names.get, key="idl_need", placeholder="选择项目"
        )
        c1, c2 = st.columns(2)
        tolerance = c1.slider("面积容差", 5, 50, 20, 5, format="%d%%", key="idl_tol") / 100
        need = by_id[pid]
        if need.land_need_mu:
            c2.metric("用地需求（亩）", fmt_number(need.land_need_mu, 2))
        else:
            c2.caption("该项目未说明用地需求：面积按中性计分。")
        st.caption(
            "候选地块只限能够供应的土地：储备地块（含具备供地条件的）和受让人原因未动工满两年、无偿收回后可重新供应的"
            "闲置土地。已出让、已动工、已投产的地块有受让人，已挂牌的地块已公开交易，均不作候选。"
        )
        matches = ranked_matches(data, view, today, rules, need, tolerance)
        parcel_names = dict(zip(classified["parcel_id"], classified["name"], strict=True))
        st.dataframe(match_table(matches, parcel_names), hide_index=True, width="stretch")
        top = {p for m in matches[:3] for p in m.candidate.parcel_ids}
        group = folium.FeatureGroup(name="推荐地块（前三）")
        geojson_layer(
            feature_collection(classified[classified["parcel_id"].isin(top)], "parcels", lambda r: tip_html(r["name"])),
            "推荐地块",
            lambda _f: HIGHLIGHT,
        ).add_to(group)
        project = view.projects[view.projects["project_id"] == pid]
        if is_large(data):  # province scale: the ranked candidates only, not every parcel of the province
            listed = {p for m in matches for p in m.candidate.parcel_ids}
            around = classified[classified["parcel_id"].isin(listed)]
            st.caption("数据量大：地图只显示排名列出的候选地块，高亮为前三。")
        else:
            around = classified
        layers = {"admin": view.admin, "zones": view.zones, "parcels": around, "projects": project}
        show_map(build_map(layers, parcel_style="idle_class", extra=[group]), data, "idle_match_map", None, height=480)

with tab_report:
    st.markdown("会议用报告：认定清单、适用规则、闲置费和已保存的测算方案。")
    c1, c2 = st.columns(2)
    scenarios = saved_scenarios()
    c1.download_button(
        "下载 Excel 报告",
        lambda: report_xlsx(classified, today, rules, scenarios),
        export_filename("闲置土地盘活报告", "xlsx"),
        XLSX,
        key="idl_dl_xlsx",
        on_click="ignore",
    )
    c2.download_button(
        "下载打印版（HTML，含地图，浏览器中打印为 PDF）",
        lambda: report_html(classified, data.zones, today, rules, scenarios, admin=data.admin).encode(),
        export_filename("闲置土地盘活报告", "html"),
        "text/html",
        key="idl_dl_html",
        on_click="ignore",
    )
