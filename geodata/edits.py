"""Edits of single records with an audit trail and optimistic versioning.

A record's version is the number of saved changes recorded for it in the audit
table (0 when never edited). An editor saves against the version it saw; if
someone else saved in between, :class:`ConflictError` carries the current
record instead of overwriting it.

In a GeoPackage (SQLite) the attribute update and its audit rows are written
in one transaction (``BEGIN IMMEDIATE`` … ``COMMIT``): after a crash, even a
``kill -9`` mid-save, either both are there or neither.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from domain.labels import label
from geodata.schema import SCHEMAS
from geodata.validate import check_value

AUDIT_TABLE = "zonemap_audit"
AUDIT_COLUMNS = ("change_id", "at", "user", "action", "layer", "record_id", "version", "field", "old", "new", "reason")
_AUDIT_DDL = f"""
CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (
    change_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    layer TEXT NOT NULL,
    record_id TEXT,
    version INTEGER,
    field TEXT,
    old TEXT,
    new TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS {AUDIT_TABLE}_record ON {AUDIT_TABLE} (layer, record_id, version);
"""
TZ = dt.timezone(dt.timedelta(hours=8), "CST")  # 北京时间

# Test hook: called inside the transaction after the writes, before COMMIT.
_before_commit: Callable[[], None] = lambda: None  # noqa: E731


class EditError(Exception):
    """An edit was refused; the message is Chinese."""


class ConflictError(EditError):
    """The record changed since the editor read it; ``current`` is what is stored now."""

    def __init__(self, current: dict, version: int, base_version: int):
        super().__init__(f"该记录已被他人修改（您打开时为第 {base_version} 版，现为第 {version} 版），未保存您的修改。")
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
    user: str
    reason: str = ""
    action: str = "edit"  # edit | restore
    at: dt.datetime | None = field(default=None, compare=False)


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


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit SQLite connection to a GeoPackage with the SQL functions its R-tree triggers need."""
    conn = sqlite3.connect(path, timeout=15, isolation_level=None)
    conn.row_factory = sqlite3.Row
    _register_gpkg_functions(conn)
    return conn


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _gpkg_geometry(blob: bytes | None):
    """A shapely geometry from a GeoPackage geometry blob (header + WKB), or None."""
    if blob is None:
        return None
    flags = blob[3]
    if (flags >> 4) & 1:
        return shapely.Point()  # empty flag
    return shapely.from_wkb(bytes(blob[8 + _ENVELOPE_BYTES[(flags >> 1) & 7] :]))


def _register_gpkg_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions GDAL's R-tree triggers call, so plain SQLite can update feature tables."""

    def bound(i):
        return lambda blob: None if (g := _gpkg_geometry(blob)) is None or g.is_empty else g.bounds[i]

    conn.create_function("ST_IsEmpty", 1, lambda b: None if b is None else int(_gpkg_geometry(b).is_empty))
    for name, i in (("ST_MinX", 0), ("ST_MinY", 1), ("ST_MaxX", 2), ("ST_MaxY", 3)):
        conn.create_function(name, 1, bound(i))


def encode_value(value: object) -> object:
    """A Python/NumPy value as SQLite stores it (bool → 0/1, date → ISO text, NaN → NULL)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "item"):  # numpy scalar
        return encode_value(value.item())
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _decode(layer: str, column: str, raw: object) -> object:
    if raw is None:
        return None
    dtype = SCHEMAS[layer].column(column).dtype
    if dtype == "bool":
        return bool(raw)
    if dtype == "float":
        return float(raw)
    if dtype == "int":
        return int(raw)
    return str(raw)


def _json(value: object) -> str:
    plain = encode_value(value)
    if isinstance(value, bool | np.bool_):
        plain = bool(value)
    return json.dumps(plain, ensure_ascii=False)


def record_version(conn: sqlite3.Connection, layer: str, record_id: str) -> int:
    """The record's version: the highest audited version (0 when never changed)."""
    row = conn.execute(
        f"SELECT MAX(version) FROM {AUDIT_TABLE} WHERE layer = ? AND record_id = ?", (layer, record_id)
    ).fetchone()
    return int(row[0] or 0)


def _read(conn: sqlite3.Connection, layer: str, record_id: str) -> dict | None:
    schema = SCHEMAS[layer]
    cols = ", ".join(f'"{c}"' for c in schema.columns)
    row = conn.execute(f'SELECT {cols} FROM "{layer}" WHERE "{schema.key}" = ?', (record_id,)).fetchone()
    if row is None:
        return None
    return {c: _decode(layer, c, row[c]) for c in schema.columns}


def has_audit(conn: sqlite3.Connection) -> bool:
    """Whether the file has the audit table yet."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (AUDIT_TABLE,)).fetchone() is not None


def read_record(path: Path, layer: str, record_id: str) -> tuple[dict | None, int]:
    """The stored record (schema columns) and its version."""
    with closing(connect(path)) as conn:
        version = record_version(conn, layer, record_id) if has_audit(conn) else 0
        return _read(conn, layer, record_id), version


def apply_edit(path: Path, edit: Edit) -> int:
    """Save ``edit`` with its audit rows in one transaction; return the new version.

    Raises :class:`EditError` for invalid values or a missing record and
    :class:`ConflictError` when the record's version is not ``edit.base_version``.
    A save that changes nothing writes nothing and returns the current version.
    """
    problems = check_edit(edit)
    if problems:
        raise EditError("；".join(problems))
    schema = SCHEMAS[edit.layer]
    at = (edit.at or dt.datetime.now(TZ)).isoformat(timespec="seconds")
    with write_transaction(path) as conn:
        current = _read(conn, edit.layer, edit.record_id)
        if current is None:
            raise EditError(f"{label(edit.layer)}“{edit.record_id}”不存在（可能已被删除）")
        version = record_version(conn, edit.layer, edit.record_id)
        if version != edit.base_version:
            raise ConflictError(current, version, edit.base_version)
        diff = {c: v for c, v in edit.changes.items() if encode_value(v) != encode_value(current[c])}
        if not diff:
            return version
        sets = ", ".join(f'"{c}" = ?' for c in diff)
        conn.execute(
            f'UPDATE "{edit.layer}" SET {sets} WHERE "{schema.key}" = ?',
            [*(encode_value(v) for v in diff.values()), edit.record_id],
        )
        new_version = version + 1
        conn.executemany(
            f"INSERT INTO {AUDIT_TABLE} (at, user, action, layer, record_id, version, field, old, new, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (at, edit.user, edit.action, edit.layer, edit.record_id, new_version, c, _json(current[c]), _json(v),
                 edit.reason.strip() or None)
                for c, v in diff.items()
            ],
        )  # fmt: skip
        touch(conn, edit.layer)
        return new_version


@contextmanager
def write_transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection inside ``BEGIN IMMEDIATE`` with the audit table present; COMMIT at the end.

    Any exception (even ``KeyboardInterrupt``) rolls everything back, the audit
    table's creation included, so a failed write leaves the file as it was.
    """
    conn = connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for statement in filter(str.strip, _AUDIT_DDL.split(";")):
            conn.execute(statement)
        yield conn
        _before_commit()
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def record_event(
    path: Path,
    user: str,
    action: str,
    layer: str,
    record_id: str | None = None,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """One audit row that changes no record (e.g. ``login_failed``), in its own transaction."""
    stamp = (at or dt.datetime.now(TZ)).isoformat(timespec="seconds")
    with write_transaction(path) as conn:
        conn.execute(
            f"INSERT INTO {AUDIT_TABLE} (at, user, action, layer, record_id, reason) VALUES (?, ?, ?, ?, ?, ?)",
            (stamp, user, action, layer, record_id, reason),
        )


def touch(conn: sqlite3.Connection, layer: str) -> None:
    """Mark ``layer`` as changed now in the GeoPackage's contents table."""
    conn.execute(
        "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?", (layer,)
    )


def history(path: Path, layer: str | None = None, record_id: str | None = None) -> pd.DataFrame:
    """Audit rows, newest first; ``old``/``new`` decoded from JSON."""
    where, args = [], []
    if layer:
        where.append("layer = ?")
        args.append(layer)
    if record_id:
        where.append("record_id = ?")
        args.append(record_id)
    sql = f"SELECT * FROM {AUDIT_TABLE}" + (" WHERE " + " AND ".join(where) if where else "")
    with closing(connect(path)) as conn:
        rows = [dict(r) for r in conn.execute(sql + " ORDER BY change_id DESC", args)] if has_audit(conn) else []
    frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    for col in ("old", "new"):
        frame[col] = pd.Series([json.loads(v) if isinstance(v, str) else None for v in frame[col]], dtype=object)
    return frame
