"""Tables built from the parcels for the 标准地供给 page (pure: no Streamlit).

Every table has Chinese headers with units; numbers stay numbers so the UI can
format them and exports keep them numeric.
"""

from __future__ import annotations

import pandas as pd

from domain.indicators import BENCHMARKS, land_use
from domain.labels import label
from domain.supply import PIPELINE, REQUIRED_ASSESSMENTS, stage_counts
from domain.units import km2_to_mu
from geodata.schema import SHANXI_CITIES

NATIONAL_ROW = "全国国家级开发区（通报值）"


def _records(parcels: pd.DataFrame) -> list[dict]:
    return parcels.drop(columns="geometry", errors="ignore").to_dict("records")


def parcel_table(parcels: pd.DataFrame) -> pd.DataFrame:
    """One row per parcel for the linked table, indexed by parcel_id; name, 亩 and stage come first."""
    done = parcels[list(REQUIRED_ASSESSMENTS)].sum(axis=1).astype(int)
    return pd.DataFrame(
        {
            "名称": parcels["name"],
            "面积（亩）": parcels["area_mu"].round(2),
            "供地阶段": parcels["pipeline_stage"].map(label),
            "开发区": parcels["zone_name"],
            "基础设施配套": parcels["readiness"].map(label),
            "区域评估": [f"{n}/{len(REQUIRED_ASSESSMENTS)}" for n in done],
            "标准地": parcels["is_standard_land"].map({True: "是", False: "否"}),
            "用地性质": parcels["land_use"].map(label),
            "产业链": parcels["chain"].fillna(label("unassigned_chain")),
        }
    ).set_index(parcels["parcel_id"].rename("地块编号"))


def funnel(parcels: pd.DataFrame) -> pd.DataFrame:
    """The supply funnel: per pipeline stage, parcels that reached it (宗, 亩) and are at it."""
    counts = stage_counts(_records(parcels))
    return pd.DataFrame(
        [
            {
                "阶段": label(stage),
                "序号": i,
                "累计达到（宗）": counts[stage]["reached"],
                "累计达到（亩）": round(counts[stage]["reached_mu"], 2),
                "当前处于（宗）": counts[stage]["at"],
                "当前处于（亩）": round(counts[stage]["at_mu"], 2),
            }
            for i, stage in enumerate(PIPELINE)
        ]
    )


def group_keys(frame: pd.DataFrame, by: str) -> tuple[pd.Series, dict, str]:
    """(keys to group on, key → display name, column header) for grouping by ``"zone"`` or ``"city"``."""
    if by == "zone":
        return frame["zone_id"], dict(zip(frame["zone_id"], frame["zone_name"], strict=False)), "开发区"
    return frame["city_adcode"], SHANXI_CITIES, "市"


def pipeline_by(parcels: pd.DataFrame, by: str) -> pd.DataFrame:
    """Parcels currently at each stage, in 宗 and 亩, per zone (``by="zone"``) or city (``by="city"``)."""
    keys, names, head = group_keys(parcels, by)
    rows = []
    for key, group in parcels.groupby(keys, sort=False):
        counts = stage_counts(_records(group))
        row = {head: names.get(key, key)}
        for stage in PIPELINE:
            row[f"{label(stage)}（宗）"] = counts[stage]["at"]
            row[f"{label(stage)}（亩）"] = round(counts[stage]["at_mu"], 2)
        row["合计（宗）"] = len(group)
        row["合计（亩）"] = round(float(group["area_mu"].sum()), 2)
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    total = {head: "合计", **frame.drop(columns=head).sum(numeric_only=True).round(2).to_dict()}
    out = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    counts = [c for c in out.columns if c.endswith("（宗）")]
    out[counts] = out[counts].astype(int)
    return out


def land_use_table(parcels: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """Per zone: 土地开发率/供应率/建成率, 容积率, 投资强度, 亩均税收; last row the national benchmark."""
    planned = dict(zip(zones["zone_id"], zones["planned_area_km2"], strict=True))
    rows = []
    for zone_id, group in parcels.groupby("zone_id", sort=False):
        u = land_use(_records(group))
        km2 = planned.get(zone_id)
        rows.append(
            {
                "开发区": group["zone_name"].iloc[0],
                "地块（宗）": u.parcels,
                "地块面积（亩）": round(u.total_mu, 2),
                "规划面积（亩）": None if km2 is None or km2 != km2 else round(km2_to_mu(km2), 0),
                "土地开发率": u.development_rate,
                "土地供应率": u.supply_rate,
                "土地建成率": u.built_rate,
                "平均容积率": u.plot_ratio,
                "平均投资强度（万元/亩）": u.invest_intensity,
                "平均亩均税收（万元/亩）": u.tax_per_mu,
            }
        )
    rows.append(
        {
            "开发区": NATIONAL_ROW,
            "土地开发率": BENCHMARKS["development_rate"],
            "土地供应率": BENCHMARKS["supply_rate"],
            "土地建成率": BENCHMARKS["built_rate"],
            "平均容积率": BENCHMARKS["plot_ratio"],
            "平均投资强度（万元/亩）": BENCHMARKS["invest_intensity"],
            "平均亩均税收（万元/亩）": BENCHMARKS["tax_per_mu"],
        }
    )
    return pd.DataFrame(rows)
