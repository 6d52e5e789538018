"""开发区年度考核: each zone's indicators for a year, its scores and class, the ranking, the cards, the firms.

Rules and formulas: :mod:`domain.evaluation` (scores, classes, missing data) and
:data:`domain.evaluation.INDICATORS` (formula and source of each indicator).

A year is judged on the records as they stood at the end of its last day
(Beijing), or today for the current year (:func:`stats.asof.parcels_on`,
:func:`stats.asof.records_on`): stages by their dates, else the audit history,
else counted as reached and noted 日期不详. The year's **actual figures**
(实缴税金, 营业收入 with 实绩年度 = the year) are read as they are now: they are
reported after the year ends. A 园区 counts in its 开发区 (``parent_id``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from domain.asof import YES
from domain.evaluation import (
    INDICATORS,
    EvaluationSettings,
    Figure,
    ZoneScore,
    class_label,
    score_zones,
    targets,
)
from domain.idle import DEFAULT_RULES, SUPPLIED_STATUSES, classify, is_idle
from domain.indicators import land_use
from domain.scorecard import CLASS_NAMES, ScorecardSettings, score_firms
from domain.units import km2_to_mu
from geodata.frames import records
from geodata.schema import SHANXI_CITIES
from stats.asof import parcels_on, records_on, stages_on

PERCENT = "%"
IDLE_FIELDS = ("parcel_id", "supply_status", "agreed_start_date", "actual_start_date", "work_stopped_date",
               "delay_cause", "developed_share", "invested_share", "land_price", "area_mu")  # fmt: skip
NO_EFFICIENCY = "本数据没有项目达效记录"


@dataclass
class Evaluation:
    """One year's evaluation: per zone (top-level 开发区 id) its figures, notes and score."""

    year: int
    day: dt.date
    settings: EvaluationSettings
    figures: dict[str, dict[str, Figure]]
    notes: dict[str, dict[str, str]]  # zone → indicator → why it has no value
    scores: list[ZoneScore]
    targets: dict[str, float | None]
    names: dict[str, str]
    cities: dict[str, str]
    undated: dict[str, int]  # zone → parcels whose stage on the day is 日期不详


def year_end(year: int, today: dt.date) -> dt.date:
    """The day a year is judged on: its 31 December, or ``today`` while the year runs."""
    return min(dt.date(year, 12, 31), today)


def top_zones(zones: pd.DataFrame) -> pd.Series:
    """zone_id → the 开发区 it counts in (a 园区's parent, else itself)."""
    parent = zones["parent_id"].where(zones["parent_id"].notna() & zones["parent_id"].isin(set(zones["zone_id"])))
    return pd.Series(parent.fillna(zones["zone_id"]).to_numpy(), index=zones["zone_id"].to_numpy())


def _weighted(frame: pd.DataFrame, column: str, keys: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Σ(value × area) and Σ area per key, over the rows with a value."""
    has = frame[column].notna() & frame["area_mu"].notna()
    area = frame["area_mu"].where(has, 0.0)
    return (frame[column].fillna(0.0) * area).groupby(keys).sum(), area.groupby(keys).sum()


def _sum_ratio(frame: pd.DataFrame, column: str, keys: pd.Series, rows: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Σ column and Σ area per key, over ``rows`` with a value."""
    has = rows & frame[column].notna()
    return frame[column].where(has, 0.0).groupby(keys).sum(), frame["area_mu"].where(has, 0.0).groupby(keys).sum()


def _idle_on(parcels: pd.DataFrame, day: dt.date, only: set | None = None) -> set[str]:
    """parcel_ids idle at the end of ``day`` (``only``: classify just these)."""
    supplied = parcels[parcels["supply_status"].isin(SUPPLIED_STATUSES)]
    if only is not None:
        supplied = supplied[supplied["parcel_id"].isin(only)]
    rows = records(pd.DataFrame(supplied[[c for c in IDLE_FIELDS if c in supplied]]))
    return {r["parcel_id"] for r in rows if is_idle(classify(r, day, DEFAULT_RULES))}


def zone_figures(
    frames: Mapping[str, pd.DataFrame], history: pd.DataFrame | None, year: int, today: dt.date
) -> tuple[dict[str, dict[str, Figure]], dict[str, dict[str, str]], dict[str, int], dt.date]:
    """Per 开发区 every indicator of :data:`INDICATORS` for ``year`` (see module doc), the reasons for the
    missing ones, the count of parcels dated 日期不详 and the day judged."""
    day = year_end(year, today)
    zones = records_on(frames["zones"], history, "zones", day)
    top = top_zones(zones)
    ids = list(dict.fromkeys(top.to_numpy()))
    planned = zones.set_index("zone_id")["planned_area_km2"]
    parcels = parcels_on(frames["parcels"], history, day)
    parcels = parcels[parcels["zone_id"].isin(top.index)]
    keys = parcels["zone_id"].map(top)
    now = frames["parcels"]
    now = now[now["zone_id"].isin(top.index)]
    now_keys = now["zone_id"].map(top)
    out: dict[str, dict[str, Figure]] = {z: {} for z in ids}
    notes: dict[str, dict[str, str]] = {z: {} for z in ids}

    def put(key: str, num: pd.Series, den: pd.Series, why: str) -> None:
        for z in ids:
            d = float(den.get(z, 0.0))
            out[z][key] = Figure(float(num.get(z, 0.0)), d)
            if not d:
                notes[z][key] = why

    year_rows = now["actual_year"].astype("Float64").eq(year).fillna(False).astype(bool)
    put("tax_per_mu", *_sum_ratio(now, "tax_paid_wan", now_keys, year_rows), f"没有{year}年的实缴税金")
    put("revenue_per_mu", *_sum_ratio(now, "revenue_wan", now_keys, year_rows), f"没有{year}年的营业收入")
    supplied = parcels["supply_status"].isin(SUPPLIED_STATUSES)
    for key in ("invest_intensity", "plot_ratio"):
        num, den = _weighted(parcels[supplied], key, keys[supplied])
        put(key, num, den, f"年末已供应的地块未填{INDICATORS[key][0].split(' =')[0]}")
    _land_rates(parcels, keys, planned, ids, out, notes)
    _idle_rate(frames, history, year, today, top, ids, out, notes, parcels)
    _project_rates(frames, history, day, top, ids, out, notes)
    for z in ids:
        out[z]["efficiency_rate"] = Figure(None, None)
        notes[z]["efficiency_rate"] = NO_EFFICIENCY
    sold = parcels["sold_known"]
    new = (sold >= pd.Timestamp(dt.date(year, 1, 1))) & (sold <= pd.Timestamp(day))
    industrial = new & (parcels["land_use"] == "industrial_land")
    std = industrial & parcels["is_standard_land"].astype(bool)
    area = parcels["area_mu"].fillna(0.0)
    share = area.where(std, 0.0).groupby(keys).sum(), area.where(industrial, 0.0).groupby(keys).sum()
    put("standard_land_share", *share, f"{year}年没有出让工业用地（或出让日期不详）")
    undated = (parcels["asof_status"] == "undated").groupby(keys).sum()
    return out, notes, {z: int(undated.get(z, 0)) for z in ids}, day


def _land_rates(parcels, keys, planned, ids, out, notes) -> None:
    """土地开发率/供应率/建成率 with :func:`domain.indicators.land_use` (the 标准地供给 page's function)."""
    fields = ["area_mu", "supply_status", "pipeline_stage", "developed_share"]
    narrow = pd.DataFrame(parcels[[f for f in fields if f in parcels]])
    groups = dict(tuple(narrow.groupby(keys, sort=False)))
    for z in ids:
        km2 = planned.get(z)
        zone_mu = None if km2 is None or km2 != km2 else km2_to_mu(km2)
        u = land_use(records(groups[z]) if z in groups else [], zone_mu)
        out[z]["development_rate"] = Figure(u.developed_mu, u.zone_mu)
        out[z]["supply_rate"] = Figure(u.supplied_mu, u.developed_mu)
        out[z]["built_rate"] = Figure(u.built_mu, u.supplied_mu)
        if u.zone_mu is None:
            notes[z]["development_rate"] = "缺少开发区规划面积"
        if not u.developed_mu:
            notes[z]["supply_rate"] = "没有具备供地条件及以后的地块"
        if not u.supplied_mu:
            notes[z]["built_rate"] = "没有已供应的地块"


def _idle_rate(frames, history, year, today, top, ids, out, notes, end_parcels) -> None:
    """闲置土地处置率: idle at the end of last year and no longer idle at the end of this one."""
    start_day = dt.date(year - 1, 12, 31)
    start = parcels_on(frames["parcels"], history, start_day)
    idle_before = _idle_on(start, start_day)
    end_day = year_end(year, today)
    still = _idle_on(end_parcels, end_day, only=idle_before)
    zone_of = start.set_index("parcel_id")["zone_id"].map(top)
    before = pd.Series(1, index=sorted(idle_before)).groupby(zone_of.reindex(sorted(idle_before))).sum()
    disposed = sorted(idle_before - still)
    done = pd.Series(1, index=disposed).groupby(zone_of.reindex(disposed)).sum()
    for z in ids:
        d = float(before.get(z, 0))
        out[z]["idle_disposal_rate"] = Figure(float(done.get(z, 0)), d)
        if not d:
            notes[z]["idle_disposal_rate"] = f"{year - 1}年末没有闲置土地，不适用"


def _project_rates(frames, history, day, top, ids, out, notes) -> None:
    """开工率 and 投产率 to the day (the bulletin's 2021 口径: signed yes → started yes → producing yes)."""
    projects = records_on(frames["projects"], history, "projects", day)
    projects = projects[projects["zone_id"].isin(top.index)]
    stages = stages_on(projects, history, "projects", day)
    keys = projects["zone_id"].map(top)
    signed, started, producing = (stages[f"{s}_on"] == YES for s in ("signed", "started", "producing"))
    count = lambda mask: mask.astype(int).groupby(keys).sum()  # noqa: E731
    for key, num, den, why in (
        ("start_rate", count(signed & started), count(signed), "截至年末没有已签约项目（或签约日期不详）"),
        ("production_rate", count(started & producing), count(started), "截至年末没有已开工项目（或开工日期不详）"),
    ):
        for z in ids:
            d = float(den.get(z, 0))
            out[z][key] = Figure(float(num.get(z, 0)), d)
            if not d:
                notes[z][key] = why


def evaluate(
    frames: Mapping[str, pd.DataFrame],
    history: pd.DataFrame | None,
    year: int,
    settings: EvaluationSettings,
    today: dt.date,
) -> Evaluation:
    """The year's evaluation of every 开发区 (``frames``: zones, parcels, projects as stored now)."""
    figures, notes, undated, day = zone_figures(frames, history, year, today)
    chosen = {z: {i.key: f[i.key] for i in settings.indicators} for z, f in figures.items()}
    zones = frames["zones"].set_index("zone_id")
    return Evaluation(
        year=year,
        day=day,
        settings=settings,
        figures=chosen,
        notes=notes,
        scores=score_zones(chosen, settings),
        targets=targets(chosen, settings),
        names={z: str(zones.at[z, "name"]) for z in chosen},
        cities={z: SHANXI_CITIES.get(zones.at[z, "city_adcode"], "") for z in chosen},
        undated=undated,
    )


def shown(value: float | None, unit: str) -> float | None:
    """A value as tables show it: rates in per cent, others as they are, 2 decimals."""
    if value is None or value != value:
        return None
    return round(value * 100 if unit == PERCENT else value, 2)


def column(ind) -> str:
    return f"{ind.label}（{ind.unit}）" if ind.unit not in ("—", "") else ind.label


def ranking_table(ev: Evaluation) -> pd.DataFrame:
    """排名, 开发区, 市, 总分, 类别, 数据覆盖率 and every indicator's value; classed zones first, best first."""
    rows = []
    for s in ev.scores:
        row = {
            "排名": s.rank,
            "开发区": ev.names[s.zone],
            "市": ev.cities[s.zone],
            "总分": None if s.total is None else round(s.total, 2),
            "类别": class_label(s.grade),
            "数据覆盖率（%）": round(s.coverage * 100, 1),
        }
        for ind in ev.settings.indicators:
            row[column(ind)] = shown(s.values[ind.key], ind.unit)
        row["缺少数据"] = "、".join(s.missing)
        row["开发区编号"] = s.zone
        rows.append(row)
    return pd.DataFrame(rows)


def zone_card(ev: Evaluation, zone: str) -> pd.DataFrame:
    """One zone's card: each indicator's value, target, weight, score, formula, source and missing data."""
    score = next(s for s in ev.scores if s.zone == zone)
    rows = []
    for ind in ev.settings.indicators:
        formula, source = INDICATORS[ind.key]
        target = ev.targets[ind.key]
        value = score.values[ind.key]
        rows.append(
            {
                "指标": ind.label,
                "单位": ind.unit,
                "数值": shown(value, ind.unit),
                "目标值": shown(target, ind.unit),
                "权重": ind.weight,
                "得分": None if score.scores[ind.key] is None else round(score.scores[ind.key], 2),
                "缺少数据": "" if value is not None else f"缺少数据：{ev.notes[zone].get(ind.key) or '无数据'}",
                "算式": formula,
                "来源": source,
            }
        )
    return pd.DataFrame(rows)


def firm_table(parcels: pd.DataFrame, year: int, settings: ScorecardSettings) -> pd.DataFrame:
    """用地企业 (land holders) classed by 亩均税收 and 亩均营业收入 of ``year``'s actual figures (only firms that
    report one); ranked best first."""
    year_rows = parcels["actual_year"].astype("Float64").eq(year).fillna(False).astype(bool)
    rows = parcels[year_rows & (parcels["tax_paid_wan"].notna() | parcels["revenue_wan"].notna())]
    if rows.empty:
        return pd.DataFrame(columns=["排名", "企业", "总分", "类别"])
    holder = rows["land_holder"].fillna(rows["name"]).astype(str)
    firms = pd.DataFrame({"firm": holder, "area_mu": rows["area_mu"], "tax_paid_wan": rows["tax_paid_wan"],
                          "revenue_wan": rows["revenue_wan"]}).groupby("firm", sort=False).sum(min_count=1)  # fmt: skip
    out = []
    for s in score_firms(firms.reset_index().to_dict("records"), settings):
        row = {"排名": s.rank, "企业": s.firm, "总分": round(s.total, 2), "类别": f"{s.grade} {CLASS_NAMES[s.grade]}"}
        for ind in settings.indicators:
            value = s.values[ind.key]
            row[f"{ind.label}（{ind.unit}）"] = None if value is None else round(value, 2)
        row["缺少数据"] = "、".join(s.missing)
        out.append(row)
    return pd.DataFrame(out)


def years_with_data(parcels: pd.DataFrame, today: dt.date) -> list[int]:
    """Years to offer, newest first: those of the actual figures, and the last five up to this one."""
    found = {int(y) for y in parcels["actual_year"].dropna().unique() if 1990 <= y <= today.year}
    return sorted(found | set(range(today.year - 4, today.year + 1)), reverse=True)
