"""Matching projects that need land to candidate parcels, with an explained score (0–100).

Candidates are only land that can be supplied to a project (:func:`candidate_kind`):
reserve land (储备; 具备供地条件 when ready) and holder-caused idle land that
has not been started for two full years (第十四条（二）: 无偿收回, then supplied
again). Land already sold, started or producing is held by someone and is never
a candidate — nor is other idle land, whose holder keeps it (闲置费) or
negotiates (第十二条) — nor land already listed (挂牌: already on the market).
A project needs land when it is signed with no parcel (签而未落) or states a
land need (用地需求, 亩) and has no parcel.

Score = area fit (40) + location (25) + readiness (20) + chain (15):

- area fit: within ``tolerance`` of the need → 40; beyond it the points fall
  linearly to 0 at twice the tolerance further; no stated need → 20 (neutral).
  Two adjacent candidates in one zone may together fit.
- location: same zone (or one of its parks) → 25; same city → 15; otherwise
  25 × (1 − distance / 150 km), at least 0.
- readiness: the candidate's 几通一平 at least what the project needs
  (default 三通一平) → 20; otherwise 20 × rank / needed rank.
- chain: the zone leads the project's chain or the parcel is planned for it →
  15; project without a chain → 7.5; otherwise 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from domain.idle import IDLE_TWO_YEARS
from domain.labels import label
from domain.readiness import READINESS_RANK

WEIGHTS = {"area": 40.0, "location": 25.0, "readiness": 20.0, "chain": 15.0}
FAR_KM = 150.0

# candidate kinds (labels in domain.labels)
SUPPLY_READY = "supply_ready"  # 储备，具备供地条件
RESERVE = "reserve"  # 储备，尚不具备供地条件
IDLE_RECOVERY = "idle_recovery"  # 未动工满两年的闲置土地：无偿收回后重新供应
CANDIDATE_KINDS = (SUPPLY_READY, RESERVE, IDLE_RECOVERY)


def candidate_kind(supply_status: object, supply_ready: bool, idle_status: str | None) -> str | None:
    """The kind of candidate a parcel is, or None when it cannot be supplied to a project.

    ``supply_ready`` is the parcel's 具备供地条件 (domain.supply.is_supply_ready);
    ``idle_status`` its class under domain.idle (None when not judged).
    """
    if supply_status == "reserve":
        return SUPPLY_READY if supply_ready else RESERVE
    if supply_status in ("sold", "started") and idle_status == IDLE_TWO_YEARS:
        return IDLE_RECOVERY
    return None


@dataclass(frozen=True)
class Candidate:
    """One parcel, or two adjacent parcels taken together."""

    parcel_ids: tuple[str, ...]
    kind: str  # one of CANDIDATE_KINDS, or "mixed" for a pair of two kinds
    zone_id: str
    zone_family: frozenset[str]  # the zone, its parent and its parks
    city_adcode: str | None
    area_mu: float
    readiness: str
    zone_chains: frozenset[str]
    parcel_chains: frozenset[str]
    lon: float
    lat: float


@dataclass(frozen=True)
class Need:
    """What a project asks for."""

    project_id: str
    zone_id: str
    city_adcode: str | None
    land_need_mu: float | None
    chain: str | None
    lon: float
    lat: float
    min_readiness: str = "three_plus_one"


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    score: float
    parts: dict[str, float]
    reasons: dict[str, str]


def km_between(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km (haversine, R = 6371 km): enough for ranking."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def area_part(need: float | None, area: float, tolerance: float) -> tuple[float, str]:
    if not need:
        return WEIGHTS["area"] / 2, "项目未说明用地需求，面积按中性计分"
    gap = abs(area - need) / need
    if gap <= tolerance:
        return WEIGHTS["area"], f"面积 {area:,.2f} 亩，与需求 {need:,.2f} 亩相差 {gap:.0%}（容差 {tolerance:.0%} 内）"
    points = WEIGHTS["area"] * max(0.0, 1 - (gap - tolerance) / (2 * tolerance))
    return points, f"面积 {area:,.2f} 亩，与需求 {need:,.2f} 亩相差 {gap:.0%}（超出容差 {tolerance:.0%}）"


def location_part(need: Need, c: Candidate) -> tuple[float, str]:
    if need.zone_id in c.zone_family:
        return WEIGHTS["location"], "同一开发区"
    if need.city_adcode and need.city_adcode == c.city_adcode:
        return 15.0, "同一市，不同开发区"
    km = km_between(need.lon, need.lat, c.lon, c.lat)
    return WEIGHTS["location"] * max(0.0, 1 - km / FAR_KM), f"相距约 {km:,.0f} 公里"


def readiness_part(need: Need, c: Candidate) -> tuple[float, str]:
    have, want = READINESS_RANK[c.readiness], READINESS_RANK[need.min_readiness]
    if have >= want:
        return WEIGHTS["readiness"], f"{label(c.readiness)}，满足{label(need.min_readiness)}要求"
    return WEIGHTS["readiness"] * have / want if want else 0.0, f"{label(c.readiness)}，低于{label(need.min_readiness)}"


def chain_part(need: Need, c: Candidate) -> tuple[float, str]:
    if not need.chain:
        return WEIGHTS["chain"] / 2, "项目未归链，按中性计分"
    if need.chain in c.zone_chains:
        return WEIGHTS["chain"], f"开发区主导产业链含“{need.chain}”"
    if need.chain in c.parcel_chains:
        return WEIGHTS["chain"], f"地块规划用于“{need.chain}”"
    return 0.0, f"开发区主导产业链不含“{need.chain}”"


def score(need: Need, c: Candidate, tolerance: float = 0.2) -> Match:
    """The explained score of candidate ``c`` for ``need``."""
    parts, reasons = {}, {}
    for key, (points, why) in {
        "area": area_part(need.land_need_mu, c.area_mu, tolerance),
        "location": location_part(need, c),
        "readiness": readiness_part(need, c),
        "chain": chain_part(need, c),
    }.items():
        parts[key], reasons[key] = round(points, 2), why
    return Match(c, round(sum(parts.values()), 2), parts, reasons)


def rank(need: Need, candidates: Sequence[Candidate], tolerance: float = 0.2, limit: int = 10) -> list[Match]:
    """Candidates by score, best first (ties: smaller area surplus, then id)."""
    matches = [score(need, c, tolerance) for c in candidates]
    want = need.land_need_mu or 0.0
    matches.sort(key=lambda m: (-m.score, abs(m.candidate.area_mu - want), m.candidate.parcel_ids))
    return matches[:limit]


def combine(a: Candidate, b: Candidate) -> Candidate:
    """Two adjacent candidates of one zone as one (area summed, readiness the weaker)."""
    weaker = min((a.readiness, b.readiness), key=READINESS_RANK.__getitem__)
    return Candidate(
        parcel_ids=a.parcel_ids + b.parcel_ids,
        kind=a.kind if a.kind == b.kind else "mixed",
        zone_id=a.zone_id,
        zone_family=a.zone_family,
        city_adcode=a.city_adcode,
        area_mu=a.area_mu + b.area_mu,
        readiness=weaker,
        zone_chains=a.zone_chains,
        parcel_chains=a.parcel_chains | b.parcel_chains,
        lon=(a.lon + b.lon) / 2,
        lat=(a.lat + b.lat) / 2,
    )
