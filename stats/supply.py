"""Tables built from the parcels for the 标准地供给 page (pure: no Streamlit).

Every table has Chinese headers with units; numbers stay numbers so the UI can
format them and exports keep them numeric.
"""

from __future__ import annotations

import pandas as pd

from domain.indicators import BENCHMARKS, RATES, land_use
from domain.labels import label
from domain.published import PROVINCE_FIGURES
from domain.supply import PIPELINE, SUPPLIED, stage_counts, stage_figures
from domain.units import km2_to_mu
from geodata.frames import records
from geodata.schema import SAMPLE_SOURCE, SHANXI_CITIES, ZONE_TYPES
from geodata.settings import required_assessments

NATIONAL_ROW = "全国541个国家级开发区（2020年度监测通报，数据截至2019年底）"


STAGE_FIELDS = ("pipeline_stage", "supply_status", "area_mu")  # what domain.supply.stage_counts reads
LAND_USE_FIELDS = (*STAGE_FIELDS, "developed_share", "plot_ratio", "invest_intensity", "tax_per_mu")
KEY_FIELDS = ("zone_id", "zone_name", "city_adcode")


def _narrow(parcels: pd.DataFrame, fields: tuple[str, ...]) -> pd.DataFrame:
    """Only the columns the rules read, as a plain frame (no geometry): records of 48 columns and
    grouping a GeoDataFrame cost seconds at 100 000 parcels. Every column when the stage was never derived
    (the rules then derive it from the flags)."""
    if "pipeline_stage" not in parcels:
        return pd.DataFrame(parcels.drop(columns="geometry", errors="ignore"))
    return pd.DataFrame(parcels[[f for f in (*fields, *KEY_FIELDS) if f in parcels]])


def _records(parcels: pd.DataFrame, fields: tuple[str, ...] = STAGE_FIELDS) -> list[dict]:
    return records(_narrow(parcels, fields))


def parcel_table(parcels: pd.DataFrame) -> pd.DataFrame:
    """One row per parcel for the linked table, indexed by parcel_id; name, 亩 and stage come first."""
    required = required_assessments()
    done = parcels[list(required)].astype(bool).sum(axis=1).astype(int)
    return pd.DataFrame(
        {
            "名称": parcels["name"],
            "面积（亩）": parcels["area_mu"].round(2),
            "供地阶段": parcels["pipeline_stage"].map(label),
            "开发区": parcels["zone_name"],
            "基础设施配套": parcels["readiness"].map(label),
            "区域评估": [f"{n}/{len(required)}" for n in done],
            "标准地": parcels["is_standard_land"].map({True: "是", False: "否"}),
            "用地性质": parcels["land_use"].map(label),
            "产业链": parcels["chain"].fillna(label("unassigned_chain")),
        }
    ).set_index(parcels["parcel_id"].rename("地块编号"))


def funnel(parcels: pd.DataFrame) -> pd.DataFrame:
    """The supply funnel: per pipeline stage, parcels that reached it (宗, 亩) and are at it."""
    figures = stage_figures(_records(parcels))
    return pd.DataFrame([{"阶段": label(stage), "序号": i, **figures[stage]} for i, stage in enumerate(PIPELINE)])


def group_keys(frame: pd.DataFrame, by: str) -> tuple[pd.Series, dict, str]:
    """(keys to group on, key → display name, column header) for grouping by ``"zone"`` or ``"city"``."""
    if by == "zone":
        return frame["zone_id"], dict(zip(frame["zone_id"], frame["zone_name"], strict=False)), "开发区"
    return frame["city_adcode"], SHANXI_CITIES, "市"


def pipeline_by(parcels: pd.DataFrame, by: str) -> pd.DataFrame:
    """Parcels currently at each stage, in 宗 and 亩, per zone (``by="zone"``) or city (``by="city"``)."""
    parcels = _narrow(parcels, STAGE_FIELDS)
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
    """Per zone: 土地开发率/供应率/建成率 and the parcels' 控制指标; last row the bulletin's rates.

    土地开发率 needs the zone's total land (its planned area): "—" where unknown.
    The control columns stay empty in the bulletin row: its 容积率, 投入强度 and
    地均税收 are actuals on built land (see :func:`bulletin_table`).
    """
    planned = dict(zip(zones["zone_id"], zones["planned_area_km2"], strict=True))
    rows = []
    for zone_id, group in _narrow(parcels, LAND_USE_FIELDS).groupby("zone_id", sort=False):
        km2 = planned.get(zone_id)
        zone_mu = None if km2 is None or km2 != km2 else km2_to_mu(km2)
        u = land_use(_records(group, LAND_USE_FIELDS), zone_mu)
        rows.append(
            {
                "开发区": group["zone_name"].iloc[0],
                "地块（宗）": u.parcels,
                "地块面积（亩）": round(u.total_mu, 2),
                "具备供地条件及以后（亩）": round(u.developed_mu, 2),
                "开发区土地总面积（亩）": None if u.zone_mu is None else round(u.zone_mu, 0),
                "土地开发率": u.development_rate,
                "土地供应率": u.supply_rate,
                "土地建成率": u.built_rate,
                "容积率（控制指标）": u.plot_ratio,
                "投资强度（控制指标，万元/亩）": u.invest_intensity,
                "亩均税收（控制指标，万元/亩）": u.tax_per_mu,
            }
        )
    rows.append({"开发区": NATIONAL_ROW} | {label(k): BENCHMARKS[k] for k in RATES})
    return pd.DataFrame(rows)


def development_rate_note(table: pd.DataFrame) -> str:
    """“N 个开发区缺少规划面积，未计算土地开发率” for the zones of :func:`land_use_table` ("" for none)."""
    zones = table[table["开发区"] != NATIONAL_ROW]
    unknown = int(zones["开发区土地总面积（亩）"].isna().sum()) if len(zones) else 0
    return f"{unknown} 个开发区缺少规划面积（开发区土地总面积），未计算土地开发率（记为“—”）" if unknown else ""


def bulletin_table() -> pd.DataFrame:
    """The bulletin's figures with units and what each may be compared with."""
    rates = "本表各开发区的同名比率"
    actual = "建成用地的实际值；本数据只有地块控制指标，不作比较"
    rows = [
        ("土地开发率", f"{BENCHMARKS['development_rate']:.2%}", rates),
        ("土地供应率", f"{BENCHMARKS['supply_rate']:.2%}", rates),
        ("土地建成率", f"{BENCHMARKS['built_rate']:.2%}", rates),
        ("综合容积率", f"{BENCHMARKS['plot_ratio']:.2f}", actual),
        ("工业用地综合容积率", f"{BENCHMARKS['industrial_plot_ratio']:.2f}", "工业地块的实际容积率；" + actual),
        ("工业用地固定资产投入强度", f"8,984.3 万元/公顷（≈ {BENCHMARKS['invest_intensity']:,.2f} 万元/亩）", actual),
        ("工业用地地均税收", f"678.99 万元/公顷（≈ {BENCHMARKS['tax_per_mu']:,.2f} 万元/亩）", actual),
    ]
    return pd.DataFrame(rows, columns=["指标", "通报值", "可比对象"])


def province_figures_table(zones: pd.DataFrame, parcels: pd.DataFrame) -> pd.DataFrame:
    """The province's published headline figures (domain.published) beside what this data counts.

    The data counts zones without a parent (parks are part of their zone) and
    standard land that is supplied (已出让、已动工、已投产); it records no
    承诺制 or 全代办 cases.
    """
    top = zones[zones["parent_id"].isna()]
    by_type = "、".join(f"{label(t)} {int((top['zone_type'] == t).sum())}" for t in ZONE_TYPES)
    standard = parcels[parcels["is_standard_land"].astype(bool) & parcels["supply_status"].isin(SUPPLIED)]
    seeded = standard[standard["source"] != SAMPLE_SOURCE]
    ours = {
        "zones": f"{len(top)} 家（{by_type}）",
        "zones_2023": f"{len(top)} 家",
        "standard_land": f"{len(standard)} 宗，{standard['area_mu'].sum():,.2f} 亩（其中公开报道所述 {len(seeded)} 宗，"
        f"{seeded['area_mu'].sum():,.2f} 亩，其余为示例）",
        "commitment": "本数据未记录",
        "agency": "本数据未记录",
    }
    rows = [{k: v for k, v in f.items() if k != "key"} | {"本数据": ours.get(f["key"], "—")} for f in PROVINCE_FIGURES]
    return pd.DataFrame(rows, columns=["指标", "数值", "时点", "来源", "本数据"])
