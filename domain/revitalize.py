"""Revitalizing idle land (闲置土地盘活): disposal options, expected gains, scenarios.

For each chosen parcel the user picks a disposal option (《闲置土地处置办法》第十二、十三、
十四条) and a target industrial chain; the chain's indicators (a table the user
can edit; the defaults are illustrative, from the national bulletin where one
exists) give the expected gains:

- 固定资产投资 (万元) = 面积 (亩) × 投资强度 (万元/亩)
- 年产值 (万元) = 面积 × 亩均产值 (万元/亩)
- 年税收 (万元) = 面积 × 亩均税收 (万元/亩)
- 就业 (人) = 面积 × 亩均就业 (人/亩)
- 可收土地闲置费 (万元) = 出让价款 × 20%, only for 闲置满一年 parcels kept by their
  holder (延长期限、调整用途、临时使用); not for government-caused delays
- 可用日期: today + the option's expected lead time, never later than its legal
  limit where the regulation sets one (延长动工期限 ≤ 1 年; 临时使用 ≤ 2 年).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from domain.idle import DEFAULT_RULES, IDLE, IdleRules, IdleVerdict, idle_fee


@dataclass(frozen=True)
class Option:
    """A disposal option, its legal basis and timing (months; settings)."""

    key: str
    label: str
    basis: str
    lead_months: int  # expected months until the land is in productive use
    limit_months: int | None = None  # legal ceiling where the regulation sets one
    keeps_holder: bool = True  # the holder keeps the land (fee still collectable)


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("extend", "延长动工开发期限", "第十二条（一）：延长期限不超过一年", 6, 12),
        Option("adjust_use", "调整土地用途、规划条件", "第十二条（二）：按新用途或规划条件重新办理用地手续", 9),
        Option("temporary_use", "政府安排临时使用", "第十二条（三）：临时使用期限不超过两年", 1, 24),
        Option(
            "negotiated_recovery",
            "协议有偿收回",
            "第十二条（四）：协议有偿收回国有建设用地使用权",
            8,
            keeps_holder=False,
        ),
        Option("swap", "置换土地", "第十二条（五）：置换土地", 8, keeps_holder=False),
        Option(
            "recover_resupply",
            "无偿收回后重新供应",
            "第十四条（二）：满两年无偿收回，依法重新招拍挂（公告期不少于 20 日）",
            10,
            keeps_holder=False,
        ),
    )
}


@dataclass(frozen=True)
class ChainIndicators:
    """Per-亩 indicators of a target chain."""

    invest_intensity: float  # 万元/亩
    output_per_mu: float  # 万元/亩/年
    tax_per_mu: float  # 万元/亩/年
    jobs_per_mu: float  # 人/亩


# Illustrative defaults: intensity and tax from the national bulletin (598.95, 45.27 万元/亩);
# output and jobs are assumptions. Users edit them per chain.
DEFAULT_INDICATORS = ChainIndicators(invest_intensity=599.0, output_per_mu=1200.0, tax_per_mu=45.3, jobs_per_mu=0.6)


@dataclass(frozen=True)
class Item:
    """One parcel in a scenario: its record, idle verdict, chosen option and target chain."""

    parcel: Mapping[str, object]
    verdict: IdleVerdict
    option: str
    chain: str | None


@dataclass(frozen=True)
class Result:
    """Expected gains of one item, with the formula behind each figure."""

    parcel_id: str
    area_mu: float
    investment: float
    output: float
    tax: float
    jobs: float
    fee: float
    in_use: dt.date
    latest: dt.date | None
    formulas: dict[str, str] = field(default_factory=dict)


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later (last day of the month when it has none)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def evaluate(
    item: Item,
    today: dt.date,
    indicators: Mapping[str, ChainIndicators],
    rules: IdleRules = DEFAULT_RULES,
    options: Mapping[str, Option] = OPTIONS,
) -> Result:
    """Expected gains of revitalizing one parcel (see module doc)."""
    option = options[item.option]
    ind = indicators.get(item.chain or "", DEFAULT_INDICATORS)
    area = float(item.parcel.get("area_mu") or 0.0)
    fee = idle_fee(item.parcel, item.verdict, rules) if option.keeps_holder else 0.0
    latest = add_months(today, option.limit_months) if option.limit_months else None
    in_use = add_months(today, option.lead_months)
    if latest and in_use > latest:
        in_use = latest
    chain = item.chain or "默认"
    a = f"{area:,.2f} 亩"
    formulas = {
        "investment": f"{a} × {ind.invest_intensity:,.2f} 万元/亩（{chain}投资强度）",
        "output": f"{a} × {ind.output_per_mu:,.2f} 万元/亩（{chain}亩均产值）",
        "tax": f"{a} × {ind.tax_per_mu:,.2f} 万元/亩（{chain}亩均税收）",
        "jobs": f"{a} × {ind.jobs_per_mu:,.2f} 人/亩",
        "fee": _fee_formula(item, option, fee, rules),
        "in_use": f"{today.isoformat()} + {option.lead_months} 个月"
        + (f"（法定上限 {option.limit_months} 个月：{latest.isoformat()}）" if latest else ""),
    }
    return Result(
        parcel_id=str(item.parcel.get("parcel_id")),
        area_mu=area,
        investment=area * ind.invest_intensity,
        output=area * ind.output_per_mu,
        tax=area * ind.tax_per_mu,
        jobs=area * ind.jobs_per_mu,
        fee=fee,
        in_use=in_use,
        latest=latest,
        formulas=formulas,
    )


def _fee_formula(item: Item, option: Option, fee: float, rules: IdleRules) -> str:
    if item.verdict.status != IDLE:
        return "不适用（仅闲置满一年且非政府原因的地块征收土地闲置费）"
    if not option.keeps_holder:
        return f"不征收（{option.label}：土地不再由原受让人持有）"
    price = item.parcel.get("land_price")
    return f"{float(price):,.2f} 万元 × {rules.fee_rate:.0%} = {fee:,.2f} 万元" if price else "缺少出让价款"


def totals(results: Iterable[Result]) -> dict[str, float]:
    """Sums over a scenario's results (area, investment, output, tax, jobs, fee)."""
    keys = ("area_mu", "investment", "output", "tax", "jobs", "fee")
    out = dict.fromkeys(keys, 0.0)
    for r in results:
        for k in keys:
            out[k] += getattr(r, k)
    return out
