"""Tables and inputs of the 闲置土地盘活 page (pure: no Streamlit)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import shapely

from domain.idle import (
    IDLE_STATUSES,
    IdleRules,
    classify,
    fee_unpriced,
    idle_fee,
    is_idle,
    missing_note,
    unsold_stock,
)
from domain.labels import label
from domain.matching import Candidate, Match, Need, candidate_kind, combine
from domain.revitalize import (
    OPTIONS,
    ChainIndicators,
    Item,
    Result,
    allowed_options,
    evaluate,
    option_problem,
    totals,
)
from geodata.dataset import per_distinct
from geodata.frames import records
from geodata.query import zone_family
from geodata.schema import split_list
from stats.supply import group_keys

# What the idle rules read of a parcel (domain.idle.classify, idle_fee, fee_unpriced); nothing else may decide.
IDLE_INPUTS = ("supply_status", "agreed_start_date", "actual_start_date", "work_stopped_date", "developed_share",
               "invested_share", "delay_cause", "land_price")  # fmt: skip


def classify_parcels(parcels: pd.DataFrame, today: dt.date, rules: IdleRules) -> pd.DataFrame:
    """``parcels`` plus idle_class, idle_reason, idle_basis, idle_reference, idle_since, idle_recover_since,
    idle_fee (NaN where the fee is owed but the price is missing: idle_fee_unpriced), is_idle and idle_options
    (the allowed disposal option keys, the default first).

    The rules run once per distinct combination of :data:`IDLE_INPUTS` (:func:`geodata.dataset.per_distinct`):
    a million parcels share far fewer combinations, and no row of every column is built (at 1 000 000 parcels
    that was 54 s and 2.9 GB on top of the data).
    """
    out = parcels.copy(deep=False)  # new columns only; copy-on-write keeps the caller's frame as it was

    def judge(record: dict) -> tuple:
        verdict = classify(record, today, rules)
        unpriced = fee_unpriced(record, verdict)
        return verdict, unpriced, np.nan if unpriced else idle_fee(record, verdict, rules)  # unknown, not 0

    inputs = [c for c in IDLE_INPUTS if c in out.columns]  # a missing one reads None
    judged = per_distinct(out, inputs, {"judged": judge})["judged"]
    verdicts = [j[0] for j in judged]
    out["idle_class"] = [v.status for v in verdicts]
    out["idle_reason"] = [v.reason for v in verdicts]
    out["idle_basis"] = [v.basis for v in verdicts]
    out["idle_reference"] = [_iso(v.reference_date) for v in verdicts]
    out["idle_since"] = [_iso(v.idle_since) for v in verdicts]
    out["idle_recover_since"] = [_iso(v.recover_since) for v in verdicts]
    out["idle_fee"] = pd.Series([j[2] for j in judged], index=out.index, dtype=float)
    out["idle_fee_unpriced"] = pd.Series([j[1] for j in judged], index=out.index, dtype=bool)
    out["is_idle"] = pd.Series([is_idle(v) for v in verdicts], index=out.index, dtype=bool)
    out["idle_options"] = [allowed_options(v) for v in verdicts]
    return out


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


IDLE_VIEW = IDLE_STATUSES  # the classes the table opens with: idle under the regulation, every cause


def people(value: float) -> int:
    """就业 in whole people (half up: 108.5 → 109), the same in the app, the scenario tables and the Excel report."""
    return math.floor(value + 0.5)


def idle_table(classified: pd.DataFrame, classes: Sequence[str] | None = None) -> pd.DataFrame:
    """Supplied parcels (of ``classes`` when given) with their class first, the dates it was computed from
    and the fee; keyed by parcel_id."""
    rows = classified[classified["idle_class"] != "not_supplied"]
    if classes:
        rows = rows[rows["idle_class"].isin(classes)]
    return pd.DataFrame(
        {
            "闲置认定": rows["idle_class"].map(label),
            "名称": rows["name"],
            "面积（亩）": rows["area_mu"].round(2),
            "开发区": rows["zone_name"],
            "认定依据": rows["idle_reason"],
            "约定动工日期": rows["agreed_start_date"].fillna("—"),
            "实际动工日期": rows["actual_start_date"].fillna("—"),
            "停工日期": rows["work_stopped_date"].fillna("—"),
            "闲置起始日（满一年次日）": rows["idle_since"].fillna("—"),
            "可无偿收回起始日（满两年次日）": rows["idle_recover_since"].fillna("—"),
            "处置方式": [_options_text(o) for o in rows["idle_options"]],
            "出让或者划拨价款（万元）": rows["land_price"],
            "土地闲置费（万元）": rows["idle_fee"],
        }
    ).set_index(rows["parcel_id"].rename("地块编号"))


FEE_COLUMN = "可征闲置费（万元）"
UNPRICED_COLUMN = "缺少出让价款未计入闲置费（宗）"  # beside FEE_COLUMN in every table and export


def fee_figure(classified: pd.DataFrame) -> tuple[float, str]:
    """The fee to collect (万元, the priced parcels) and what it leaves out (:func:`domain.idle.missing_note`)."""
    unpriced = int(classified["idle_fee_unpriced"].sum()) if "idle_fee_unpriced" in classified else 0
    return round(float(classified["idle_fee"].sum()), 2), missing_note(unpriced)


def _options_text(keys: Sequence[str]) -> str:
    return "；".join(OPTIONS[k].label for k in keys) or "—"


def idle_totals(classified: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per zone (``by="zone"``) or city: idle parcels and 亩 per class, fees, 无偿收回 candidates; 合计 row."""
    supplied = classified[classified["idle_class"] != "not_supplied"]
    keys, names, head = group_keys(supplied, by)
    rows = []
    for key, group in supplied.groupby(keys, sort=False):
        row = {head: names.get(key, key), "已供应地块（宗）": len(group)}
        for cls in IDLE_STATUSES:
            part = group[group["idle_class"] == cls]
            row[f"{label(cls)}（宗）"] = len(part)
            row[f"{label(cls)}（亩）"] = round(float(part["area_mu"].sum()), 2)
        row[FEE_COLUMN] = round(float(group["idle_fee"].sum()), 2)
        row[UNPRICED_COLUMN] = int(group["idle_fee_unpriced"].sum()) if "idle_fee_unpriced" in group else 0
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    idle_mu = frame[[c for c in frame.columns if c.endswith("（亩）")]].sum(axis=1)
    frame = frame[idle_mu > 0].reset_index(drop=True) if (idle_mu > 0).any() else frame.iloc[0:0]
    total = {head: "合计", **frame.drop(columns=head).sum(numeric_only=True).round(2).to_dict()}
    out = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    counts = [c for c in out.columns if c.endswith("（宗）")]
    out[counts] = out[counts].astype(int)
    return out


def unsold_stock_table(parcels: pd.DataFrame) -> pd.DataFrame:
    """储备及已挂牌未出让 per zone: parcels and 亩, how much is listed and 具备供地条件.

    Not 批而未供: the data stores no 农转用/征收 approvals (see domain.idle.unsold_stock).
    """
    stock = parcels[[unsold_stock(r) for r in records(parcels, ["supply_status"])]]
    rows = []
    for _, group in stock.groupby("zone_id", sort=False):
        ready = group[group["supply_ready"].astype(bool)]
        rows.append(
            {
                "开发区": group["zone_name"].iloc[0],
                f"{label('unsold_stock')}（宗）": len(group),
                f"{label('unsold_stock')}（亩）": round(float(group["area_mu"].sum()), 2),
                "其中已挂牌（亩）": round(float(group.loc[group["supply_status"] == "listed", "area_mu"].sum()), 2),
                "其中具备供地条件（亩）": round(float(ready["area_mu"].sum()), 2),
            }
        )
    return pd.DataFrame(rows)


# --- matching inputs --------------------------------------------------------------------


ADJACENT_DEG = 0.0003  # ≈ 30 m: parcels across one estate road count as adjacent


def candidates(classified: pd.DataFrame, zones: pd.DataFrame, pairs: bool = True) -> list[Candidate]:
    """Land that can be supplied (domain.matching.candidate_kind) as candidates, plus adjacent pairs within a zone.

    Adjacent: in the same zone and no more than ``ADJACENT_DEG`` (≈ 30 m, one estate road) apart.
    """
    zone_rows = zones.set_index("zone_id")
    kinds = [
        candidate_kind(r["supply_status"], bool(r["supply_ready"]), r["idle_class"])
        for r in records(classified, ["supply_status", "supply_ready", "idle_class"])
    ]
    pool = classified.assign(_kind=kinds)
    pool = pool[pool["_kind"].notna()]
    families: dict[str, frozenset] = {}  # per zone, not per parcel: a province has 100 000 parcels in ~100 zones
    chains: dict[str, frozenset] = {}
    for zone_id in pool["zone_id"].unique():
        zone = zone_rows.loc[zone_id]
        families[zone_id] = frozenset(
            zone_family(zones, (zone_id,)) | ({zone["parent_id"]} if zone["parent_id"] else set())
        )
        chains[zone_id] = frozenset(split_list(zone["leading_chains"]))
    geoms = pool.geometry.to_numpy()
    points = shapely.point_on_surface(geoms) if len(geoms) else geoms
    out = [
        Candidate(
            parcel_ids=(r["parcel_id"],),
            kind=r["_kind"],
            zone_id=r["zone_id"],
            zone_family=families[r["zone_id"]],
            city_adcode=r["city_adcode"],
            area_mu=float(r["area_mu"]),
            readiness=r["readiness"],
            zone_chains=chains[r["zone_id"]],
            parcel_chains=frozenset([r["chain"]] if r["chain"] else []),
            lon=point.x,
            lat=point.y,
        )
        for r, point in zip(records(pool), points, strict=True)
    ]
    if pairs and len(out) > 1:  # neighbours found with a spatial index, not by comparing every two parcels
        left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=ADJACENT_DEG)
        zone_ids = pool["zone_id"].to_numpy()
        keep = (left < right) & (zone_ids[left] == zone_ids[right])
        order = np.lexsort((right[keep], left[keep]))
        out += [combine(out[i], out[j]) for i, j in zip(left[keep][order], right[keep][order], strict=True)]
    return out


def needs(projects: pd.DataFrame, min_readiness: str = "three_plus_one") -> list[Need]:
    """Projects that need land: signed with no parcel (签而未落), or a stated need with no parcel."""
    rows = projects[projects["parcel_id"].isna() & ((projects["stage"] == "signed") | projects["land_need_mu"].notna())]
    return [
        Need(
            project_id=r["project_id"],
            zone_id=r["zone_id"],
            city_adcode=r["city_adcode"],
            land_need_mu=None if pd.isna(r["land_need_mu"]) else float(r["land_need_mu"]),
            chain=r["chain"],
            lon=r["geometry"].x,
            lat=r["geometry"].y,
            min_readiness=min_readiness,
        )
        for r in rows.to_dict("records")
    ]


PART_LABELS = {"area": "面积", "location": "区位", "readiness": "配套", "chain": "产业链"}


def match_table(matches: Sequence[Match], names: Mapping[str, str]) -> pd.DataFrame:
    """Ranked candidates with the score, its parts and the reason for each part."""
    rows = []
    for i, m in enumerate(matches, start=1):
        c = m.candidate
        row = {
            "排名": i,
            "候选地块": " + ".join(names.get(p, p) for p in c.parcel_ids),
            "类型": label(f"candidate_{c.kind}"),
            "面积（亩）": round(c.area_mu, 2),
            "得分": m.score,
        }
        for key, text in PART_LABELS.items():
            row[f"{text}（分）"] = m.parts[key]
            row[f"{text}说明"] = m.reasons[key]
        rows.append(row)
    return pd.DataFrame(rows)


# --- scenarios ------------------------------------------------------------------------------


def evaluate_plan(
    choices: Sequence[tuple[str, str, str | None]],
    classified: pd.DataFrame,
    today: dt.date,
    rules: IdleRules,
    indicators: Mapping[str, ChainIndicators],
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Evaluate (parcel_id, option, chain) choices: the results table with formulas, and the totals.

    Every option must be one the order allows for the parcel (see :func:`plan_problems`); ValueError otherwise.
    """
    by_id = classified.set_index("parcel_id")
    results, meta = [], []
    for parcel_id, option, chain in choices:
        parcel = by_id.loc[parcel_id].to_dict() | {"parcel_id": parcel_id}
        item = Item(parcel, classify(parcel, today, rules), option, chain)
        results.append(evaluate(item, today, indicators, rules))
        meta.append({"name": parcel["name"], "option": option, "chain": chain})
    return results_table(results, meta), totals(results)


def plan_problems(
    choices: Sequence[tuple[str, str, str | None]], classified: pd.DataFrame, today: dt.date, rules: IdleRules
) -> dict[str, str]:
    """parcel_id → why the chosen option does not apply to it (Chinese), for the choices that break the order."""
    by_id = classified.set_index("parcel_id")
    out = {}
    for parcel_id, option, _chain in choices:
        parcel = by_id.loc[parcel_id].to_dict() | {"parcel_id": parcel_id}
        problem = option_problem(classify(parcel, today, rules), option)
        if problem:
            out[parcel_id] = f"{parcel['name']}：{problem}"
    return out


def results_table(results: Sequence[Result], items_meta: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """One row per parcel of a scenario: option, chain, gains and the formula of each figure."""
    rows = []
    for r, meta in zip(results, items_meta, strict=True):
        rows.append(
            {
                "地块": meta["name"],
                "处置方式": OPTIONS[meta["option"]].label,
                "处置依据": r.basis,
                "须核实的条件": "、".join(r.conditions) or "—",
                "目标产业链": meta.get("chain") or "默认",
                "面积（亩）": round(r.area_mu, 2),
                "固定资产投资（万元）": round(r.investment, 2),
                "年产值（万元）": round(r.output, 2),
                "年税收（万元）": round(r.tax, 2),
                "就业（人）": people(r.jobs),
                "可收闲置费（万元）": None if r.fee_unpriced else round(r.fee, 2),
                "预计可用日期": r.in_use.isoformat(),
                "投资算式": r.formulas["investment"],
                "产值算式": r.formulas["output"],
                "税收算式": r.formulas["tax"],
                "就业算式": r.formulas["jobs"],
                "闲置费算式": r.formulas["fee"],
                "可用日期算式": r.formulas["in_use"],
            }
        )
    return pd.DataFrame(rows)


def compare_table(scenarios: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Scenario totals side by side: one column per scenario."""
    names = {
        "area_mu": "盘活面积（亩）",
        "investment": "固定资产投资（万元）",
        "output": "年产值（万元）",
        "tax": "年税收（万元）",
        "jobs": "就业（人）",
        "fee": "可收闲置费（万元）",
        "fee_unpriced": UNPRICED_COLUMN,
    }
    return pd.DataFrame(
        {
            name: {names[k]: people(v) if k == "jobs" else round(v, 2) for k, v in t.items()}
            for name, t in scenarios.items()
        }
    ).rename_axis("指标")
