"""Tables of the 三个一批 page (pure: no Streamlit): rounds with rates, projects with timelines
and 三未 flags, per-zone medians and follow-up lists, and the chain view."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from domain.labels import label, stage_label
from domain.tracker import (
    ROUND_RATES,
    SANLV,
    SANWEI,
    Thresholds,
    format_rate,
    judge,
    round_rates,
    signed_to_started_days,
)
from geodata.frames import records
from geodata.schema import STAGES, split_list


def rounds_table(rounds: pd.DataFrame) -> pd.DataFrame:
    """Every round and period in date order with its official figures and derived rates (as text)."""
    rows = []
    for r in rounds.sort_values(["date_start", "kind", "date_end"]).to_dict("records"):
        rates = round_rates(r)
        rows.append(
            {
                "活动": r["label"],
                "类别": label(r["kind"]),
                "起止": _span(r.get("date_start"), r.get("date_end")),
                "签约（个）": _int(r.get("signed_count")),
                "签约投资（亿元）": _num(r.get("signed_invest_yi")),
                "开工（个）": _int(r.get("started_count")),
                "开工投资（亿元）": _num(r.get("started_invest_yi")),
                "投产（个）": _int(r.get("producing_count")),
                "投产投资（亿元）": _num(r.get("producing_invest_yi")),
                **{label(k): format_rate(rates[k]) for k in ROUND_RATES},
                "战略性新兴产业占比": _reported_pct(r.get("strategic_share_pct")),
                "round_id": r["round_id"],
            }
        )
    frame = pd.DataFrame(rows)
    for column in ("签约（个）", "开工（个）", "投产（个）"):
        frame[column] = frame[column].astype("Int64")
    return frame


def sanlv_table() -> pd.DataFrame:
    """Seed 002's 三率: name, working formula, data needed, and whether this data can give it."""
    return pd.DataFrame(
        [
            {"指标": label(d.key), "算式（工作口径，待核实）": d.formula, "所需数据": d.needs, "本数据": d.in_data}
            for d in SANLV
        ]
    )


def _span(start: object, end: object) -> str:
    if not start:
        return "—"
    return str(start) if not end or end == start else f"{start} 至 {end}"


def _reported_pct(pct: object) -> str:
    return "—" if pct is None or pd.isna(pct) else f"{float(pct):g}%"  # as published: 97.19%


def _int(value: object) -> int | None:
    return None if value is None or value != value or pd.isna(value) else int(value)


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def judge_projects(projects: pd.DataFrame, today: dt.date, t: Thresholds) -> pd.DataFrame:
    """``projects`` plus ``s2s_days`` (签约到开工), ``sanwei`` flag, ``sanwei_days``, ``reason`` and ``problem``."""
    out = projects.copy()
    rows = records(out)
    verdicts = [judge(r, today, t) for r in rows]
    out["s2s_days"] = pd.array([signed_to_started_days(r) for r in rows], dtype="Int64")
    out["sanwei"] = pd.Series([v.flag for v in verdicts], index=out.index, dtype=object)
    out["sanwei_days"] = pd.array([v.days for v in verdicts], dtype="Int64")
    out["reason"] = [v.reason for v in verdicts]
    out["problem"] = pd.Series([v.problem for v in verdicts], index=out.index, dtype=object)
    return out


def project_table(judged: pd.DataFrame, rounds: pd.DataFrame) -> pd.DataFrame:
    """One row per project for the table, indexed by project_id."""
    round_labels = dict(zip(rounds["round_id"], rounds["label"], strict=True))
    return pd.DataFrame(
        {
            "项目": judged["name"],
            "企业": judged["enterprise"].fillna("—"),
            "开发区": judged["zone_name"],
            "产业链": judged["chain"].fillna(label("unassigned_chain")),
            "链主": judged["is_chain_leader"].map({True: "是", False: ""}),
            "阶段": judged["stage"].map(stage_label),
            "批次": judged["round_id"].map(round_labels).fillna("—"),
            "总投资（亿元）": judged["investment_yi"],
            "签约日期": judged["signed_date"].fillna("—"),
            "开工日期": judged["started_date"].fillna("—"),
            "投产日期": judged["producing_date"].fillna("—"),
            "签约到开工（天）": judged["s2s_days"],
            "三未": judged["sanwei"].map(lambda f: label(f) if f else ""),
            "说明": [p or r for p, r in zip(judged["problem"], judged["reason"], strict=True)],
        }
    ).set_index(judged["project_id"].rename("项目编号"))


def timeline(record: dict) -> pd.DataFrame:
    """The project's steps 签约 → 开工 → 投产 with dates and days between them."""
    rows, previous = [], None
    for stage, column in zip(STAGES, ("signed_date", "started_date", "producing_date"), strict=True):
        date = record.get(column)
        gap = None
        if date and previous:
            gap = (dt.date.fromisoformat(date) - dt.date.fromisoformat(previous)).days
        rows.append({"环节": stage_label(stage), "日期": date or "—", "距上一环节（天）": gap})
        previous = date or previous
    return pd.DataFrame(rows)


def zone_follow_up(judged: pd.DataFrame) -> pd.DataFrame:
    """Per zone: projects, 签约到开工 median days, and 三未 counts (for follow-up)."""
    rows = []
    for _, group in judged.groupby("zone_id", sort=False):
        days = group["s2s_days"].dropna()
        row = {
            "开发区": group["zone_name"].iloc[0],
            "项目（个）": len(group),
            "有签约与开工日期（个）": len(days),
            "签约到开工中位数（天）": float(days.median()) if len(days) else None,
        }
        for flag in SANWEI:
            row[f"{label(flag)}（个）"] = int((group["sanwei"] == flag).sum())
        row["日期有误（个）"] = int(group["problem"].notna().sum())
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    flagged = frame[[f"{label(f)}（个）" for f in SANWEI]].sum(axis=1)
    return frame.assign(_f=flagged).sort_values(["_f", "项目（个）"], ascending=False).drop(columns="_f")


def investment_by_stage(projects: pd.DataFrame) -> pd.DataFrame:
    """Projects and 亿元 per stage (stages with none included)."""
    rows = []
    for stage in STAGES:
        part = projects[projects["stage"] == stage]
        rows.append(
            {
                "阶段": stage_label(stage),
                "项目（个）": len(part),
                "总投资（亿元）": round(float(part["investment_yi"].sum(skipna=True)), 2),
                "未披露投资（个）": int(part["investment_yi"].isna().sum()),
            }
        )
    return pd.DataFrame(rows)


def investment_by_chain(projects: pd.DataFrame) -> pd.DataFrame:
    """亿元 and projects per chain and stage (long form, for a stacked chart)."""
    frame = projects.assign(
        产业链=projects["chain"].fillna(label("unassigned_chain")), 阶段=projects["stage"].map(stage_label)
    )
    grouped = frame.groupby(["产业链", "阶段"], sort=False)
    return (
        grouped.agg(项目数=("project_id", "size"), 总投资=("investment_yi", "sum"))
        .reset_index()
        .rename(columns={"项目数": "项目（个）", "总投资": "总投资（亿元）"})
    )


def chain_leaders(projects: pd.DataFrame) -> list[str]:
    """Enterprises marked 链主 in the projects, sorted."""
    leaders = projects.loc[projects["is_chain_leader"], "enterprise"].dropna()
    return sorted(set(leaders))


def leader_chains(projects: pd.DataFrame, enterprise: str) -> tuple[str, ...]:
    """The chains of the projects of one 链主 enterprise, sorted."""
    return tuple(sorted(set(projects.loc[projects["enterprise"] == enterprise, "chain"].dropna())))


def zone_leaders(projects: pd.DataFrame, zone_id: str, chain: str | None = None) -> str:
    """The 链主 enterprises among a zone's projects (of ``chain`` when given), each with its chains:
    '太重集团（高端装备制造）、新联盟物流'."""
    mine = projects[(projects["zone_id"] == zone_id) & projects["is_chain_leader"].astype(bool)]
    if chain is not None:
        mine = mine[mine["chain"] == chain]
    names = []
    for firm, rows in mine.dropna(subset=["enterprise"]).groupby("enterprise", sort=True):
        chains = sorted(set(rows["chain"].dropna()))
        names.append(f"{firm}（{'、'.join(chains)}）" if chains and chain is None else str(firm))
    return "、".join(names)


def leading_zones(zones: pd.DataFrame, projects: pd.DataFrame, parcels: pd.DataFrame, chain: str) -> pd.DataFrame:
    """The zones leading ``chain``: those that list it among their leading chains or host one of its 链主
    (a 链主 project of that chain), with its projects (个, 亿元), its parcels (亩) and the 链主 firms by name;
    ranked by the chain's investment. A zone that merely has a project of the chain does not lead it."""
    rows = []
    for z in zones.to_dict("records"):
        mine = projects[(projects["zone_id"] == z["zone_id"]) & (projects["chain"] == chain)]
        land = parcels[(parcels["zone_id"] == z["zone_id"]) & (parcels["chain"] == chain)]
        declared = chain in split_list(z.get("leading_chains"))
        leaders = zone_leaders(mine, z["zone_id"], chain)
        if not declared and not leaders:
            continue
        rows.append(
            {
                "开发区": z["short_name"],
                "主导产业链": "是" if declared else "",
                "链主企业": leaders,
                "项目（个）": len(mine),
                "项目总投资（亿元）": round(float(mine["investment_yi"].sum(skipna=True)), 2),
                "链主项目（个）": int(mine["is_chain_leader"].sum()),
                "地块面积（亩）": round(float(land["area_mu"].sum()), 2),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["项目总投资（亿元）", "项目（个）"], ascending=False, ignore_index=True)
