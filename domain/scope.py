"""Which records an account may change: its role and scope (省级 / 市级 / 开发区).

Shanxi runs its development zones at three levels: the provincial office keeps
the province-wide ledger, each city bureau answers for its city's zones, each
zone's management committee for its own land and projects. An account carries
one :class:`Scope`:

* ``province`` (省级): every record; manages accounts;
* ``city`` (市级): the zones whose ``city_adcode`` is one of its cities;
* ``zone`` (开发区): its zones, and the zones whose ``parent_id`` is one of them
  (e.g. the parks of 山西综改示范区).

A record belongs to a zone (``zone_id``; a zone record to itself); whether a
scope covers it depends only on that zone's id, its city and its parent, so the
store can decide it inside the write transaction (:func:`covers`). Visitors
(not signed in) have no scope and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROLES = ("province", "city", "zone")
ROLE_LABELS = {"province": "省级", "city": "市级", "zone": "开发区"}


@dataclass(frozen=True)
class ZoneRef:
    """What a scope needs to know of a zone: its id, its city's code and its parent zone (if any)."""

    zone_id: str
    city_adcode: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True)
class Scope:
    """A role and the codes it reaches (city adcodes for ``city``, zone ids for ``zone``; empty for ``province``).

    ``label`` is the Chinese description shown to users, e.g. ``晋中市`` or
    ``介休经济技术开发区``.
    """

    role: str
    codes: frozenset[str] = frozenset()
    label: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"未知的角色“{self.role}”（可用：{'、'.join(ROLES)}）")
        if self.role != "province" and not self.codes:
            raise ValueError(f"{ROLE_LABELS[self.role]}账户必须指定范围")

    @property
    def is_province(self) -> bool:
        return self.role == "province"

    def describe(self) -> str:
        """``省级（全省）``, ``市级（晋中市）``, ``开发区（介休经济技术开发区）``."""
        what = "全省" if self.is_province else (self.label or "、".join(sorted(self.codes)))
        return f"{ROLE_LABELS[self.role]}（{what}）"

    def covers(self, zone: ZoneRef | None) -> bool:
        """Whether a record of ``zone`` may be changed under this scope (a record with no zone: province only)."""
        if self.is_province:
            return True
        if zone is None or not zone.zone_id:
            return False
        if self.role == "city":
            return zone.city_adcode in self.codes
        return zone.zone_id in self.codes or (zone.parent_id is not None and zone.parent_id in self.codes)


PROVINCE = Scope("province")


def outside(scope: Scope, zones: Iterable[ZoneRef | None]) -> list[ZoneRef | None]:
    """The zones in ``zones`` that ``scope`` does not cover, in order, without repeats."""
    seen: set[ZoneRef | None] = set()
    out = []
    for zone in zones:
        if zone not in seen and not scope.covers(zone):
            seen.add(zone)
            out.append(zone)
    return out


def parse_scope(role: str, codes: Iterable[str], label: str = "") -> Scope:
    """A :class:`Scope` from stored text (role and codes); raises ValueError with a Chinese message."""
    return Scope(role.strip(), frozenset(c.strip() for c in codes if c and c.strip()), label)
