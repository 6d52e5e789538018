"""What the signed-in editor may change on a page: their scope against a record's zone (see domain.scope).

The store makes the binding check inside its transaction; the pages use this
only to show a form where a save can succeed and say why elsewhere.
"""

from __future__ import annotations

import pandas as pd

from domain.scope import Scope, ZoneRef


def editor_scope(editor: dict | None) -> Scope | None:
    """The signed-in editor's scope (None for visitors)."""
    return editor.get("scope") if editor else None


def editor_session(editor: dict | None) -> str | None:
    """The signed-in editor's session (token hash), re-checked by the store inside each write."""
    return editor.get("session") if editor else None


def zone_ref(zones: pd.DataFrame, zone_id: object) -> ZoneRef | None:
    """The zone ``zone_id`` from the zones layer (None when the id is empty)."""
    if zone_id is None or zone_id != zone_id or not str(zone_id).strip():
        return None
    hit = zones[zones["zone_id"].astype(str) == str(zone_id)]
    if hit.empty:
        return ZoneRef(str(zone_id))
    row = hit.iloc[0]
    parent = row.get("parent_id")
    return ZoneRef(str(zone_id), row.get("city_adcode"), parent if isinstance(parent, str) and parent else None)


def may_edit(editor: dict | None, zones: pd.DataFrame, zone_id: object) -> bool:
    """Whether the editor's scope covers a record of ``zone_id``."""
    scope = editor_scope(editor)
    return scope is not None and scope.covers(zone_ref(zones, zone_id))


def zones_in_scope(editor: dict | None, zones: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``zones`` the editor may import into or change."""
    scope = editor_scope(editor)
    if scope is None:
        return zones.iloc[0:0]
    return zones[[scope.covers(zone_ref(zones, z)) for z in zones["zone_id"]]]


def readonly_note(editor: dict | None) -> str:
    """``只读：不在您的权限范围（晋中市）``."""
    scope = editor_scope(editor)
    what = scope.label or scope.describe() if scope else "未登录"
    return f"只读：不在您的权限范围（{what}）。"
