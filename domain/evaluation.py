"""开发区年度考核 (zone-level annual evaluation): indicator scores, a total and classes A/B/C/D.

Every number is a setting (``[zone]`` of the scorecard settings file,
:mod:`geodata.scorecard`); the defaults follow the classes of Zhejiang's
亩均论英雄 (A 优先发展, B 提升发展, C 调控帮扶, D 倒逼整治) and are labelled as
configurable — they are not Shanxi's official 开发区发展水平年度考核 method,
which is not published as a formula.

Each indicator of a zone and year is a ratio ``numerator ÷ denominator`` (the
figures come from :mod:`stats.evaluation`); it has **no data** when the
denominator is missing or zero. Scoring:

- target = the setting's fixed number, or (``target = "average"``) Σ numerators ÷
  Σ denominators over the zones evaluated that year that have data (the
  province's own average, like the 亩均论英雄 county benchmark);
- score = weight × min(value ÷ target, 1): full marks at or above the target;
- an indicator without data scores nothing and is named under 缺少数据.

Total, when data is missing (the rule, docs/rules.md): the total is **re-weighted**
over the indicators that have data — total = Σ scores ÷ Σ their weights × 100 —
so a zone is not marked down for a figure the office has not entered, and the
**coverage** (Σ weights with data ÷ Σ all weights) is shown beside it. A zone
whose coverage is below ``min_coverage`` gets no class (数据不足, 不定级) and is
ranked after every classed zone: a class built on too few figures would say
more about data entry than about the zone.

Classes: the first of A, B, C whose cut-off the total reaches (``total ≥ cut-off``,
so a total exactly at a cut-off takes the better class), else D. Ranks: by total,
best first, equal totals share the better rank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from domain.scorecard import CLASS_NAMES, CLASSES

NO_CLASS = "—"
NO_CLASS_NAME = "数据不足，不定级"
AVERAGE = "average"
_ACTUALS = "地块“实绩年度”“实缴税金”“营业收入”（用地企业填报的实际数）与“面积”"
_STAGES = "地块供应状态与挂牌、出让合同签订、交地、实际动工日期（按年末状态；无日期时取修改记录，仍无则计为日期不详）"
_PROJECTS = "“三个一批”项目的签约、开工、投产日期（按年末状态）"
# The indicators the data can give: key → (formula, source). The settings choose among them.
INDICATORS: dict[str, tuple[str, str]] = {
    "tax_per_mu": ("亩均税收 = Σ实缴税金 ÷ Σ面积（仅计实绩年度为考核年度、填有实缴税金的地块）", _ACTUALS),
    "revenue_per_mu": ("亩均营业收入 = Σ营业收入 ÷ Σ面积（仅计实绩年度为考核年度、填有营业收入的地块）", _ACTUALS),
    "invest_intensity": (
        "投资强度 = Σ(投资强度 × 面积) ÷ Σ面积（年末已出让、已动工、已投产且填报的地块）",
        "地块“投资强度”（出让时约定的控制指标，非实际投资）",
    ),
    "plot_ratio": (
        "综合容积率 = Σ(容积率 × 面积) ÷ Σ面积（年末已出让、已动工、已投产且填报的地块）",
        "地块“容积率”（出让时约定的控制指标）",
    ),
    "development_rate": (
        "土地开发率 = 具备供地条件及以后的地块面积 ÷ 开发区土地总面积（规划面积）",
        f"{_STAGES}；开发区“规划面积”",
    ),
    "supply_rate": ("土地供应率 = 已出让、已动工、已投产面积 ÷ 具备供地条件及以后的面积", _STAGES),
    "built_rate": ("土地建成率 = （已投产面积 + 已动工面积 × 已开发占比）÷ 已供应面积", _STAGES),
    "idle_disposal_rate": (
        "闲置土地处置率 = 上年末闲置、本年末已不闲置的宗数 ÷ 上年末闲置宗数（按《闲置土地处置办法》认定）",
        "地块约定动工日期、实际动工日期、停工日期、迟延原因（上年末与本年末的数据）",
    ),
    "start_rate": ("开工率 = 截至年末签约项目中已开工数 ÷ 截至年末签约项目数（2021年报道口径）", _PROJECTS),
    "production_rate": ("投产率 = 截至年末开工项目中已投产数 ÷ 截至年末开工项目数（2021年报道口径）", _PROJECTS),
    "efficiency_rate": ("达效率 = 达到预期效益的投产项目 ÷ 投产项目", "项目达效记录（本数据没有此项）"),
    "standard_land_share": (
        "新增工业用地标准地占比 = 年内出让的工业用地中标准地面积 ÷ 年内出让的工业用地面积",
        "地块“用地性质”“是否标准地”“出让合同签订日期”",
    ),
}


@dataclass(frozen=True)
class ZoneIndicator:
    key: str
    label: str
    unit: str
    weight: float
    target: float | str = 1.0  # a number, or "average": Σ numerators ÷ Σ denominators of the zones with data


@dataclass(frozen=True)
class EvaluationSettings:
    title: str
    indicators: tuple[ZoneIndicator, ...]
    cutoffs: Mapping[str, float]  # A, B, C: the lowest total of each class
    min_coverage: float = 0.6

    def problems(self) -> list[str]:
        """Chinese sentences for settings that cannot score (empty when fine)."""
        out = []
        if not self.indicators:
            out.append("未设置任何考核指标")
        if any(i.weight < 0 for i in self.indicators) or not sum(i.weight for i in self.indicators) > 0:
            out.append("考核指标的权重不能为负，且合计须大于 0")
        bad = [i.label for i in self.indicators if i.target != AVERAGE and not _positive(i.target)]
        if bad:
            out.append(f"指标“{'、'.join(bad)}”的目标值须为正数或“average”（全省平均）")
        cuts = [self.cutoffs.get(c) for c in CLASSES[:3]]
        if any(c is None for c in cuts) or not all(a > b for a, b in pairwise(cuts)):
            out.append("A、B、C 类分数线须齐全，且 A 高于 B、B 高于 C")
        if not 0 <= self.min_coverage <= 1:
            out.append("定级所需的数据覆盖率须在 0 到 1 之间")
        return out


@dataclass(frozen=True)
class Figure:
    """One indicator of one zone: its ratio's parts (None: not known)."""

    numerator: float | None
    denominator: float | None

    @property
    def value(self) -> float | None:
        n, d = self.numerator, self.denominator
        return None if n is None or d is None or d != d or n != n or d == 0 else n / d


@dataclass(frozen=True)
class ZoneScore:
    zone: str
    values: dict[str, float | None]
    scores: dict[str, float | None]  # None: no data
    total: float | None  # re-weighted to 100; None when no indicator has data
    coverage: float  # Σ weights with data ÷ Σ weights
    rank: int | None
    grade: str  # A/B/C/D or NO_CLASS
    missing: tuple[str, ...]  # labels of indicators without data


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def targets(figures: Mapping[str, Mapping[str, Figure]], settings: EvaluationSettings) -> dict[str, float | None]:
    """Each indicator's target: fixed, or the zones' Σ numerators ÷ Σ denominators (only zones with data)."""
    out: dict[str, float | None] = {}
    for ind in settings.indicators:
        if ind.target != AVERAGE:
            out[ind.key] = float(ind.target)
            continue
        parts = [f[ind.key] for f in figures.values() if ind.key in f and f[ind.key].value is not None]
        den = sum(p.denominator for p in parts)
        out[ind.key] = sum(p.numerator for p in parts) / den if parts and den else None
    return out


def grade_of(total: float | None, coverage: float, settings: EvaluationSettings) -> str:
    """The class of a total (see module doc): ≥ a cut-off takes that class; too little data, no class."""
    if total is None or coverage < settings.min_coverage:
        return NO_CLASS
    return next((c for c in CLASSES[:3] if total >= settings.cutoffs[c]), "D")


def score_zones(figures: Mapping[str, Mapping[str, Figure]], settings: EvaluationSettings) -> list[ZoneScore]:
    """Every zone's values, scores, total, coverage, rank and class; classed zones first, best first."""
    goal = targets(figures, settings)
    weight_all = sum(i.weight for i in settings.indicators)
    rows = []
    for zone, figs in figures.items():
        values, scores, missing, weight = {}, {}, [], 0.0
        for ind in settings.indicators:
            fig = figs.get(ind.key)
            v = values[ind.key] = None if fig is None else fig.value
            t = goal[ind.key]
            if v is None or not t:
                scores[ind.key] = None
                missing.append(ind.label)
                continue
            scores[ind.key] = ind.weight * min(v / t, 1.0)
            weight += ind.weight
        total = round(sum(s for s in scores.values() if s is not None) / weight * 100, 6) if weight else None
        coverage = weight / weight_all
        rows.append((zone, values, scores, total, coverage, grade_of(total, coverage, settings), tuple(missing)))
    classed = sorted((r for r in rows if r[5] != NO_CLASS), key=lambda r: -r[3])
    unclassed = sorted((r for r in rows if r[5] == NO_CLASS), key=lambda r: -(r[3] or 0))
    first: dict[float, int] = {}
    for j, row in enumerate(classed):
        first.setdefault(row[3], j + 1)
    return [ZoneScore(z, v, s, t, c, first[t], g, m) for z, v, s, t, c, g, m in classed] + [
        ZoneScore(z, v, s, t, c, None, g, m) for z, v, s, t, c, g, m in unclassed
    ]


def class_label(grade: str) -> str:
    """``A 优先发展`` … or ``数据不足，不定级``."""
    return NO_CLASS_NAME if grade == NO_CLASS else f"{grade} {CLASS_NAMES[grade]}"


def weights_text(indicators: Sequence[ZoneIndicator]) -> str:
    return "，".join(f"{i.label} {i.weight:g}" for i in indicators)
