"""Edits of single records: what an editor asks for, its checks, and the errors a store answers with.

A record's version is the number of saved changes recorded for it (0 when
never edited). An editor saves against the version it saw; if someone else
saved in between, the store raises :class:`ConflictError` carrying the current
record instead of overwriting it. Stores (:mod:`geodata.store`) write the
change and its audit rows in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from domain.labels import label
from domain.scope import Scope
from geodata.fieldcheck import check_value
from geodata.schema import SCHEMAS

TZ = dt.timezone(dt.timedelta(hours=8), "CST")  # 北京时间


class EditError(Exception):
    """An edit was refused; the message is Chinese."""


class ConflictError(EditError):
    """The record changed since the editor read it; ``current`` is what is stored now."""

    def __init__(self, current: dict, version: int, base_version: int, what: str = "该记录"):
        super().__init__(f"{what}已被他人修改（您打开时为第 {base_version} 版，现为第 {version} 版），未保存您的修改。")
        self.current = current
        self.version = version
        self.base_version = base_version


@dataclass(frozen=True)
class Edit:
    """New values for some fields of one record, saved against ``base_version``."""

    layer: str
    record_id: str
    changes: Mapping[str, object]
    base_version: int
    user: str  # the account id (username), never a display name
    reason: str = ""
    action: str = "edit"  # edit | restore
    at: dt.datetime | None = field(default=None, compare=False)
    scope: Scope | None = None  # the editor's scope, checked in the store (None: tools without an account)
    session: str | None = None  # the editor's sign-in session (token hash): still active at commit, or nothing is saved


def editable_fields(layer: str) -> list[str]:
    """Columns an editor may change (not the key)."""
    schema = SCHEMAS[layer]
    return [f.name for f in schema.fields if f.name != schema.key]


def check_edit(edit: Edit) -> list[str]:
    """Chinese messages for values that break the schema (empty when fine)."""
    schema = SCHEMAS[edit.layer]
    allowed = set(editable_fields(edit.layer))
    problems = []
    for column, value in edit.changes.items():
        if column not in allowed:
            problems.append(f"字段“{label(column)}”不可编辑")
            continue
        message = check_value(schema.column(column), value)
        if message:
            problems.append(f"{label(column)}：{message}")
    if not edit.user.strip():
        problems.append("未登录，不能修改数据")
    return problems


def encode_value(value: object) -> object:
    """A Python/NumPy value as a database stores it (bool → 0/1, date → ISO text, NaN → NULL)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "item"):  # numpy scalar
        return encode_value(value.item())
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        if value != value:  # pandas NA and friends
            return None
    except (TypeError, ValueError):
        return None
    return value


def audit_json(value: object) -> str:
    """A value as the audit keeps it (JSON text; booleans as true/false)."""
    plain = encode_value(value)
    if isinstance(value, bool | np.bool_):
        plain = bool(value)
    return json.dumps(plain, ensure_ascii=False)
