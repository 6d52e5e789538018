"""Scopes from what an administrator types: city or zone codes, or their Chinese names.

``--scope 140700``, ``--scope 晋中市`` (or ``晋中``) and ``--scope 介休经济技术开发区``
(or its ``zone_id``) all work; several may be given. Zone names and ids are
looked up in the data's ``zones`` layer, so a typo is refused, never stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from access.accounts import AccountsError
from domain.scope import PROVINCE, ROLE_LABELS, ROLES, Scope
from geodata.schema import SHANXI_CITIES


def resolve_scope(role: str, items: Sequence[str], zones: pd.DataFrame | None = None) -> Scope:
    """The :class:`Scope` for ``role`` and ``items`` (codes or names); AccountsError (Chinese) when unusable."""
    role = role.strip()
    if role not in ROLES:
        raise AccountsError(f"角色应为 {'、'.join(f'{r}（{ROLE_LABELS[r]}）' for r in ROLES)} 之一，不是“{role}”")
    items = [p.strip() for item in items for p in str(item).replace("，", ",").replace("、", ",").split(",")]
    items = [i for i in items if i]
    if role == "province":
        if [i for i in items if i not in {"全省", "山西省", "140000"}]:
            raise AccountsError("省级账户的范围是全省，不能再指定市或开发区")
        return PROVINCE
    if not items:
        raise AccountsError(f"{ROLE_LABELS[role]}账户必须用 --scope 指定范围")
    pairs = [_city(i) for i in items] if role == "city" else [_zone(i, zones) for i in items]
    codes = dict(pairs)
    return Scope(role, frozenset(codes), "、".join(dict.fromkeys(codes.values())))


def _city(item: str) -> tuple[str, str]:
    if item in SHANXI_CITIES:
        return item, SHANXI_CITIES[item]
    for code, name in SHANXI_CITIES.items():
        if item in (name, name.removesuffix("市")):
            return code, name
    raise AccountsError(f"“{item}”不是山西省的地级市（可写代码如 140700 或名称如 晋中市）")


def _zone(item: str, zones: pd.DataFrame | None) -> tuple[str, str]:
    if zones is None or zones.empty:
        raise AccountsError("数据中没有开发区，无法按开发区设置范围（请检查 --data 或 ZONEMAP_DATA）")
    ids = zones["zone_id"].astype(str)
    names = zones["name"].astype(str)
    hit = zones[(ids == item) | (names == item)]
    if len(hit) != 1:
        raise AccountsError(f"数据中没有开发区“{item}”（可写开发区编号或全称）")
    row = hit.iloc[0]
    return str(row["zone_id"]), str(row["name"])
