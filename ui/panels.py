"""Summary strip and record detail panel."""

from __future__ import annotations

import streamlit as st

from domain.labels import label
from geodata.dataset import Dataset
from geodata.schema import SAMPLE_SOURCE, SCHEMAS
from ui.format import fmt_number, record_rows


def summary_strip(summary: dict) -> None:
    """Counts, 亩 and 亿元 of what the filters select."""
    cols = st.columns(5)
    cols[0].metric("开发区", f"{summary['zones']} 个")
    cols[1].metric("地块", f"{summary['parcels']} 宗", fmt_number(summary["parcels_mu"], 2, "亩"), delta_color="off")
    cols[2].metric(
        "其中标准地",
        f"{summary['standard_parcels']} 宗",
        fmt_number(summary["standard_mu"], 2, "亩"),
        delta_color="off",
    )
    stages = f"签约 {summary['signed']} · 开工 {summary['started']} · 投产 {summary['producing']}"
    cols[3].metric("三个一批项目", f"{summary['projects']} 个", stages, delta_color="off")
    missing = summary["projects_without_investment"]
    note = f"{missing} 个项目未披露投资额" if missing else None
    cols[4].metric("项目总投资", fmt_number(summary["investment_yi"], 2, "亿元"), note, delta_color="off")


def find_record(data: Dataset, layer: str, record_id: str) -> dict | None:
    """The record of ``layer`` with key ``record_id`` (with derived columns), or None."""
    frame = data.layer(layer)
    key = SCHEMAS[layer].key
    hit = frame[frame[key] == record_id]
    if hit.empty:
        return None
    return hit.iloc[0].to_dict()


def detail_panel(data: Dataset, selection: tuple[str, str] | None) -> None:
    """The full record of the selected zone, parcel or project."""
    st.subheader("详情")
    if not selection:
        st.caption("点击地图上的开发区、地块或项目，或在侧栏按名称搜索，查看完整信息。")
        return
    layer, record_id = selection
    record = find_record(data, layer, record_id)
    if record is None:
        st.warning("所选记录已不在当前数据中。")
        return
    st.markdown(f"**{label(layer)}**")
    st.text(record["name"])  # st.text never renders markup
    if record.get("source") == SAMPLE_SOURCE:
        st.caption("示例数据：为演示而虚构的记录，非官方数据。")
    if record.get("outline_source") == "schematic":
        st.caption("边界为示意" if layer != "projects" else "位置为示意")
    extra = {}
    if layer == "zones":
        extra = {
            "所在市": record.get("city_name") or label("unknown"),
            "所在县（市、区）": record.get("county_name") or label("unknown"),
            "地块数": f"{(data.parcels['zone_id'] == record_id).sum()} 宗",
            "项目数": f"{(data.projects['zone_id'] == record_id).sum()} 个",
        }
    elif layer in ("parcels", "projects"):
        extra = {"所属开发区": record.get("zone_name") or label("unknown")}
    st.dataframe(record_rows(layer, record, extra), hide_index=True, width="stretch")
