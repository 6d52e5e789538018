"""亩均效益 annual evaluation (考核): indicator scores, a total and classes A/B/C/D — every number a setting.

The default settings (``geodata/scorecard_default.toml``) follow the indicator set of
Zhejiang's 亩均论英雄 (浙政发〔2018〕5号): 亩均税收, 亩均增加值, 全员劳动生产率,
单位能耗增加值, 单位排放增加值 and 研发经费占营业收入比; classes A 优先发展,
B 提升发展, C 调控帮扶, D 倒逼整治. Weights, the cap and the class shares differ
by county and are not published centrally: the defaults are an example, labelled
as configurable, and are not Shanxi's official method.

Inputs are a firm's actual figures for one year (实缴税金, 增加值 … and its land in
亩) — never a 标准地's agreed control values. For each indicator:

- value = numerator ÷ denominator (None when either is missing or the denominator is 0);
- benchmark = Σ numerators ÷ Σ denominators over the firms with a value (the area's
  own average, e.g. the county's 亩均税收), unless the settings fix one;
- score = weight × min(value ÷ benchmark, cap); a missing value scores 0 and is named.

Total = Σ scores (weights summing to 100: a firm at every benchmark scores 100).
Classes go down the ranking by shares (default A 10%, B 35%, C 45%, D the rest);
equal totals share a class (the better one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.values import as_number

CLASSES = ("A", "B", "C", "D")
CLASS_NAMES = {"A": "优先发展", "B": "提升发展", "C": "调控帮扶", "D": "倒逼整治"}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    weight: float
    numerator: str
    denominator: str
    benchmark: float | None = None  # fixed benchmark; None: the area's own average


@dataclass(frozen=True)
class ScorecardSettings:
    title: str
    indicators: tuple[Indicator, ...]
    cap: float
    shares: Mapping[str, float]  # A, B, C (D takes the rest)

    def problems(self) -> list[str]:
        """Chinese sentences for settings that cannot score (empty when fine)."""
        out = []
        if not self.indicators:
            out.append("未设置任何评价指标")
        if any(i.weight < 0 for i in self.indicators):
            out.append("指标权重不能为负")
        if not self.cap > 0:
            out.append("单项得分上限须大于 0")
        if sum(self.shares.get(c, 0) for c in CLASSES[:3]) > 1 or any(v < 0 for v in self.shares.values()):
            out.append("A、B、C 类比例之和不能超过 100%，且不能为负")
        return out


@dataclass(frozen=True)
class FirmScore:
    firm: str
    values: dict[str, float | None]
    scores: dict[str, float]
    total: float
    rank: int
    grade: str
    missing: tuple[str, ...]


def value_of(firm: Mapping[str, object], ind: Indicator) -> float | None:
    num, den = as_number(firm.get(ind.numerator)), as_number(firm.get(ind.denominator))
    return None if num is None or den is None or den == 0 else num / den


def benchmarks(firms: Sequence[Mapping[str, object]], settings: ScorecardSettings) -> dict[str, float | None]:
    """Each indicator's benchmark: fixed in the settings, else Σ numerators ÷ Σ denominators of firms with a value."""
    out = {}
    for ind in settings.indicators:
        if ind.benchmark is not None:
            out[ind.key] = ind.benchmark
            continue
        valued = [f for f in firms if value_of(f, ind) is not None]
        den = sum(as_number(f.get(ind.denominator)) for f in valued)
        out[ind.key] = None if not valued or den == 0 else sum(as_number(f.get(ind.numerator)) for f in valued) / den
    return out


def score_firms(
    firms: Sequence[Mapping[str, object]], settings: ScorecardSettings, name: str = "firm"
) -> list[FirmScore]:
    """Every firm's values, scores, total, rank and class, best first (see module doc)."""
    bench = benchmarks(firms, settings)
    rows = []
    for f in firms:
        values, scores, missing = {}, {}, []
        for ind in settings.indicators:
            v = values[ind.key] = value_of(f, ind)
            b = bench[ind.key]
            if v is None or not b:
                scores[ind.key] = 0.0
                missing.append(ind.label)
            else:
                scores[ind.key] = ind.weight * min(v / b, settings.cap)
        rows.append((str(f.get(name, "")), values, scores, round(sum(scores.values()), 6), tuple(missing)))
    rows.sort(key=lambda r: -r[3])
    n, out = len(rows), []
    bounds, acc = [], 0.0
    for c in CLASSES[:3]:
        acc += settings.shares.get(c, 0.0)
        bounds.append(math.ceil(acc * n - 1e-9))
    first: dict[float, int] = {}
    for j, row in enumerate(rows):
        first.setdefault(row[3], j + 1)  # equal totals share the better rank
    for firm, values, scores, total, missing in rows:
        rank = first[total]
        grade = next((c for c, bound in zip(CLASSES, bounds, strict=False) if rank <= bound), "D")
        out.append(FirmScore(firm, values, scores, total, rank, grade, missing))
    return out
