"""The Store contract: everything that reads or changes zonemap's data goes through one of these.

Two backends implement it (:mod:`geodata.store.gpkg`, the embedded default, and
:mod:`geodata.store.postgis`, for many offices on one server); one test suite
(``tests/test_store_contract.py``) runs against both. Nothing outside
``geodata/store/`` opens a database or knows which backend it talks to.

What a store keeps:

* layers (:data:`geodata.schema.SCHEMAS`), read as typed frames in EPSG:4490;
* a version per record: the number of saved changes (0 when never changed);
* the audit table: one row per changed field, with who, when, old and new
  values, written in the same transaction as the change;
* tours (观摩会 routes), versioned and audited like records; a stored tour's
  version is at least 1 (tours stored before versions were kept count as 1),
  so 0 always means a new tour and a tour deleted since it was opened is a conflict;
* import records, and events such as failed sign-ins;
* a data version for caches, which changes with every write;
* editors' sign-in sessions (``zonemap_sessions``), shared by every app server
  and kept over restarts: only a SHA-256 of each session's token is stored.
  Session writes are not data changes: the data version does not move.

Text is cleaned here, once, before any backend sees it (:func:`clean`): NUL
and the other control characters (newline and tab kept) and lone surrogates
are dropped, so a value one backend would store and another refuse is stored
the same way by both. A backend translates what its database reports into the
same Chinese sentences (:data:`READ_ONLY`, :data:`DISK_FULL`).

The rules of a change (check the values, compare versions, diff, audit) are
written once, here, on top of a backend's :class:`Tx` primitives: a backend
only says how to read, lock, write rows and geometries in its database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from domain.labels import label
from domain.scope import Scope
from domain.tours import Tour, stops_json, tour_from_json
from geodata.edits import TZ, ConflictError, Edit, EditError, audit_json, check_edit, encode_value
from geodata.schema import CRS, LAYER_ORDER, SCHEMAS, LayerSchema
from geodata.store import authorize
from geodata.store.errors import ImportRefused, ScopeError, StoreError  # noqa: F401  (re-exported for the backends)
from geodata.tiles import STORED_VALUES, FeaturePage, FeatureQuery, Tile

AUDIT_TABLE = "zonemap_audit"
AUDIT_COLUMNS = ("change_id", "at", "user", "action", "layer", "record_id", "version", "field", "old", "new", "reason")
TOURS_TABLE = "zonemap_tours"
TOURS_LAYER = "tours"  # the audit's layer name for tours
EDITABLE_LAYERS = ("zones", "parcels", "projects")
# A layer to write: one frame, or its chunks in order (a national store is generated and copied chunk by chunk).
Layer = pd.DataFrame | Iterable[pd.DataFrame]
READ_CHUNK = 50_000  # records per chunk when a whole layer is streamed (geodata copy)
SESSIONS_TABLE = "zonemap_sessions"
SESSION_COLUMNS = ("id", "username", "created", "last_seen", "expires", "ended", "why")
# The contract's own SQL on the sessions table, the same on both backends (placeholders %s; times unix seconds)
SESSION_SQL = {
    "create": f"INSERT INTO {SESSIONS_TABLE} (id, username, created, last_seen, expires) VALUES (%s, %s, %s, %s, %s)",
    "purge": f"DELETE FROM {SESSIONS_TABLE} WHERE expires < %s",
    "find": f"SELECT {', '.join(SESSION_COLUMNS)} FROM {SESSIONS_TABLE}"
    " WHERE id = %s AND ended IS NULL AND expires > %s",
    "touch": f"UPDATE {SESSIONS_TABLE} SET last_seen = %s WHERE id = %s AND ended IS NULL AND last_seen <= %s",
    "end": f"UPDATE {SESSIONS_TABLE} SET ended = %s, why = %s WHERE id = %s AND ended IS NULL",
    "end_user": f"UPDATE {SESSIONS_TABLE} SET ended = %s, why = %s WHERE username = %s AND ended IS NULL",
}
SESSION_KEEP_S = 30 * 86400  # rows of sessions expired longer ago than this are deleted when a new one starts

# Test hook: called inside every write transaction after the writes, before COMMIT.
before_commit: Callable[[], None] = lambda: None  # noqa: E731


# What every backend says when its database refuses a write (the data is unchanged in both cases).
READ_ONLY = "数据为只读，修改未保存（数据未改动）：请联系管理员检查数据文件或数据库的写入权限。"
DISK_FULL = "磁盘已满，修改未保存（数据未改动）：请联系管理员清理磁盘后再试。"


@dataclass(frozen=True)
class AuditRow:
    at: str
    user: str
    action: str  # edit | restore | import | tour | tour_delete | login_failed | …
    layer: str
    record_id: str | None
    version: int | None
    field: str | None
    old: str | None  # JSON text
    new: str | None  # JSON text
    reason: str | None

    def values(self) -> tuple:
        return (self.at, self.user, self.action, self.layer, self.record_id, self.version, self.field, self.old,
                self.new, self.reason)  # fmt: skip


@dataclass(frozen=True)
class StoredTour:
    """A tour as stored: the tour, its version and who saved it when."""

    tour: Tour
    version: int
    updated_at: str | None = None
    updated_by: str | None = None


@dataclass(frozen=True)
class ImportBatch:
    """What an import writes: typed rows for one layer, which ids are new and which update stored records."""

    layer: str
    frame: gpd.GeoDataFrame  # schema columns + geometry, EPSG:4490
    new_ids: Sequence[str]
    updated_ids: Sequence[str]
    filename: str
    summary: Mapping  # counts and detections, kept in the import record
    user: str
    at: dt.datetime | None = None
    errors: int = 0
    scope: Scope | None = None  # the importer's scope (None: command-line tools without an account)
    session: str | None = None  # the importer's sign-in session, re-checked inside the transaction


@dataclass(frozen=True)
class SessionRow:
    """One editor's sign-in: ``id`` is the SHA-256 (hex) of the cookie's token; times are unix seconds."""

    id: str
    username: str
    created: float
    last_seen: float
    expires: float
    ended: float | None = None
    why: str | None = None  # why it ended: signout | signout_all | password | removed | …


class Tx(ABC):
    """A backend's primitives inside one transaction (see :meth:`Store._write`, :meth:`Store._read`)."""

    lock_shared = ""  # appended to a SELECT that must hold its rows until commit (PostgreSQL: FOR SHARE)

    @abstractmethod
    def run(self, statement: str, args: Sequence = ()) -> tuple[list[tuple], int]:
        """One statement of the contract's own SQL (placeholders ``%s``): its rows and row count."""

    def session_active(self, token_hash: str, now: float | None = None) -> bool:
        """Whether the session with this token hash is neither ended nor expired, inside this transaction.

        A write can check it before saving: the session row stays locked (PostgreSQL ``FOR SHARE``;
        SQLite serialises writers), so a sign-out elsewhere cannot end it between the check and the commit.
        """
        rows, _ = self.run(SESSION_SQL["find"] + self.lock_shared, (token_hash, time.time() if now is None else now))
        return bool(rows)

    @abstractmethod
    def read(self, layer: str, record_id: str, lock: bool = True) -> dict | None:
        """The record's schema columns (decoded), locking it for this transaction where the backend can."""

    @abstractmethod
    def geometry(self, layer: str, record_id: str) -> shapely.Geometry | None:
        """The record's geometry."""

    @abstractmethod
    def version(self, layer: str, record_id: str) -> int:
        """The record's version."""

    @abstractmethod
    def update(self, layer: str, record_id: str, values: Mapping[str, object], geometry=None) -> None:
        """Set some columns (already encoded) and, when given, the geometry."""

    @abstractmethod
    def set_version(self, layer: str, record_id: str, expected: int, new: int) -> None:
        """Record the new version; raise ConflictError-worthy StoreError when the stored one is not ``expected``."""

    @abstractmethod
    def existing(self, layer: str, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored."""

    @abstractmethod
    def insert(self, layer: str, frame: gpd.GeoDataFrame) -> None:
        """Insert typed rows (schema columns + geometry)."""

    @abstractmethod
    def audit(self, rows: Sequence[AuditRow]) -> None:
        """Append audit rows."""

    @abstractmethod
    def imports_so_far(self) -> int:
        """How many imports are recorded, counted under the lock that serialises writers (see commit_import)."""

    @abstractmethod
    def tour(self, tour_id: str, lock: bool = True) -> tuple[str, str, int] | None:
        """(title, stops JSON, version) of a stored tour."""

    @abstractmethod
    def put_tour(self, tour_id: str, title: str, stops: str, version: int, at: str, user: str, insert: bool) -> None:
        """Insert or update a tour row."""

    @abstractmethod
    def drop_tour(self, tour_id: str) -> None:
        """Delete a tour row."""

    @abstractmethod
    def changed(self, layer: str) -> None:
        """Mark ``layer`` changed (the data version moves on)."""


class Store(ABC):
    """What every backend offers (see the module doc)."""

    location: str

    # --- reading -------------------------------------------------------------------------------------------------

    @abstractmethod
    def layer_names(self) -> list[str]:
        """Names of the layers present."""

    @abstractmethod
    def read(self, layer: str) -> pd.DataFrame:
        """One layer, typed by its schema."""

    def read_chunks(self, layer: str, size: int = READ_CHUNK) -> Iterator[pd.DataFrame]:
        """One layer in stored order, ``size`` records at a time, typed like :meth:`read` (at least one chunk)."""
        yield self.read(layer)

    def read_all(self) -> dict[str, pd.DataFrame]:
        """Every schema layer, in dependency order; a missing one is the store's sentence naming it (a data set
        needs them all: skipping one failed later on a KeyError, shown as an error id)."""
        return {name: self.read(name) for name in LAYER_ORDER}

    @abstractmethod
    def version(self) -> str:
        """A token that changes whenever the stored data changes (cache key); the same for every app server."""

    @abstractmethod
    def read_record(self, layer: str, record_id: str) -> tuple[dict | None, int]:
        """One stored record (schema columns) and its version."""

    @abstractmethod
    def audit_rows(
        self, layer: str | None = None, record_id: str | None = None, action: str | None = None, after: int = 0
    ) -> list[dict]:
        """Raw audit rows (AUDIT_COLUMNS) with ``change_id`` above ``after``, newest first."""

    @abstractmethod
    def list_tours(self) -> list[StoredTour]:
        """The 观摩会 tours kept with the data, by title."""

    @abstractmethod
    def read_records(self, layer: str, ids: Sequence[str]) -> pd.DataFrame:
        """The stored records with these ids (missing ones left out), typed like :meth:`read`."""

    @abstractmethod
    def position(self) -> int:
        """Where the stored data stands in its history (grows with every write): a cache's starting point."""

    @abstractmethod
    def changed_since(self, position: int) -> list[tuple[str, str, str]]:
        """(layer, record_id, field) of record changes written after ``position``, oldest first.

        A cache can patch just these records instead of reading everything again
        (``field`` "geometry": the shape changed; "*": an imported new record).
        """

    # --- the web map: vector tiles and pages of features (geodata/tiles.py has the shared rules) --------------------

    @abstractmethod
    def tile(self, layer: str, tile: Tile, filters: Mapping[str, str]) -> bytes:
        """A Mapbox Vector Tile of ``layer`` (one MVT layer of that name; ``b""`` when nothing is there).

        Each feature: the record's ``fid`` as feature id, ``id`` (its key) and
        :data:`geodata.tiles.TILE_ATTRIBUTES`; ``filters`` already checked
        (:func:`geodata.tiles.check_filters`). Found through the spatial index.
        """

    @abstractmethod
    def features(self, query: FeatureQuery) -> FeaturePage:
        """One page of ``query.layer``'s features (``query.columns`` + geometry), in stored order, and the count of all
        that match: the box (lon/lat) intersects the shape, filters and dates as in :mod:`geodata.tiles`."""

    def filter_values(self) -> dict[str, list[str]]:
        """The stored values a filter may take (:data:`geodata.tiles.STORED_VALUES`: chains, zones, rounds)."""
        present = set(self.layer_names())
        out: dict[str, list[str]] = {}
        for name, (layer, column) in STORED_VALUES.items():
            out[name] = [str(v) for v in self.read(layer)[column].dropna()] if layer in present else []
        return out

    def history(self, layer: str | None = None, record_id: str | None = None) -> pd.DataFrame:
        """Audit rows, newest first; ``old``/``new`` decoded from JSON."""
        frame = pd.DataFrame(self.audit_rows(layer, record_id), columns=list(AUDIT_COLUMNS))
        for col in ("old", "new"):
            frame[col] = pd.Series([json.loads(v) if isinstance(v, str) else None for v in frame[col]], dtype=object)
        return frame

    def import_records(self) -> list[dict]:
        """Past imports, newest first: ``at``, ``user``, ``import_id`` and the stored summary."""
        return [
            {"at": r["at"], "user": r["user"], "import_id": r["record_id"], **json.loads(r["new"])}
            for r in self.audit_rows(action="import")
            if r["field"] == "import"
        ]

    # --- sessions ------------------------------------------------------------------------------------------------

    @abstractmethod
    def _read(self) -> AbstractContextManager[Tx]:
        """One read-only snapshot (for the session table; it exists once this returns)."""

    def create_session(self, session: SessionRow) -> None:
        """Store a new session (rows expired more than :data:`SESSION_KEEP_S` ago are dropped meanwhile)."""
        with self._write() as tx:
            tx.run(SESSION_SQL["purge"], (session.created - SESSION_KEEP_S,))
            tx.run(SESSION_SQL["create"], (session.id, session.username, session.created, session.last_seen,
                                           session.expires))  # fmt: skip

    def find_session(self, token_hash: str, now: float) -> SessionRow | None:
        """The active (not ended, not expired at ``now``) session with this token hash: one primary-key lookup."""
        with self._read() as tx:
            rows, _ = tx.run(SESSION_SQL["find"], (token_hash, now))
        return SessionRow(*rows[0]) if rows else None

    def touch_session(self, token_hash: str, now: float, every: float = 60.0) -> bool:
        """Set ``last_seen`` to ``now`` unless it was set less than ``every`` seconds ago; whether it was written."""
        with self._write() as tx:
            return tx.run(SESSION_SQL["touch"], (now, token_hash, now - every))[1] > 0

    def end_session(self, token_hash: str, why: str, now: float) -> bool:
        """End one session (sign-out); False when it had ended already or never existed."""
        with self._write() as tx:
            return tx.run(SESSION_SQL["end"], (now, why, token_hash))[1] > 0

    def end_user_sessions(self, username: str, why: str, now: float) -> int:
        """End every active session of ``username`` (sign-out everywhere, password change, removal); how many."""
        with self._write() as tx:
            return tx.run(SESSION_SQL["end_user"], (now, why, username))[1]

    # --- writing -------------------------------------------------------------------------------------------------

    @abstractmethod
    def _write(self, scope: Scope | None = None) -> AbstractContextManager[Tx]:
        """One write transaction: commit when the block ends, roll back on any exception (even KeyboardInterrupt).

        ``scope`` is the writer's (None: tools without an account); a backend
        that can enforce it in the database too (PostGIS row-level security)
        declares it for this transaction only.
        """

    def apply_edit(self, edit: Edit) -> int:
        """Save ``edit`` and its audit rows atomically; return the new version.

        Raises :class:`EditError` for invalid values or a missing record and
        :class:`ConflictError` when the record's version is not ``edit.base_version``.
        A save that changes nothing writes nothing and returns the current version.
        """
        edit = clean(edit)
        problems = check_edit(edit)
        if problems:
            raise EditError("；".join(problems))
        at = _stamp(edit.at)
        with self._refusals_audited(), self._write(edit.scope) as tx:
            version = apply_edit_in(tx, edit, at)
            before_commit()
            return version

    def commit_import(self, batch: ImportBatch) -> str:
        """Write an import in one transaction; return its id (``IMPORT-000042``: the store's count of imports + 1).

        The number is taken inside the write transaction, where writers queue, so
        two imports, even in the same second or from two app servers, never share it.

        New ids must still be free and updated ids still present (another
        editor may have imported since the check): otherwise nothing is written.
        A stored record is updated field by field: only changed values are
        written, each with an audit row, and its version goes up once.
        """
        if batch.errors:
            raise ImportRefused(f"有 {batch.errors} 个错误，未导入任何数据。")
        if not batch.user.strip():
            raise ImportRefused("未登录，不能导入数据")
        schema = SCHEMAS[batch.layer]
        batch = dataclasses.replace(batch, **clean({"filename": batch.filename, "summary": batch.summary,
                                                    "user": batch.user, "new_ids": list(batch.new_ids),
                                                    "updated_ids": list(batch.updated_ids)}))  # fmt: skip
        stamp = _stamp(batch.at)
        frame = clean_frame(coerce(batch.frame, schema), schema)
        ids = frame[schema.key].astype(str)
        with self._refusals_audited(), self._write(batch.scope) as tx:
            import_id = f"IMPORT-{tx.imports_so_far() + 1:06d}"
            reason = f"导入 {batch.filename}（{import_id}）"
            present = tx.existing(batch.layer, list(ids))
            _check_import_scope(tx, batch, frame, ids, present)
            authorize.session_ok(tx, batch.session)
            taken = sorted(set(batch.new_ids) & present)
            if taken:
                raise ImportRefused(
                    f"检查之后，编号 {'、'.join(taken[:5])}{' 等' if len(taken) > 5 else ''} 已被他人写入："
                    "请重新检查文件后再导入（未导入任何数据）。"
                )
            gone = sorted(set(batch.updated_ids) - present)
            if gone:
                raise ImportRefused(
                    f"检查之后，编号 {'、'.join(gone[:5])} 已被删除：请重新检查文件（未导入任何数据）。"
                )
            new_rows = frame[ids.isin(set(batch.new_ids)).to_numpy()]
            if len(new_rows):
                tx.insert(batch.layer, new_rows)
            audit = [AuditRow(stamp, batch.user, "import", batch.layer, str(rid), None, "*", None, None, reason)
                     for rid in new_rows[schema.key]]  # fmt: skip
            for record, geom in zip(
                frame[ids.isin(set(batch.updated_ids)).to_numpy()][schema.columns].to_dict("records"),
                frame[ids.isin(set(batch.updated_ids)).to_numpy()].geometry,
                strict=True,
            ):
                audit += _update_record(tx, schema, record, geom, stamp, batch.user, reason)
            audit.append(
                AuditRow(stamp, batch.user, "import", batch.layer, import_id, None, "import", None,
                         json.dumps(dict(batch.summary), ensure_ascii=False), f"导入 {batch.filename}")
            )  # fmt: skip
            tx.audit(audit)
            tx.changed(batch.layer)
            before_commit()
        return import_id

    def save_tour(
        self, tour: Tour, user: str, base_version: int, scope: Scope | None = None, session: str | None = None
    ) -> int:
        """Save a tour against the version the editor saw (0 for a new one); return the new version.

        Raises :class:`ConflictError` (``current`` holds the stored title and
        stops) when someone saved or deleted it since.
        """
        tour, user = clean(tour), clean(user)
        if not user.strip():
            raise EditError("未登录，不能修改观摩路线")
        at = _stamp(None)
        title, stops = tour.title.strip(), stops_json(tour)
        with self._refusals_audited(), self._write(scope) as tx:
            row = tx.tour(tour.tour_id)
            _check_tour_scope(tx, scope, user, tour.tour_id, [tour, _stored_tour(tour.tour_id, row)])
            authorize.session_ok(tx, session)
            version = _tour_version(row)
            if version != base_version or (row is None and base_version):
                current = {"title": row[0], "stops": row[1]} if row else {}
                raise ConflictError(current, version, base_version, what=f"观摩路线“{tour.tour_id}”")
            old = {"title": row[0], "stops": row[1]} if row else {"title": None, "stops": None}
            diff = {k: v for k, v in (("title", title), ("stops", stops)) if old[k] != v}
            if not diff:
                return version
            tx.put_tour(tour.tour_id, title, stops, version + 1, at, user, insert=row is None)
            tx.audit(
                [AuditRow(at, user, "tour", TOURS_LAYER, tour.tour_id, version + 1, k, _json(old[k]), _json(v), None)
                 for k, v in diff.items()]
            )  # fmt: skip
            tx.changed(TOURS_TABLE)
            before_commit()
            return version + 1

    def delete_tour(
        self, tour_id: str, user: str, base_version: int, scope: Scope | None = None, session: str | None = None
    ) -> None:
        """Delete a tour the editor saw at ``base_version`` (ConflictError if it changed since)."""
        tour_id, user = clean(tour_id), clean(user)
        if not user.strip():
            raise EditError("未登录，不能修改观摩路线")
        at = _stamp(None)
        with self._refusals_audited(), self._write(scope) as tx:
            row = tx.tour(tour_id)
            if row is None:
                return
            _check_tour_scope(tx, scope, user, tour_id, [_stored_tour(tour_id, row)])
            authorize.session_ok(tx, session)
            version = _tour_version(row)
            if version != base_version:
                raise ConflictError(
                    {"title": row[0], "stops": row[1]}, version, base_version, what=f"观摩路线“{tour_id}”"
                )
            tx.drop_tour(tour_id)
            tx.audit([AuditRow(at, user, "tour_delete", TOURS_LAYER, tour_id, version + 1, "title",
                               json.dumps(row[0], ensure_ascii=False), None, None)])  # fmt: skip
            tx.changed(TOURS_TABLE)
            before_commit()

    @contextmanager
    def _refusals_audited(self):
        """Let a :class:`ScopeError` through after auditing it (``scope_refused``) in a transaction of its own."""
        try:
            yield
        except ScopeError as exc:
            records = "、".join(f"{layer}:{rid}" for layer, rid in exc.records[:50])
            self.record_event("scope_refused", exc.user, f"{records}（共 {len(exc.records)} 条）")
            raise

    def record_event(self, action: str, user: str, reason: str, at: dt.datetime | None = None) -> None:
        """An audit row that changes no data (e.g. ``login_failed`` with the client address as reason)."""
        user, reason = clean(user), clean(reason)
        with self._write() as tx:
            tx.audit([AuditRow(_stamp(at), user, action, "accounts", user, None, None, None, None, reason)])

    # --- whole stores --------------------------------------------------------------------------------------------

    def check_schema(self) -> None:  # noqa: B027  (a backend that records a layout number overrides it)
        """Raise StoreError when the store was written by a newer zonemap (geodata.store.schema_version)."""

    @abstractmethod
    def load_history(self, audit: pd.DataFrame, tours: list[StoredTour]) -> None:
        """Put audit rows (AUDIT_COLUMNS, ``change_id`` kept) and tours into a new store (``geodata copy``)."""

    def close(self) -> None:  # noqa: B027  (a no-op where there is nothing to release)
        """Release connections."""


def apply_edit_in(tx: Tx, edit: Edit, at: str) -> int:
    """The body of :meth:`Store.apply_edit` inside an open write transaction (also used to approve a proposal)."""
    # The scope first, on an unlocked read: the database's own wall (PostGIS row-level security) hides
    # out-of-scope rows from the locking read, which would otherwise read as "deleted".
    seen = tx.read(edit.layer, edit.record_id, lock=False)
    cache: dict = {}
    zones = authorize.record_zones(tx, edit.layer, seen, cache)
    zones += authorize.record_zones(tx, edit.layer, {**(seen or {}), **edit.changes}, cache) if seen else []
    authorize.check(edit.scope, edit.user, [(edit.layer, edit.record_id, zones)])
    authorize.session_ok(tx, edit.session)
    current = tx.read(edit.layer, edit.record_id)
    if current is None:
        raise EditError(f"{label(edit.layer)}“{edit.record_id}”不存在（可能已被删除）")
    version = tx.version(edit.layer, edit.record_id)
    if version != edit.base_version:
        raise ConflictError(current, version, edit.base_version)
    diff = {c: v for c, v in edit.changes.items() if encode_value(v) != encode_value(current[c])}
    if not diff:
        return version
    tx.update(edit.layer, edit.record_id, {c: encode_value(v) for c, v in diff.items()})
    tx.set_version(edit.layer, edit.record_id, version, version + 1)
    reason = edit.reason.strip() or None
    tx.audit(
        [
            AuditRow(at, edit.user, edit.action, edit.layer, edit.record_id, version + 1, c,
                     audit_json(current[c]), audit_json(v), reason)
            for c, v in diff.items()
        ]
    )  # fmt: skip
    tx.changed(edit.layer)
    return version + 1


def _check_import_scope(tx: Tx, batch: ImportBatch, frame: gpd.GeoDataFrame, ids: pd.Series, present: set) -> None:
    """Every row of an import in scope: new rows where they will be, updated rows also where they are now."""
    if batch.scope is None or batch.scope.is_province:
        return
    cache: dict = {}
    items = []
    for rid, record in zip(ids, frame.drop(columns="geometry", errors="ignore").to_dict("records"), strict=True):
        zones = authorize.record_zones(tx, batch.layer, record, cache)
        if rid in present:
            zones += authorize.record_zones(tx, batch.layer, tx.read(batch.layer, rid, lock=False), cache)
        items.append((batch.layer, rid, zones))
    authorize.check(batch.scope, batch.user, items)


def _stored_tour(tour_id: str, row: tuple | None) -> Tour | None:
    return tour_from_json(tour_id, row[0], row[1]) if row else None


def _check_tour_scope(tx: Tx, scope: Scope | None, user: str, tour_id: str, tours: list[Tour | None]) -> None:
    """A tour may be changed by an account whose scope covers the zone of every stop, before and after the change.

    Viewing a tour is open to all; its stops may show other zones' records, but
    then only an account covering them (e.g. the province) edits or deletes it.
    """
    if scope is None or scope.is_province:
        return
    cache: dict = {}
    zones: list = []
    for tour in tours:
        for stop in tour.stops if tour else ():
            record = tx.read(stop.layer, stop.ref, lock=False) if stop.layer in SCHEMAS else None
            zones += authorize.record_zones(tx, stop.layer, record, cache) if record else [None]
    authorize.check(scope, user, [(TOURS_LAYER, tour_id, zones)])


def _update_record(tx: Tx, schema: LayerSchema, record: dict, geom, at: str, user: str, reason: str) -> list[AuditRow]:
    """Write the changed fields of one imported record; its audit rows (empty when nothing changed)."""
    rid = str(record[schema.key])
    current = tx.read(schema.name, rid)
    diff = {
        c: record[c] for c in schema.columns if c != schema.key and encode_value(record[c]) != encode_value(current[c])
    }
    old_geom = tx.geometry(schema.name, rid) if schema.geometry else None
    geom_changed = schema.geometry is not None and not _same_geometry(old_geom, geom)
    if not diff and not geom_changed:
        return []
    version = tx.version(schema.name, rid)
    tx.update(schema.name, rid, {c: encode_value(v) for c, v in diff.items()}, geometry=geom if geom_changed else None)
    tx.set_version(schema.name, rid, version, version + 1)
    rows = [
        AuditRow(at, user, "import", schema.name, rid, version + 1, c, audit_json(current[c]), audit_json(v), reason)
        for c, v in diff.items()
    ]
    if geom_changed:
        rows.append(AuditRow(at, user, "import", schema.name, rid, version + 1, "geometry", None, None, reason))
    return rows


def _same_geometry(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(shapely.equals_exact(shapely.set_precision(a, 1e-9), shapely.set_precision(b, 1e-9), 1e-9))


_KEPT = frozenset("\n\t")
_DROPPED = frozenset(("Cc", "Cs"))  # control characters, lone surrogates


def clean(value):
    """``value`` with its text cleaned for storage (see the module doc); mappings, sequences and dataclasses too.

    Line ends become ``\n``; other values (numbers, dates, None) are returned as they are.
    """
    if isinstance(value, str):
        if value.isprintable():
            return value
        text = value.replace("\r\n", "\n").replace("\r", "\n")
        return "".join(ch for ch in text if ch in _KEPT or unicodedata.category(ch) not in _DROPPED)
    if isinstance(value, Mapping):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: clean(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})  # fmt: skip
    return value


def chunks_of(layer: Layer) -> Iterator[pd.DataFrame]:
    """The chunks of a :data:`Layer` (a single frame is one chunk)."""
    if isinstance(layer, pd.DataFrame):
        yield layer
    else:
        yield from layer


def clean_frame(frame: pd.DataFrame, schema: LayerSchema) -> pd.DataFrame:
    """``frame`` with the text of its schema columns cleaned (:func:`clean`); the same frame when nothing changes."""
    out = frame
    for f in schema.fields:
        if f.dtype in ("str", "date", "list") and f.name in out.columns:
            values = out[f.name].tolist()
            cleaned = [clean(v) for v in values]
            if any(c is not v for c, v in zip(cleaned, values, strict=True)):
                out = out.copy() if out is frame else out
                out[f.name] = pd.Series(cleaned, index=out.index, dtype=object)
    return out


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _stamp(at: dt.datetime | None) -> str:
    return (at or dt.datetime.now(TZ)).isoformat(timespec="seconds")


def _tour_version(row) -> int:
    """The version of a stored tour row (title, stops, version): at least 1; 0 when there is no row."""
    return 0 if row is None else max(int(row[2] or 0), 1)


def tours_from_rows(rows) -> list[StoredTour]:
    """StoredTours from (tour_id, title, stops, version, updated_at, updated_by) rows, by title."""
    out = [StoredTour(tour_from_json(r[0], r[1], r[2]), _tour_version(r[1:4]), r[4], r[5]) for r in rows]
    return sorted(out, key=lambda t: (t.tour.title, t.tour.tour_id))


# --- schema types in memory -----------------------------------------------------------------------------------------


def coerce(frame: pd.DataFrame, schema: LayerSchema) -> pd.DataFrame:
    """Cast the schema's columns to their in-memory types (missing ones added as null)."""
    out = frame.copy()
    for f in schema.fields:
        if f.name not in out.columns:
            out[f.name] = None
        col = out[f.name]
        if f.dtype == "bool":
            out[f.name] = _bools(col)
        elif f.dtype == "float":
            out[f.name] = pd.to_numeric(col, errors="coerce").astype(float)
        elif f.dtype == "int":
            out[f.name] = pd.to_numeric(col, errors="coerce").astype("Int64")
        elif pd.api.types.is_string_dtype(col) and not pd.api.types.is_object_dtype(col):
            out[f.name] = pd.Series(col.to_numpy(dtype=object, na_value=None), index=out.index, dtype=object)
        else:  # str, date, list: text or None
            out[f.name] = pd.Series([_text(v) for v in col], index=out.index, dtype=object)
    ordered = schema.columns + ([] if schema.geometry is None else ["geometry"])
    rest = [c for c in out.columns if c not in ordered]
    return out[ordered + rest]


def _bools(col: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(col) and not col.isna().any():
        return col.astype(bool)
    return pd.Series([bool(v) if v is not None and v == v else False for v in col], index=col.index)


def _text(value: object) -> str | None:
    if value is None:
        return None
    try:
        if value != value:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def feature_page(layer: str, columns: Sequence[str], rows: Sequence[Sequence], geoms, matched: int) -> FeaturePage:
    """A :class:`FeaturePage` from raw rows of ``columns`` (decoded by the schema) and their shapes."""
    records = [{c: decode_value(layer, c, v) for c, v in zip(columns, row, strict=True)} for row in rows]
    frame = gpd.GeoDataFrame(pd.DataFrame(records, columns=list(columns)), geometry=list(geoms), crs=CRS)
    return FeaturePage(frame, int(matched))


def tile_properties(layer: str, columns: Sequence[str], row: Sequence) -> dict:
    """A tile feature's properties from a raw row of (key, *columns): ``id`` then the decoded columns."""
    return {"id": str(row[0]), **{c: decode_value(layer, c, v) for c, v in zip(columns, row[1:], strict=True)}}


def decode_value(layer: str, column: str, raw: object) -> object:
    """A stored value as the schema types it in a record dict."""
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
