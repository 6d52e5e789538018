"""Idle land (闲置土地) under 《闲置土地处置办法》(国土资源部令第53号, in force 2012-07-01).

Article 2, as applied here to every supplied parcel (已出让、已动工、已投产):

- 未动工: no start of construction one full year (满一年) after the start date
  agreed in the contract → 闲置 from that anniversary; two full years → 闲置满两年;
- 已动工但中止: started, developed area < 1/3 of the area due **or** investment
  < 25% of the total, and work stopped for one full year → 闲置 (two full years
  → 闲置满两年), counted from the stop date.

"满一年" ends on the corresponding day a year later; a 29 February start has no
corresponding day in a common year and ends on 28 February (月末日, 民法典第二百零三条).

Where the delay was caused by government action (``delay_cause = government``:
land not handed over on time, plan or policy changes …) the parcel is flagged
for negotiated disposal (协议处置) instead: no fee, no recovery.

Consequences (Article 14): 闲置满一年 → 土地闲置费 = 20% of the land price
(出让或划拨价款); 闲置满两年 → 无偿收回 candidate (no fee is computed then).
Thresholds and the fee rate are settings with the regulation's values as defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from domain.values import as_date, as_number

NOT_SUPPLIED = "not_supplied"
NOT_IDLE = "not_idle"
IDLE = "idle"
IDLE_TWO_YEARS = "idle_two_years"
GOVERNMENT = "government_delay"
UNKNOWN = "undetermined"
IDLE_CLASSES = (NOT_IDLE, IDLE, IDLE_TWO_YEARS, GOVERNMENT, UNKNOWN, NOT_SUPPLIED)
SUPPLIED_STATUSES = ("sold", "started", "producing")


@dataclass(frozen=True)
class IdleRules:
    """The regulation's thresholds (settings)."""

    developed_share: float = 1 / 3  # 已开发面积不足三分之一
    invested_share: float = 0.25  # 已投资额不足百分之二十五
    idle_years: int = 1
    recover_years: int = 2
    fee_rate: float = 0.20  # 土地闲置费 = 出让或划拨价款的 20%


DEFAULT_RULES = IdleRules()


@dataclass(frozen=True)
class IdleVerdict:
    """The class of one parcel, why, and the dates it was computed from."""

    status: str
    reason: str
    basis: str = ""  # "no_start" | "stalled" | ""
    reference_date: dt.date | None = None  # agreed start or stop date the years count from
    idle_since: dt.date | None = None  # the day the parcel became idle (满一年)
    years_due: dt.date | None = None  # the day it reaches 满两年
    days_idle: int | None = None


def add_years(day: dt.date, years: int) -> dt.date:
    """The corresponding day ``years`` later; 29 Feb → 28 Feb in a common year (月末日)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


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
        text
        for value, limit, text in (
            (developed, rules.developed_share, f"已开发面积占比 {_pct(developed)} 不足 {_pct(rules.developed_share)}"),
            (invested, rules.invested_share, f"已投资占比 {_pct(invested)} 不足 {_pct(rules.invested_share)}"),
        )
        if value is not None and value < limit
    ]
    stopped = as_date(parcel.get("work_stopped_date"))
    if not short:
        if developed is None and invested is None:
            return IdleVerdict(UNKNOWN, f"{started.isoformat()} 已动工，缺少开发和投资进度，无法判定")
        return IdleVerdict(NOT_IDLE, f"{started.isoformat()} 已动工，开发和投资进度达到标准")
    if stopped is None:
        return IdleVerdict(NOT_IDLE, f"{started.isoformat()} 已动工，{'；'.join(short)}，但未停工")
    return _judge(parcel, today, rules, "stalled", stopped, f"{'；'.join(short)}，{stopped.isoformat()} 起停工")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}".replace(".0%", "%")


def _judge(
    parcel: Mapping[str, object], today: dt.date, rules: IdleRules, basis: str, ref: dt.date, fact: str
) -> IdleVerdict:
    since, due = add_years(ref, rules.idle_years), add_years(ref, rules.recover_years)
    if today < since:
        return IdleVerdict(
            NOT_IDLE, f"{fact}，未满{rules.idle_years}年（{since.isoformat()} 满）", basis, ref, None, due
        )
    days = (today - since).days
    if parcel.get("delay_cause") == "government":
        return IdleVerdict(GOVERNMENT, f"{fact}；因政府原因迟延，协议处置，不收闲置费", basis, ref, since, due, days)
    if today >= due:
        reason = f"{fact}，已满{rules.recover_years}年（{due.isoformat()}）"
        return IdleVerdict(IDLE_TWO_YEARS, reason, basis, ref, since, due, days)
    return IdleVerdict(IDLE, f"{fact}，已满{rules.idle_years}年（{since.isoformat()}）", basis, ref, since, due, days)


def idle_fee(parcel: Mapping[str, object], verdict: IdleVerdict, rules: IdleRules = DEFAULT_RULES) -> float:
    """土地闲置费 in 万元: fee_rate × land price for 闲置满一年; 0 otherwise (or when no price)."""
    if verdict.status != IDLE:
        return 0.0
    price = as_number(parcel.get("land_price"))
    return 0.0 if price is None else round(price * rules.fee_rate, 2)


def is_idle(verdict: IdleVerdict) -> bool:
    """Idle in the regulation's sense (incl. government-caused delays, which are disposed by agreement)."""
    return verdict.status in (IDLE, IDLE_TWO_YEARS, GOVERNMENT)


def approved_not_supplied(parcel: Mapping[str, object]) -> bool:
    """批而未供 stock as this data can show it: land in reserve or listed, not yet sold."""
    return parcel.get("supply_status") in ("reserve", "listed")
