"""Zone land-use indicators computed from parcels, and the national benchmarks.

The 开发区土地集约利用评价 indicators (DOMAIN.md), as this app computes them
from the parcels it holds (a zone's parcels in the data are its 土地 here; the
planned area is shown beside it, never mixed in):

- 土地开发率 = 已开发（具备供地条件及以后）面积 / 地块总面积
- 土地供应率 = 已供应（已出让、已动工、已投产）面积 / 已开发面积
- 土地建成率 = 已建成面积 / 已供应面积, where 已建成 = 已投产 parcels in full
  plus, for 已动工 parcels, area × 已开发面积占比 (``developed_share``)
- 平均投资强度 (万元/亩) and 平均容积率: area-weighted over parcels that state
  them; 亩均税收 likewise.

Benchmarks: the national bulletin on 541 national development zones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.supply import PIPELINE, SUPPLIED, SUPPLY_READY, pipeline_stage
from domain.units import MU_PER_HECTARE

DEVELOPED: tuple[str, ...] = PIPELINE[PIPELINE.index(SUPPLY_READY) :]

# National benchmarks (541 国家级开发区): rates as fractions, intensities per 亩.
BENCHMARKS: dict[str, float] = {
    "development_rate": 0.8946,
    "supply_rate": 0.9268,
    "built_rate": 0.9277,
    "plot_ratio": 0.98,
    "invest_intensity": 8984.3 / MU_PER_HECTARE,  # 8984.3 万元/公顷 ≈ 598.95 万元/亩
    "tax_per_mu": 678.99 / MU_PER_HECTARE,  # 678.99 万元/公顷 ≈ 45.27 万元/亩
}

FORMULAS: dict[str, str] = {
    "development_rate": "土地开发率 = 具备供地条件及以后的地块面积 ÷ 地块总面积",
    "supply_rate": "土地供应率 = 已出让、已动工、已投产面积 ÷ 已开发面积",
    "built_rate": "土地建成率 = （已投产面积 + 已动工面积 × 已开发占比）÷ 已供应面积",
    "plot_ratio": "平均容积率 = Σ(容积率 × 面积) ÷ Σ面积（仅计填报容积率的地块）",
    "invest_intensity": "平均投资强度 = Σ(投资强度 × 面积) ÷ Σ面积（万元/亩，仅计填报的地块）",
    "tax_per_mu": "平均亩均税收 = Σ(亩均税收 × 面积) ÷ Σ面积（万元/亩，仅计填报的地块）",
}


@dataclass(frozen=True)
class LandUse:
    """Areas (亩) and indicators of one group of parcels; rates are None when undefined (÷0)."""

    parcels: int
    total_mu: float
    developed_mu: float
    supplied_mu: float
    built_mu: float
    development_rate: float | None
    supply_rate: float | None
    built_rate: float | None
    plot_ratio: float | None
    invest_intensity: float | None
    tax_per_mu: float | None


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _weighted(rows: list[Mapping[str, object]], column: str) -> float | None:
    pairs = [(float(r[column]), float(r.get("area_mu") or 0)) for r in rows if _number(r.get(column))]
    weight = sum(a for _, a in pairs)
    return sum(v * a for v, a in pairs) / weight if weight > 0 else None


def _number(value: object) -> bool:
    return isinstance(value, int | float) and value == value  # not None, not NaN


def land_use(parcels: Iterable[Mapping[str, object]]) -> LandUse:
    """The indicators of ``parcels`` (records with area_mu, supply_status, flags, indicators)."""
    rows = list(parcels)
    total = developed = supplied = built = 0.0
    for r in rows:
        area = float(r.get("area_mu") or 0.0)
        stage = pipeline_stage(r)
        total += area
        if stage in DEVELOPED:
            developed += area
        if stage in SUPPLIED:
            supplied += area
        if stage == "producing":
            built += area
        elif stage == "started" and _number(r.get("developed_share")):
            built += area * float(r["developed_share"])
    return LandUse(
        parcels=len(rows),
        total_mu=total,
        developed_mu=developed,
        supplied_mu=supplied,
        built_mu=built,
        development_rate=_ratio(developed, total),
        supply_rate=_ratio(supplied, developed),
        built_rate=_ratio(built, supplied),
        plot_ratio=_weighted(rows, "plot_ratio"),
        invest_intensity=_weighted(rows, "invest_intensity"),
        tax_per_mu=_weighted(rows, "tax_per_mu"),
    )
