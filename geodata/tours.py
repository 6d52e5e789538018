"""观摩会 tours against the data: problems, key figures computed live, bounds, and the stops as an editable table.

The tour model is :mod:`domain.tours`; stores keep tours (``Store.list_tours``,
``save_tour``, ``delete_tour``), versioned and audited like parcels.
"""

from __future__ import annotations

import pandas as pd

from domain.labels import label, stage_label
from domain.tours import STOP_LAYERS, Stop, Tour
from domain.values import is_blank
from geodata.dataset import Dataset
from geodata.query import zone_family
from geodata.schema import SCHEMAS


def tour_problems(tour: Tour, data: Dataset) -> list[str]:
    """Chinese messages for what keeps ``tour`` from being presented (empty when fine)."""
    problems = []
    if not tour.title.strip():
        problems.append("路线名称不能为空")
    if not tour.stops:
        problems.append("路线至少需要一站")
    for i, stop in enumerate(tour.stops, start=1):
        if stop.layer not in STOP_LAYERS:
            problems.append(f"第 {i} 站：类型“{stop.layer}”无效")
            continue
        frame = data.layer(stop.layer)
        if stop.ref not in set(frame[SCHEMAS[stop.layer].key]):
            problems.append(f"第 {i} 站：{label(stop.layer)}“{stop.ref}”不存在")
        if not stop.title.strip():
            problems.append(f"第 {i} 站：标题不能为空")
        if stop.zoom is not None and not 5 <= stop.zoom <= 19:
            problems.append(f"第 {i} 站：缩放级别应在 5–19 之间")
        if not set(stop.show) <= set(STOP_LAYERS):
            problems.append(f"第 {i} 站：显示图层无效")
    return problems


def _record(data: Dataset, layer: str, ref: str) -> dict:
    frame = data.layer(layer)
    return frame[frame[SCHEMAS[layer].key] == ref].iloc[0].to_dict()


def stop_figures(stop: Stop, data: Dataset) -> list[tuple[str, str]]:
    """Key figures of a stop, computed from the store now: (label, value) pairs."""
    rec = _record(data, stop.layer, stop.ref)
    if stop.layer == "zones":
        family = zone_family(data.zones, (stop.ref,))
        parcels = data.parcels[data.parcels["zone_id"].isin(family)]
        projects = data.projects[data.projects["zone_id"].isin(family)]
        ready = parcels.loc[parcels["pipeline_stage"] == "supply_ready", "area_mu"].sum()
        stages = projects["stage"].value_counts()
        invest = projects["investment_yi"].sum(skipna=True)
        return [
            ("具备供地条件", f"{ready:,.2f} 亩"),
            ("地块", f"{len(parcels):,} 宗 · {parcels['area_mu'].sum():,.2f} 亩"),
            (
                "项目",
                " · ".join(f"{stage_label(s)} {int(stages.get(s, 0)):,}" for s in ("signed", "started", "producing")),
            ),
            ("项目总投资", f"{invest:,.2f} 亿元"),
        ]
    if stop.layer == "parcels":
        return [
            ("面积", f"{rec['area_mu']:,.2f} 亩"),
            ("供地阶段", label(rec["pipeline_stage"])),
            ("基础设施配套", label(rec["readiness"])),
            ("标准地", "是" if rec["is_standard_land"] else "否"),
        ]
    invest = rec.get("investment_yi")
    dates = [f"{stage_label(s)} {rec[c]}" for s, c in (("signed", "signed_date"), ("started", "started_date"),
                                                          ("producing", "producing_date")) if rec.get(c)]  # fmt: skip
    return [
        ("阶段", stage_label(rec["stage"])),
        ("总投资", "未披露" if invest is None or pd.isna(invest) else f"{invest:,.2f} 亿元"),
        ("企业", rec.get("enterprise") or "—"),
        ("进度", " → ".join(dates) or "—"),
    ]


def stop_bounds(stop: Stop, data: Dataset, pad_deg: float = 0.003) -> list[list[float]]:
    """[[south, west], [north, east]] of the stop's record (points padded)."""
    frame = data.layer(stop.layer)
    w, s, e, n = frame[frame[SCHEMAS[stop.layer].key] == stop.ref].total_bounds
    return [[s - pad_deg, w - pad_deg], [n + pad_deg, e + pad_deg]]


# --- editing as a table ----------------------------------------------------------------------

LAYER_NAMES = {"zones": "开发区", "parcels": "地块", "projects": "项目"}
EDIT_COLUMNS = ["顺序", "类型", "编号", "标题", "缩放", "显示开发区", "显示地块", "显示项目", "说明"]


def stops_frame(tour: Tour) -> pd.DataFrame:
    """The stops as an editable table (Chinese headers)."""
    rows = [
        {
            "顺序": i,
            "类型": LAYER_NAMES[s.layer],
            "编号": s.ref,
            "标题": s.title,
            "缩放": s.zoom,
            "显示开发区": "zones" in s.show,
            "显示地块": "parcels" in s.show,
            "显示项目": "projects" in s.show,
            "说明": s.note,
        }
        for i, s in enumerate(tour.stops, start=1)
    ]
    return pd.DataFrame(rows, columns=EDIT_COLUMNS)


def tour_from_frame(tour_id: str, title: str, frame: pd.DataFrame) -> Tour:
    """A Tour from the edited table, stops ordered by 顺序 (rows without 编号 are dropped)."""
    by_name = {v: k for k, v in LAYER_NAMES.items()}
    rows = frame[~frame["编号"].map(is_blank).astype(bool)].sort_values("顺序", kind="stable", na_position="last")
    stops = []
    for r in rows.to_dict("records"):
        show = tuple(
            k for k, col in (("zones", "显示开发区"), ("parcels", "显示地块"), ("projects", "显示项目")) if r[col]
        )
        zoom = None if pd.isna(r["缩放"]) else int(r["缩放"])
        layer = by_name.get(r["类型"], str(r["类型"]))
        stops.append(Stop(layer, str(r["编号"]).strip(), _cell(r["标题"]).strip(), zoom, show, _cell(r["说明"])))
    return Tour(tour_id, title.strip(), tuple(stops))


def _cell(value: object) -> str:
    """A text cell of the edited table ("" for an empty one, which the editor may hold as None or NaN)."""
    return "" if is_blank(value) else str(value)
