"""三个一批: round rates, the seed's 三率 and 三未, project timelines and follow-up flags.

Round rates as the 2021 report (docs/sources.md S0) names them, from the official
aggregates of a round or period (rounds layer):

- 开工率 = signed projects since started ÷ signed projects (849 / 1059 = 80.2%)
- 投产率 = started projects since in production ÷ started projects (549 / 964 = 57%)
- 平均达效率: as reported (98.1%), not derivable from counts. 达效 (reaching the
  expected benefit) is not 达产 (reaching the designed capacity).
- 开工项目已完成投资占比 = completed investment of started projects ÷ their
  total (475.4 / 2973.3 亿元); the report gives both figures but names no rate,
  so the app names it for what it divides.

A rate is None when its inputs are not published.

三率 (docs/sources.md S2, 2024: the rates the province tracks) are 开工复工率, 投资完成率
and 项目达产率; the report names them without formulas or figures. :data:`SANLV`
gives each with the working formula this app would use ([confirm] against the
province's assessment rules) and the data it needs, which the sample does not
hold — so they are described, never computed under those names.

"三未" for a project record, as of ``today`` with thresholds in days (settings):

- 签而未落 (``signed_not_landed``): signed, no parcel assigned, not started,
  signed more than ``signed_days`` ago;
- 落而未投 (``landed_not_started``): signed, a parcel assigned, not started,
  signed more than ``landed_days`` ago;
- 投未见效 (``started_not_producing``): started, not in production, started more
  than ``started_days`` ago.

A record whose reference date is missing cannot be judged (``unknown`` with the
reason); a date after ``today`` or a start before signing is a data problem and
is reported, never flagged. A project that skips a stage (in production with no
start date) is simply not flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from domain.values import as_date, as_number

SANWEI = ("signed_not_landed", "landed_not_started", "started_not_producing")


@dataclass(frozen=True)
class RateDefinition:
    """One of seed 002's 三率: its name, a working formula, the data it needs and whether this data has it."""

    key: str
    formula: str
    needs: str
    in_data: str


SANLV: tuple[RateDefinition, ...] = (
    RateDefinition(
        "start_resume_rate",
        "（新开工项目数 + 复工项目数）÷ 计划开工（含应复工）项目数",
        "年度计划开工项目清单；每个项目的实际开工日期、停工与复工记录",
        "本数据有签约、开工、投产日期，无计划开工清单和停工、复工记录，不能计算",
    ),
    RateDefinition(
        "investment_completion_rate",
        "已完成投资 ÷ 计划投资（年度计划或总投资）",
        "每个项目的计划投资和累计完成投资",
        "本数据只有项目总投资，无完成投资，不能计算",
    ),
    RateDefinition(
        "capacity_rate",
        "达到设计产能的投产项目数 ÷ 投产项目数（或实际产能 ÷ 设计产能）",
        "投产项目的设计产能、实际产量或达产认定",
        "本数据无产能和产量，不能计算",
    ),
)


@dataclass(frozen=True)
class Thresholds:
    """Days after which a project counts as stuck (settings; defaults are this app's choice)."""

    signed_days: int = 180
    landed_days: int = 180
    started_days: int = 730


@dataclass(frozen=True)
class Judgement:
    """The 三未 verdict for one project: a flag key or None, and why."""

    flag: str | None
    days: int | None
    reason: str
    problem: str | None = None  # data problem (future date, start before signing, missing date)


def ratio(num: float | None, den: float | None) -> float | None:
    """num / den, or None when either is missing or den is 0."""
    if num is None or den is None or den != den or num != num or den == 0:
        return None
    return num / den


ROUND_RATES = ("start_rate", "production_rate", "efficiency_rate", "completed_investment_share")


def round_rates(r: Mapping[str, object]) -> dict[str, float | None]:
    """开工率, 投产率, 平均达效率 (as reported) and 开工项目已完成投资占比 of one round record, as fractions."""
    eff = r.get("efficiency_pct")
    return {
        "start_rate": ratio(as_number(r.get("signed_then_started_count")), as_number(r.get("signed_count"))),
        "production_rate": ratio(as_number(r.get("started_then_producing_count")), as_number(r.get("started_count"))),
        "efficiency_rate": None if as_number(eff) is None else float(eff) / 100,
        "completed_investment_share": ratio(
            as_number(r.get("started_completed_invest_yi")), as_number(r.get("started_invest_yi"))
        ),
    }


def format_rate(value: float | None) -> str:
    """0.8017 → '80.2%', 0.5695 → '57%' (one decimal, trailing .0 dropped, as the reports print them)."""
    if value is None:
        return "—"
    text = f"{value * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def days_between(start: object, end: object) -> int | None:
    """Whole days from ``start`` to ``end`` (ISO dates), None if either is missing."""
    a, b = as_date(start), as_date(end)
    return None if a is None or b is None else (b - a).days


def signed_to_started_days(p: Mapping[str, object]) -> int | None:
    """签约到开工 days, None when a date is missing or the start precedes signing."""
    days = days_between(p.get("signed_date"), p.get("started_date"))
    return days if days is not None and days >= 0 else None


def judge(p: Mapping[str, object], today: dt.date, t: Thresholds = Thresholds()) -> Judgement:
    """The 三未 verdict of project ``p`` on ``today`` (see module doc)."""
    signed, started, producing = (as_date(p.get(k)) for k in ("signed_date", "started_date", "producing_date"))
    for name, d in (("签约", signed), ("开工", started), ("投产", producing)):
        if d is not None and d > today:
            return Judgement(None, None, "", f"{name}日期 {d.isoformat()} 晚于今天")
    if signed and started and started < signed:
        return Judgement(None, None, "", "开工日期早于签约日期")
    stage = p.get("stage")
    if stage == "producing" or producing is not None:
        return Judgement(None, None, "已投产")
    if stage == "started" or started is not None:
        if started is None:
            return Judgement(None, None, "", "阶段为开工但缺少开工日期，无法判断")
        days = (today - started).days
        if days > t.started_days:
            return Judgement("started_not_producing", days, f"开工已 {days} 天未投产（阈值 {t.started_days} 天）")
        return Judgement(None, days, f"开工 {days} 天")
    if signed is None:
        return Judgement(None, None, "", "缺少签约日期，无法判断")
    days = (today - signed).days
    has_parcel = bool(p.get("parcel_id"))
    limit = t.landed_days if has_parcel else t.signed_days
    if days > limit:
        flag = "landed_not_started" if has_parcel else "signed_not_landed"
        where = "已落地块" if has_parcel else "未落地块"
        return Judgement(flag, days, f"签约已 {days} 天、{where}、未开工（阈值 {limit} 天）")
    return Judgement(None, days, f"签约 {days} 天")
