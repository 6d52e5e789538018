"""Revitalizing idle land (闲置土地盘活): disposal options, expected gains, scenarios.

For each chosen parcel the user picks a disposal option and a target
industrial chain. The options follow the cause (《闲置土地处置办法》, see
domain.idle), :func:`allowed_options`:

- 第八条 cases (government, 自然灾害等不可抗力) and every 第二条第二款
  (started-then-stalled) parcel → the negotiated options of 第十二条, each with
  its limit: 延长动工开发期限 (≤ 1 year from the supplementary agreement's start
  date), 调整土地用途、规划条件, 由政府安排临时使用 (≤ 2 years from the day it is
  arranged), 协议有偿收回, 置换土地 (only where the plan was lawfully changed —
  a government cause — and with the land price paid in full and the project's
  funds in place: conditions to verify), other ways set by the city or county.
  No fee, no free recovery;
- holder-caused land not started for one full year → 第十四条（一）: the
  土地闲置费 (20 % of the 出让或者划拨价款), the holder to start before the two
  years are full;
- holder-caused land not started for two full years → 第十四条（二）: 无偿收回,
  then supplied again.

The chain's indicators (a table the user can edit; the defaults are
illustrative, from the national bulletin where one exists) give the gains:

- 固定资产投资 (万元) = 面积 (亩) × 投资强度 (万元/亩)
- 年产值 (万元) = 面积 × 亩均产值 (万元/亩)
- 年税收 (万元) = 面积 × 亩均税收 (万元/亩)
- 就业 (人) = 面积 × 亩均就业 (人/亩)
- 可收土地闲置费 (万元) = 出让或者划拨价款 × 20 %, only under 第十四条（一）
- 可用日期: today + the option's expected lead time, never later than its legal
  limit (延长 ≤ 1 年, counted from the supplementary agreement's start date,
  taken as today; 临时使用 ≤ 2 年; under 第十四条（一） the last day before the
  two years are full).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from domain.idle import (
    CAUSE_GOVERNMENT,
    DEFAULT_RULES,
    IDLE,
    IDLE_TWO_YEARS,
    NEGOTIATE,
    IdleRules,
    IdleVerdict,
    fee_unpriced,
    idle_fee,
)
from domain.labels import label


@dataclass(frozen=True)
class Option:
    """A disposal option, its legal basis and timing (months; settings)."""

    key: str
    label: str
    basis: str
    lead_months: int  # expected months until the land is in productive use
    limit_months: int | None = None  # legal ceiling where the order sets one
    conditions: tuple[str, ...] = ()  # what must hold before it may be chosen (to verify)
    collects_fee: bool = False  # 第十四条（一）: the fee is charged


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option(
            "fee",
            "征缴土地闲置费，督促动工",
            "第十四条（一）：未动工开发满一年，按出让或者划拨价款的20%征缴土地闲置费，不得列入生产成本；"
            "满两年仍未动工的，无偿收回",
            6,
            collects_fee=True,
        ),
        Option(
            "recover_resupply",
            "无偿收回后重新供应",
            "第十四条（二）：未动工开发满两年，报经有批准权的人民政府批准后无偿收回国有建设用地使用权，再依法供应",
            10,
        ),
        Option(
            "extend",
            "延长动工开发期限",
            "第十二条（一）：签订补充协议，重新约定动工开发、竣工期限；自补充协议约定的动工开发日期起，延长不超过一年",
            6,
            12,
        ),
        Option(
            "adjust_use",
            "调整土地用途、规划条件",
            "第十二条（二）：按新用途或者新规划条件重新办理用地手续，并核算、收缴或者退还土地价款",
            9,
        ),
        Option(
            "temporary_use",
            "由政府安排临时使用",
            "第十二条（三）：待原项目具备开发建设条件后重新开发建设；自安排临时使用之日起，临时使用不超过两年",
            1,
            24,
        ),
        Option("negotiated_recovery", "协议有偿收回", "第十二条（四）：协议有偿收回国有建设用地使用权", 8),
        Option(
            "swap",
            "置换土地",
            "第十二条（五）：置换其他价值相当、用途相同的国有建设用地进行开发建设",
            8,
            conditions=("已缴清土地价款", "已落实项目资金", "因规划依法修改造成闲置"),
        ),
        Option("local", "市、县规定的其他处置方式", "第十二条（六）：市、县主管部门根据实际情况规定的其他方式", 12),
    )
}
NEGOTIATED_OPTIONS = ("extend", "adjust_use", "temporary_use", "negotiated_recovery", "swap", "local")


def allowed_options(verdict: IdleVerdict) -> tuple[str, ...]:
    """The option keys the order allows for a parcel with ``verdict``, the default first (empty: not idle)."""
    if verdict.status == IDLE:
        return ("fee",)
    if verdict.status == IDLE_TWO_YEARS:
        return ("recover_resupply",)
    if verdict.disposal == NEGOTIATE:
        # 置换土地 only where the plan was lawfully changed: a government cause (第八条（二）)
        return tuple(k for k in NEGOTIATED_OPTIONS if k != "swap" or verdict.cause == CAUSE_GOVERNMENT)
    return ()


def option_problem(verdict: IdleVerdict, option: str) -> str | None:
    """Why ``option`` does not apply to a parcel with ``verdict`` (a Chinese sentence), or None when it does."""
    if option in allowed_options(verdict):
        return None
    if option not in OPTIONS:
        return f"未知的处置方式：{option}" if option else "未选择处置方式"
    name = OPTIONS[option].label
    if verdict.disposal is None:
        return f"该地块未认定为闲置土地（{label(verdict.status)}），不适用“{name}”"
    if verdict.disposal == NEGOTIATE:
        if option == "swap":
            return "置换土地限于因规划依法修改（政府原因）造成闲置的土地，且须已缴清土地价款、落实项目资金"
        return f"{label(verdict.status)}的土地依第十二条协商处置，不征收闲置费、不无偿收回，不适用“{name}”"
    allowed = "、".join(OPTIONS[k].label for k in allowed_options(verdict))
    return f"{label(verdict.status)}的土地依第十四条处理（{allowed}），不适用第十二条的“{name}”"


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
    basis: str = ""
    conditions: tuple[str, ...] = ()
    formulas: dict[str, str] = field(default_factory=dict)
    fee_unpriced: bool = False  # the fee is owed but the 出让价款 is missing: not in ``fee`` (said, never a zero)


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
    """Expected gains of revitalizing one parcel (see module doc); ValueError when the option does not apply."""
    problem = option_problem(item.verdict, item.option)
    if problem:
        raise ValueError(f"{item.parcel.get('name') or item.parcel.get('parcel_id')}：{problem}")
    option = options[item.option]
    ind = indicators.get(item.chain or "", DEFAULT_INDICATORS)
    area = float(item.parcel.get("area_mu") or 0.0)
    fee = idle_fee(item.parcel, item.verdict, rules) if option.collects_fee else 0.0
    latest, limit_text = _latest(option, item.verdict, today)
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
        "in_use": f"{today.isoformat()} + {option.lead_months} 个月" + limit_text,
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
        basis=option.basis,
        conditions=option.conditions,
        formulas=formulas,
        fee_unpriced=option.collects_fee and fee_unpriced(item.parcel, item.verdict),
    )


def _latest(option: Option, verdict: IdleVerdict, today: dt.date) -> tuple[dt.date | None, str]:
    """The legal ceiling of the option's date and how it was found."""
    if option.collects_fee and verdict.recover_since:
        last = verdict.recover_since - dt.timedelta(days=1)
        return last, f"（须于 {last.isoformat()} 前动工，否则满两年可无偿收回）"
    if option.limit_months:
        # counted from the supplementary agreement's start date (延长) or the day temporary use is arranged,
        # both taken as today; the start day is not counted, so the period ends on the corresponding day
        # (民法典第二百零一、二百零二条)
        last = add_months(today, option.limit_months)
        return last, f"（法定上限 {option.limit_months} 个月，自 {today.isoformat()} 起算：{last.isoformat()}）"
    return None, ""


def _fee_formula(item: Item, option: Option, fee: float, rules: IdleRules) -> str:
    if not option.collects_fee:
        if item.verdict.disposal == NEGOTIATE:
            return f"不征收（{label(item.verdict.status)}：依第十二条协商处置）"
        return f"不征收（{option.label}）"
    price = item.parcel.get("land_price")
    if price is None or price != price:
        return "缺少出让或者划拨价款"
    return f"{float(price):,.2f} 万元（出让或者划拨价款）× {rules.fee_rate:.0%} = {fee:,.2f} 万元"


def totals(results: Iterable[Result]) -> dict[str, float]:
    """Sums over a scenario's results (area, investment, output, tax, jobs, fee) and ``fee_unpriced``:
    how many owe the fee but have no price (left out of ``fee``, see :func:`domain.idle.missing_note`)."""
    keys = ("area_mu", "investment", "output", "tax", "jobs", "fee", "fee_unpriced")
    out = dict.fromkeys(keys, 0.0)
    for r in results:
        for k in keys:
            out[k] += getattr(r, k)
    return out
