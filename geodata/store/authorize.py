"""The one scope check every write makes, inside its transaction (see :mod:`domain.scope`).

A write names the records it touches and, for each, the zones involved: the
zone a record is in now and the zone it will be in (moving a record between
zones needs both in scope). The zones are read inside the same transaction, so
a zone moved to another city by someone else in the meantime is judged as it
is now. Anything outside the scope refuses the whole write (:class:`ScopeError`);
the store then audits the refusal in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from domain.labels import label
from domain.scope import Scope, ZoneRef
from geodata.store.errors import ScopeError, StoreError

_LIST = 10  # records named in a refusal


def zone_ref(tx, zone_id: object, cache: dict[str, ZoneRef | None]) -> ZoneRef | None:
    """The zone ``zone_id`` as the transaction sees it (None: no zone id; an unknown id keeps only its id)."""
    key = "" if zone_id is None else str(zone_id).strip()
    if not key or key.lower() in {"nan", "none"}:
        return None
    if key not in cache:
        row = tx.read("zones", key, lock=False)
        cache[key] = ZoneRef(key, _text(row.get("city_adcode")), _text(row.get("parent_id"))) if row else ZoneRef(key)
    return cache[key]


def record_zones(tx, layer: str, record: Mapping | None, cache: dict) -> list[ZoneRef | None]:
    """The zone a record of ``layer`` belongs to (a zone record: itself, with the values it holds)."""
    if record is None:
        return []
    if layer == "zones":
        zid = _text(record.get("zone_id"))
        return [ZoneRef(zid, _text(record.get("city_adcode")), _text(record.get("parent_id"))) if zid else None]
    return [zone_ref(tx, record.get("zone_id"), cache)]


def check(scope: Scope | None, user: str, items: Iterable[tuple[str, str, list[ZoneRef | None]]]) -> None:
    """Raise :class:`ScopeError` naming every ``(layer, record id, zones)`` item ``scope`` does not cover.

    ``scope`` None is the command line's own tools and tests acting without an
    account (the pages and ``geodata import --as`` always pass one).
    """
    if scope is None or scope.is_province:
        return
    refused = [(layer, rid) for layer, rid, zones in items if not all(scope.covers(z) for z in zones)]
    if refused:
        raise ScopeError(refusal(scope, refused), user=user, records=refused)


SESSION_ENDED = "您的登录已结束（已在其他窗口或设备退出，或账户已停用、删除或改了权限），修改未保存：请重新登录。"


def session_ok(tx, session: str | None) -> None:
    """The writer's sign-in session is still active, held so until commit (None: tools without a session)."""
    if session is not None and not tx.session_active(session):
        raise StoreError(SESSION_ENDED)


def refusal(scope: Scope, refused: list[tuple[str, str]]) -> str:
    """``超出您的权限范围（市级（晋中市））：地块 A、B 等 12 条，未写入任何数据。``"""
    names = "、".join(f"{label(layer)} {rid}" for layer, rid in refused[:_LIST])
    more = f" 等 {len(refused)} 条" if len(refused) > _LIST else ""
    return (
        f"超出您的权限范围（{scope.describe()}）：{names}{more}，未写入任何数据。"
        "请只修改范围内的记录，或请范围包含这些记录的账户（如省级账户）处理。"
    )


def _text(value: object) -> str | None:
    if value is None or value != value:  # None or NaN
        return None
    text = str(value).strip()
    return text or None
