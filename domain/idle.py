"""Idle land (闲置土地) under 《闲置土地处置办法》(国土资源部令第53号, in force 2012-07-01).

What is idle (第二条), applied here to every supplied parcel (已出让、已动工、已投产):

- 第一款, 未动工: not started one full year (满一年) after the start date agreed
  or set in the land contract or allocation decision;
- 第二款, 中止开发: started, but the developed area is below 1/3 of the area due
  **or** (either one alone, "或者") the investment is below 25 % of the total,
  and work has stopped (中止) for one full year, counted from the stop date.

What follows depends on why, and on which kind it is:

- 第八条: the delay was caused by the government or its departments (land not
  handed over on time, plans lawfully changed, new policy, petitions, military
  control or heritage, other government acts) — and, by its last paragraph,
  idle land caused by 自然灾害等不可抗力 — is handled under 第十二、十三条:
  negotiated options, never the fee, never free recovery;
- 第十二条's last paragraph sends all 第二条第二款 (started-then-stalled) land
  to the same negotiated options, whatever the cause;
- 第十四条 (every other case: holder-caused, not started): 未动工开发满一年 →
  土地闲置费 = 20 % of the 出让或者划拨价款; 未动工开发满两年 → 无偿收回.

A ``delay_cause`` left empty is treated as the holder's: 第八条 applies only
to a cause the holder has filed and the bureau has verified, so the reason says
so ("未登记迟延原因").

Counting a year (民法典): the start day is not counted (第二百零一条); the
period's last day is the corresponding day of the month a year later, or that
month's last day when it has none (第二百零二条: 2024-02-29 → 2025-02-28); the
period ends at 24:00 of that day (第二百零三条). So with an agreed start of
2025-06-30 the year is full at the end of 2026-06-30 and the land is idle from
2026-07-01. The first paragraph of 第二百零三条 (a last day falling on a
statutory holiday moves to the day after the holiday) is not applied: the app
holds no holiday calendar, and the verdict shows the dates it used.

Thresholds, the years and the fee rate are settings with the order's values as
defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from domain.values import as_date, as_number

NOT_SUPPLIED = "not_supplied"
NOT_IDLE = "not_idle"
IDLE = "idle"  # 未动工满一年, 受让人原因 → 第十四条（一）征缴土地闲置费
IDLE_TWO_YEARS = "idle_two_years"  # 未动工满两年, 受让人原因 → 第十四条（二）无偿收回
GOVERNMENT = "government_delay"  # 第八条 政府原因 → 第十二条 协商处置
FORCE_MAJEURE = "force_majeure_delay"  # 第八条末款 自然灾害等不可抗力 → 第十二条 协商处置
STALLED = "stalled"  # 第二条第二款 中止开发满一年 → 第十二条末款 协商处置
UNKNOWN = "undetermined"
NEGOTIATED = (GOVERNMENT, FORCE_MAJEURE, STALLED)  # disposed under 第十二条
IDLE_STATUSES = (IDLE, IDLE_TWO_YEARS, *NEGOTIATED)
SUPPLIED_STATUSES = ("sold", "started", "producing")

# delay_cause values (parcels layer)
CAUSE_GOVERNMENT = "government"
CAUSE_FORCE_MAJEURE = "force_majeure"
CAUSE_HOLDER = "holder"
DELAY_CAUSES = (CAUSE_GOVERNMENT, CAUSE_FORCE_MAJEURE, CAUSE_HOLDER)

# how the order disposes of a parcel of each idle class
FEE = "fee"  # 第十四条（一）
RECOVER = "recover"  # 第十四条（二）
NEGOTIATE = "negotiate"  # 第十二条
DISPOSAL = {IDLE: FEE, IDLE_TWO_YEARS: RECOVER, GOVERNMENT: NEGOTIATE, FORCE_MAJEURE: NEGOTIATE, STALLED: NEGOTIATE}


@dataclass(frozen=True)
class IdleRules:
    """The order's thresholds (settings)."""

    developed_share: float = 1 / 3  # 开发建设用地面积不足三分之一
    invested_share: float = 0.25  # 或者已投资额不足百分之二十五
    idle_years: int = 1
    recover_years: int = 2
    fee_rate: float = 0.20  # 土地闲置费 = 出让或者划拨价款的 20%


DEFAULT_RULES = IdleRules()


@dataclass(frozen=True)
class IdleVerdict:
    """The class of one parcel, why, and the dates it was computed from."""

    status: str
    reason: str
    basis: str = ""  # "no_start" (第二条第一款) | "stalled" (第二条第二款) | ""
    reference_date: dt.date | None = None  # agreed start or stop date the years count from (not counted itself)
    idle_since: dt.date | None = None  # first day idle: the day after the year's last day
    recover_since: dt.date | None = None  # first day of 未动工满两年 (only where 第十四条 applies)
    days_idle: int | None = None
    cause: str | None = None  # delay_cause as used: government | force_majeure | holder (None = not filed)

    @property
    def disposal(self) -> str | None:
        """fee | recover | negotiate, or None when the parcel is not idle."""
        return DISPOSAL.get(self.status)


def add_years(day: dt.date, years: int) -> dt.date:
    """The corresponding day ``years`` later; 29 Feb → 28 Feb in a common year (民法典第二百零二条: 月末日)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_end(start: dt.date, years: int) -> dt.date:
    """Last day of a period of ``years`` full years from ``start`` (start day not counted; ends 24:00 that day)."""
    return add_years(start, years)


def first_day_after(start: dt.date, years: int) -> dt.date:
    """The day after ``years`` full years from ``start``: the first day the period counts as 满."""
    return period_end(start, years) + dt.timedelta(days=1)


def classify(parcel: Mapping[str, object], today: dt.date, rules: IdleRules = DEFAULT_RULES) -> IdleVerdict:
    """The idle-land class of ``parcel`` on ``today`` (see module doc)."""
    if parcel.get("supply_status") not in SUPPLIED_STATUSES:
        return IdleVerdict(NOT_SUPPLIED, "未供应（储备或挂牌中），不适用闲置认定")
    if parcel.get("supply_status") == "producing":
        return IdleVerdict(NOT_IDLE, "已投产")
    agreed = as_date(parcel.get("agreed_start_date"))
    started = as_date(parcel.get("actual_start_date"))
    if started is None:
        if agreed is None:
            return IdleVerdict(UNKNOWN, "缺少约定动工日期，无法判定")
        return _judge(parcel, today, rules, "no_start", agreed, f"约定动工日期 {agreed.isoformat()}，至今未动工")
    developed, invested = as_number(parcel.get("developed_share")), as_number(parcel.get("invested_share"))
    short = [
        f"{name}占比 {_pct(value)} 不足 {_share(limit)}"
        for name, value, limit in (
            ("已开发面积", developed, rules.developed_share),
            ("已投资", invested, rules.invested_share),
        )
        if value is not None and value < limit
    ]
    stopped = as_date(parcel.get("work_stopped_date"))
    if not short:
        if developed is None and invested is None:
            return IdleVerdict(UNKNOWN, f"{started.isoformat()} 已动工，缺少开发和投资进度，无法判定")
        return IdleVerdict(NOT_IDLE, f"{started.isoformat()} 已动工，开发面积和投资均达到标准")
    if stopped is None:
        return IdleVerdict(NOT_IDLE, f"{started.isoformat()} 已动工，{'；'.join(short)}，但未停工")
    return _judge(parcel, today, rules, "stalled", stopped, f"{'；'.join(short)}，{stopped.isoformat()} 起停工")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}".replace(".0%", "%")


def _share(limit: float) -> str:
    return "三分之一" if abs(limit - 1 / 3) < 1e-9 else _pct(limit)


def _cause(parcel: Mapping[str, object]) -> str | None:
    cause = parcel.get("delay_cause")
    return cause if cause in DELAY_CAUSES else None


def _judge(
    parcel: Mapping[str, object], today: dt.date, rules: IdleRules, basis: str, ref: dt.date, fact: str
) -> IdleVerdict:
    cause = _cause(parcel)
    last, since = period_end(ref, rules.idle_years), first_day_after(ref, rules.idle_years)
    years = _years(rules.idle_years)
    if today < since:
        reason = f"{fact}，{last.isoformat()} 24时满{years}，{since.isoformat()} 起方可认定闲置"
        return IdleVerdict(NOT_IDLE, reason, basis, ref, cause=cause)
    days = (today - since).days
    full = f"{last.isoformat()} 满{years}，{since.isoformat()} 起闲置"
    no_fee = "协商处置（第十二条），不征收闲置费、不无偿收回"
    if basis == "stalled":
        why = {CAUSE_GOVERNMENT: "（政府原因）", CAUSE_FORCE_MAJEURE: "（不可抗力）"}.get(cause or "", "")
        reason = f"{fact}{why}，中止开发建设{full}（第二条第二款）；依第十二条末款{no_fee}"
        return IdleVerdict(STALLED, reason, basis, ref, since, None, days, cause)
    if cause == CAUSE_GOVERNMENT:
        reason = f"{fact}，{full}；因政府或政府有关部门行为迟延（第八条），{no_fee}"
        return IdleVerdict(GOVERNMENT, reason, basis, ref, since, None, days, cause)
    if cause == CAUSE_FORCE_MAJEURE:
        reason = f"{fact}，{full}；因自然灾害等不可抗力（第八条末款），{no_fee}"
        return IdleVerdict(FORCE_MAJEURE, reason, basis, ref, since, None, days, cause)
    who = "受让人原因" if cause == CAUSE_HOLDER else "未登记迟延原因，按受让人原因"
    two_last, recover = period_end(ref, rules.recover_years), first_day_after(ref, rules.recover_years)
    if today >= recover:
        reason = (
            f"{fact}，{two_last.isoformat()} 满{_years(rules.recover_years)}（{who}）；"
            f"未动工开发满{_years(rules.recover_years)}，可无偿收回（第十四条（二））"
        )
        return IdleVerdict(IDLE_TWO_YEARS, reason, basis, ref, since, recover, days, cause)
    reason = (
        f"{fact}，{full}（{who}）；征缴土地闲置费（第十四条（一））；"
        f"{two_last.isoformat()} 仍未动工即满{_years(rules.recover_years)}，可无偿收回"
    )
    return IdleVerdict(IDLE, reason, basis, ref, since, recover, days, cause)


def _years(n: int) -> str:
    return {1: "一年", 2: "两年", 3: "三年"}.get(n, f"{n}年")


def idle_fee(parcel: Mapping[str, object], verdict: IdleVerdict, rules: IdleRules = DEFAULT_RULES) -> float:
    """土地闲置费 in 万元: fee_rate × 出让或者划拨价款 for holder-caused 未动工满一年 land; 0 otherwise.

    0 also when the price is missing: count those with :func:`fee_unpriced` and say
    :func:`missing_note` beside any sum, never a silent zero.

    Never for 第八条 cases (government, force majeure) or 第二条第二款 (stalled)
    land; not computed again once the land reaches 满两年 (无偿收回 then).
    """
    if verdict.status != IDLE:
        return 0.0
    price = as_number(parcel.get("land_price"))
    return 0.0 if price is None else round(price * rules.fee_rate, 2)


def fee_unpriced(parcel: Mapping[str, object], verdict: IdleVerdict) -> bool:
    """Owes the fee (第十四条（一）) but has no 出让或者划拨价款: its fee is unknown, not 0."""
    return verdict.status == IDLE and as_number(parcel.get("land_price")) is None


def missing_note(count: int, what: str = "出让价款") -> str:
    """“N 宗缺少出让价款，未计入”: said beside every figure that leaves out records missing an input ("" for none)."""
    return f"{count:,} 宗缺少{what}，未计入" if count else ""


def is_idle(verdict: IdleVerdict) -> bool:
    """Idle in the order's sense, whatever the disposal (fee, recovery or negotiated)."""
    return verdict.status in IDLE_STATUSES


UNSOLD_STATUSES = ("reserve", "listed")


def unsold_stock(parcel: Mapping[str, object]) -> bool:
    """储备及已挂牌未出让: land in reserve or listed, not yet sold.

    Not 批而未供 (land approved for construction — 农转用/征收 — but not
    supplied): the data records no approvals, so that stock cannot be shown.
    """
    return parcel.get("supply_status") in UNSOLD_STATUSES
