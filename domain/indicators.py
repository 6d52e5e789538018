"""Zone land-use indicators computed from parcels, and the national bulletin to set beside them.

The 开发区土地集约利用评价 indicators (docs/rules.md), as this app computes them:

- 土地开发率 = 已达到供地条件的土地（具备供地条件及以后）面积 ÷ 开发区土地总面积.
  The zone's total land is its planned area where known; where it is not, the
  rate is None ("开发区土地总面积未知") — never the developed share of the
  parcels the data happens to hold, which is a different ratio. The numerator
  counts only the parcels in the data.
- 土地供应率 = 已供应（已出让、已动工、已投产）面积 ÷ 已达到供地条件的面积
- 土地建成率 = 已建成面积 ÷ 已供应面积, where 已建成 = 已投产 parcels in full
  plus, for 已动工 parcels, area × 已开发面积占比 (``developed_share``)

The parcels' 容积率, 投资强度 and 亩均税收 are **control indicators** (控制指标:
the values preset for 标准地 and committed to by the buyer, unbuilt land
included), so their area-weighted averages are labelled 控制指标 and never set
beside the bulletin's figures, which are actuals on built land.

The bulletin: 自然资源部, 2020 年度国家级开发区土地集约利用监测统计 (541 national
zones, data to 2019-12-31). Its rates compare with the rates above; its
综合容积率 (0.98, all built land), 工业用地综合容积率 (0.93, the figure for
industrial parcels), 工业用地固定资产投入强度 and 工业用地地均税收 are actuals
that compare only with actuals (floor area, investment and tax of built
industrial land), which this data does not record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.supply import PIPELINE, SUPPLIED, SUPPLY_READY, stage_of
from domain.units import MU_PER_HECTARE

DEVELOPED: tuple[str, ...] = PIPELINE[PIPELINE.index(SUPPLY_READY) :]

BULLETIN = "自然资源部 2020 年度国家级开发区土地集约利用监测统计（541 个国家级开发区，数据截至 2019-12-31）"

# The bulletin's figures: rates as fractions, intensities per 亩 (converted from per 公顷).
BENCHMARKS: dict[str, float] = {
    "development_rate": 0.8946,
    "supply_rate": 0.9268,
    "built_rate": 0.9277,
    "plot_ratio": 0.98,  # 综合容积率, all built land
    "industrial_plot_ratio": 0.93,  # 工业用地综合容积率: the comparable figure for industrial parcels
    "invest_intensity": 8984.3 / MU_PER_HECTARE,  # 工业用地固定资产投入强度 8984.3 万元/公顷 ≈ 598.95 万元/亩
    "tax_per_mu": 678.99 / MU_PER_HECTARE,  # 工业用地地均税收 678.99 万元/公顷 ≈ 45.27 万元/亩
}
RATES: tuple[str, ...] = ("development_rate", "supply_rate", "built_rate")

FORMULAS: dict[str, str] = {
    "development_rate": "土地开发率 = 具备供地条件及以后的地块面积 ÷ 开发区土地总面积（取规划面积；未知则不计算）",
    "supply_rate": "土地供应率 = 已出让、已动工、已投产面积 ÷ 具备供地条件及以后的面积",
    "built_rate": "土地建成率 = （已投产面积 + 已动工面积 × 已开发占比）÷ 已供应面积",
    "plot_ratio": "容积率（控制指标）= Σ(控制容积率 × 面积) ÷ Σ面积（仅计填报的地块，含未建地块）",
    "invest_intensity": "投资强度（控制指标）= Σ(投资强度 × 面积) ÷ Σ面积（万元/亩，仅计填报的地块）",
    "tax_per_mu": "亩均税收（控制指标）= Σ(亩均税收 × 面积) ÷ Σ面积（万元/亩，仅计填报的地块）",
}


@dataclass(frozen=True)
class LandUse:
    """Areas (亩) and indicators of one group of parcels; rates are None when undefined (÷0 or area unknown)."""

    parcels: int
    total_mu: float  # the parcels' area
    zone_mu: float | None  # the zone's total land, None when unknown
    developed_mu: float
    supplied_mu: float
    built_mu: float
    development_rate: float | None
    supply_rate: float | None
    built_rate: float | None
    plot_ratio: float | None  # control value (控制指标), area-weighted
    invest_intensity: float | None  # control value, 万元/亩
    tax_per_mu: float | None  # control value, 万元/亩


def _ratio(num: float, den: float | None) -> float | None:
    return num / den if den is not None and den > 0 else None


def _weighted(rows: list[Mapping[str, object]], column: str) -> float | None:
    pairs = [(float(r[column]), float(r.get("area_mu") or 0)) for r in rows if _number(r.get(column))]
    weight = sum(a for _, a in pairs)
    return sum(v * a for v, a in pairs) / weight if weight > 0 else None


def _number(value: object) -> bool:
    return isinstance(value, int | float) and value == value  # not None, not NaN


def land_use(parcels: Iterable[Mapping[str, object]], zone_mu: float | None = None) -> LandUse:
    """The indicators of ``parcels`` (records with area_mu, supply_status, flags, indicators).

    ``zone_mu``: the zone's total land in 亩 (None: unknown, so no 土地开发率).
    """
    rows = list(parcels)
    total = developed = supplied = built = 0.0
    for r in rows:
        area = float(r.get("area_mu") or 0.0)
        stage = stage_of(r)
        total += area
        if stage in DEVELOPED:
            developed += area
        if stage in SUPPLIED:
            supplied += area
        if stage == "producing":
            built += area
        elif stage == "started" and _number(r.get("developed_share")):
            built += area * float(r["developed_share"])
    zone = zone_mu if zone_mu is not None and zone_mu == zone_mu and zone_mu > 0 else None
    return LandUse(
        parcels=len(rows),
        total_mu=total,
        zone_mu=zone,
        developed_mu=developed,
        supplied_mu=supplied,
        built_mu=built,
        development_rate=_ratio(developed, zone),
        supply_rate=_ratio(supplied, developed),
        built_rate=_ratio(built, supplied),
        plot_ratio=_weighted(rows, "plot_ratio"),
        invest_intensity=_weighted(rows, "invest_intensity"),
        tax_per_mu=_weighted(rows, "tax_per_mu"),
    )
