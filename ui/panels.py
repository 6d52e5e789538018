"""Summary strip and record detail panel."""

from __future__ import annotations

import streamlit as st

from domain.labels import label
from domain.units import area_difference_note
from geodata.dataset import Dataset
from geodata.schema import SAMPLE_SOURCE, SCHEMAS
from stats.tracker import zone_leaders
from ui.format import code_rows, fmt_number, record_rows, text_table


def summary_strip(summary: dict) -> None:
    """Counts, 亩 and 亿元 of what the filters select (every filtered record, drawn or not)."""
    cols = st.columns(5)
    cells = [
        ("开发区（个）", f"{summary['zones']}", None),
        ("地块（宗）", f"{summary['parcels']:,}", fmt_number(summary["parcels_mu"], 2, "亩")),
        ("其中标准地（宗）", f"{summary['standard_parcels']:,}", fmt_number(summary["standard_mu"], 2, "亩")),
        (
            "三个一批项目（个）",
            f"{summary['projects']:,}",
            f"签约 {summary['signed']:,} · 开工 {summary['started']:,} · 投产 {summary['producing']:,}",
        ),
        (
            "项目总投资（亿元）",
            fmt_number(summary["investment_yi"], 2),
            f"{summary['projects_without_investment']} 个项目未披露投资额"
            if summary["projects_without_investment"]
            else None,
        ),
    ]
    for col, (title, value, note) in zip(cols, cells, strict=True):
        col.metric(title, value, note, delta_color="off", delta_arrow="off")


def find_record(data: Dataset, layer: str, record_id: str) -> dict | None:
    """The record of ``layer`` with key ``record_id`` (with derived columns), or None."""
    frame = data.layer(layer)
    key = SCHEMAS[layer].key
    hit = frame[frame[key] == record_id]
    if hit.empty:
        return None
    return hit.iloc[0].to_dict()


def detail_panel(data: Dataset, selection: tuple[str, str] | None, view: Dataset | None = None) -> None:
    """The full record of the selected zone, parcel or project, in Chinese labels; codes in a folded 编码 section.

    ``view`` is the page's filtered data: a zone's 地块数 and 项目数 count what the filters select (with the
    zone's total beside them when the filters leave some out).
    """
    st.subheader("详情")
    if not selection:
        st.caption("点击地图上的开发区、地块或项目，或在侧栏按名称、编号或企业搜索，查看完整信息。")
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
    codes = code_rows(layer, record)
    st.table(text_table(record_rows(layer, _named(data, layer, record), _extra(data, view, layer, record))
                        .set_index("字段")))  # fmt: skip
    if not codes.empty:
        with st.expander("编码", expanded=False):
            st.table(text_table(codes.set_index("字段")))


def _named(data: Dataset, layer: str, record: dict) -> dict:
    """The record with its parent zone by name instead of its code."""
    if layer == "zones" and record.get("parent_id"):
        parent = find_record(data, "zones", record["parent_id"])
        record = record | {"parent_id": parent["name"] if parent else record["parent_id"]}
    return record


def _count(frames: list, record_id: str, unit: str) -> str:
    """'N 宗' from the filtered frame, with '（全部 M 宗）' when the filters leave some of the zone's out."""
    shown, total = ((f["zone_id"] == record_id).sum() for f in frames)
    return f"{shown} {unit}" if shown == total else f"{shown} {unit}（符合筛选；全部 {total} {unit}）"


def _extra(data: Dataset, view: Dataset | None, layer: str, record: dict) -> dict[str, str]:
    seen = view or data
    extra: dict[str, str] = {}
    if layer == "zones":
        extra = {
            "所在市": record.get("city_name") or label("unknown"),
            "所在县（市、区）": record.get("county_name") or label("unknown"),
            "地块数": _count([seen.parcels, data.parcels], record["zone_id"], "宗"),
            "项目数": _count([seen.projects, data.projects], record["zone_id"], "个"),
            "链主企业": zone_leaders(data.projects, record["zone_id"]) or "无",
        }
    elif layer in ("parcels", "projects"):
        extra = {"所属开发区": record.get("zone_name") or label("unknown")}
    if layer == "projects" and record.get("round_id"):
        rounds = dict(zip(data.rounds["round_id"], data.rounds["label"], strict=True))
        extra["三个一批批次"] = rounds.get(record["round_id"], record["round_id"])
    if layer == "parcels" and (note := area_difference_note(record.get("registered_area_mu"), record.get("area_mu"))):
        extra["面积核对"] = note  # the legal figure and the shape's disagree by more than 1 %
    return extra
