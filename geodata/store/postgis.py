"""The PostGIS backend: one PostgreSQL database that many app servers (city bureaus, the province) share.

Tables mirror the schema: one per layer with a ``geometry(…, 4490)`` column
and a GiST index, the key ``UNIQUE NOT NULL``, and ``zm_version``, the
record's version. A change runs in one transaction: the record is read
``FOR UPDATE`` (so two savers queue instead of both reading the old version),
written, its version set with ``UPDATE … WHERE zm_version = <seen>``, the audit
rows inserted, and the data version in ``zonemap_meta`` raised, all committed
together or not at all (``kill -9`` of an app server mid-save included: the
server rolls back a transaction whose client is gone).

Every app server compares ``zonemap_meta.data_version`` (see :meth:`version`)
with what it cached, so a save on one server is seen by all the others.
SQL goes through psycopg's parameters; identifiers come only from the schema.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from domain.scope import Scope
from domain.tours import stops_json
from geodata.edits import encode_value
from geodata.schema import CRS, LAYER_ORDER, SCHEMAS
from geodata.store.contract import (
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    DISK_FULL,
    EDITABLE_LAYERS,
    READ_CHUNK,
    READ_ONLY,
    SESSIONS_TABLE,
    TOURS_TABLE,
    AuditRow,
    ImportRefused,
    Layer,
    Store,
    StoredTour,
    StoreError,
    Tx,
    chunks_of,
    coerce,
    decode_value,
    feature_page,
    tours_from_rows,
)
from geodata.store.pg_rls import declare_scope, row_security
from geodata.store.schema_version import SCHEMA_VERSION, refuse_newer
from geodata.store.schema_version import TABLE as VERSION_TABLE
from geodata.tiles import BUFFER, EXTENT, TILE_ATTRIBUTES, FeaturePage, FeatureQuery, Tile, date_sql, where_sql

log = logging.getLogger(__name__)
META_TABLE = "zonemap_meta"
LOST = "与数据库服务器的连接中断，操作未完成（数据未改动）：请稍后重试；如仍出错，请联系管理员。"
SRID = 4490
_SESSIONS_DDL = (
    f"CREATE TABLE IF NOT EXISTS {SESSIONS_TABLE} (id text PRIMARY KEY, username text NOT NULL,"
    " created double precision NOT NULL, last_seen double precision NOT NULL, expires double precision NOT NULL,"
    " ended double precision, why text)",
    f"CREATE INDEX IF NOT EXISTS {SESSIONS_TABLE}_user ON {SESSIONS_TABLE} (username, ended)",
)
_SQL_TYPES = {"str": "text", "float": "double precision", "int": "bigint", "bool": "boolean", "date": "text",
              "list": "text"}  # fmt: skip


def _ident(*names: str) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


class _Pool:
    """One psycopg_pool.ConnectionPool per database URL, shared by the threads (Streamlit sessions) of a process.

    Connections are autocommit (a store opens its transactions itself) and checked when taken, so one the
    server dropped is replaced instead of failing a page; a server that cannot be reached is a Chinese
    StoreError after ``TIMEOUT_S``.
    """

    MAX_SIZE = 20  # per URL and process: Streamlit sessions and the warm start
    TIMEOUT_S = 15.0

    def __init__(self) -> None:
        self._pools: dict[str, ConnectionPool] = {}
        self._lock = threading.Lock()

    def _pool(self, url: str) -> ConnectionPool:
        with self._lock:
            pool = self._pools.get(url)
            if pool is None:
                pool = self._pools[url] = ConnectionPool(
                    url,
                    min_size=0,
                    max_size=self.MAX_SIZE,
                    kwargs={"autocommit": True, "connect_timeout": 10, "application_name": "zonemap"},
                    check=ConnectionPool.check_connection,
                    timeout=self.TIMEOUT_S,
                    name=f"zonemap-{len(self._pools)}",
                    open=True,
                )
            return pool

    @contextmanager
    def connection(self, url: str) -> Iterator[psycopg.Connection]:
        try:
            with self._pool(url).connection() as conn:
                yield conn
        except PoolTimeout as exc:
            log.error("cannot connect to %s: %s", _safe(url), exc)
            raise StoreError(f"无法连接数据库服务器 {_safe(url)}：请确认服务已启动（make db）且地址正确。") from exc

    def close(self, url: str) -> None:
        with self._lock:
            pool = self._pools.pop(url, None)
        if pool is not None:
            pool.close()


_POOL = _Pool()
_SESSIONS_READY: set[str] = set()  # URLs whose sessions table this process has made sure of
_CURRENT: set[str] = set()  # URLs whose layout this process has seen at SCHEMA_VERSION (committed)


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{parts.username + '@' if parts.username else ''}{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"  # noqa: E501


class PostgisStore(Store):
    """A PostgreSQL/PostGIS database (see module doc)."""

    def __init__(self, url: str):
        self.url = url
        self.location = _safe(url)

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; a connection lost midway (server restarted, network) is a Chinese StoreError."""
        try:
            with _POOL.connection(self.url) as conn:
                yield conn
        except psycopg.errors.DiskFull as exc:  # a read's sort files, or creating a store (geodata copy)
            log.error("disk full on %s: %s", self.location, exc)
            raise StoreError(DISK_FULL) from exc
        except psycopg.OperationalError as exc:  # the pool has dropped the connection: the next call reconnects
            log.error("connection to %s lost: %s", self.location, exc)
            raise StoreError(LOST) from exc

    def _ensure_sessions(self, conn: psycopg.Connection) -> None:
        """A database created before sessions gets their table, once per process (racing creators tolerated)."""
        if self.url in _SESSIONS_READY:
            return
        try:
            with conn.transaction():
                for statement in _SESSIONS_DDL:
                    conn.execute(statement)
        except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable, psycopg.errors.DuplicateObject):
            pass  # another app server created it at the same moment
        _SESSIONS_READY.add(self.url)

    @contextmanager
    def _read(self) -> Iterator[PgTx]:
        with self._conn() as conn:
            self._ensure_sessions(conn)
            with conn.transaction():
                conn.execute("SET TRANSACTION READ ONLY")
                yield PgTx(conn)

    # --- reading -------------------------------------------------------------------------------------------------

    def layer_names(self) -> list[str]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchall()
        present = {r[0] for r in rows}
        return [name for name in LAYER_ORDER if name in present]

    def read(self, layer: str) -> pd.DataFrame:
        schema = SCHEMAS[layer]
        try:
            with self._conn() as conn, conn.cursor(binary=True) as cur:
                select = _select(conn, layer)
                rows = cur.execute(sql.SQL("SELECT {} FROM {} ORDER BY fid").format(select, sql.Identifier(layer)))
                rows = rows.fetchall()
        except psycopg.errors.UndefinedTable as exc:
            raise StoreError(f"数据库中缺少图层“{schema.label}”（{layer}）") from exc
        return self._frame(schema, rows)

    def read_chunks(self, layer: str, size: int = READ_CHUNK) -> Iterator[pd.DataFrame]:
        """A server-side cursor in one read-only transaction: ``size`` rows in memory at a time."""
        schema = SCHEMAS[layer]
        with self._conn() as conn, conn.transaction():
            cur = conn.cursor(name="zonemap_read_chunks", binary=True)
            cur.execute(sql.SQL("SELECT {} FROM {} ORDER BY fid").format(_select(conn, layer), sql.Identifier(layer)))
            first = True
            while (rows := cur.fetchmany(size)) or first:
                first = False
                yield self._frame(schema, rows)
            cur.close()

    def read_records(self, layer: str, ids) -> pd.DataFrame:
        schema = SCHEMAS[layer]
        with self._conn() as conn, conn.cursor(binary=True) as cur:
            query = sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%s) ORDER BY fid").format(
                _select(conn, layer), sql.Identifier(layer), sql.Identifier(schema.key)
            )
            rows = cur.execute(query, (list(ids),)).fetchall()
        return self._frame(schema, rows)

    def _frame(self, schema, rows) -> pd.DataFrame:
        cols = list(schema.columns)
        if schema.geometry:
            frame = pd.DataFrame([r[:-1] for r in rows], columns=cols)
            geoms = shapely.from_wkb([None if r[-1] is None else bytes(r[-1]) for r in rows])
            frame = gpd.GeoDataFrame(frame, geometry=list(geoms) if len(rows) else [], crs=CRS)
        else:
            frame = pd.DataFrame(rows, columns=cols)
        return coerce(frame, schema)

    def tile(self, layer: str, tile: Tile, filters) -> bytes:
        """``ST_AsMVT`` over the GiST index: ``geom && ST_Transform(ST_TileEnvelope(z, x, y, margin), 4490)``.

        The buffered envelope is clipped to the world first: beyond 180° PROJ
        would wrap it to −180° and an edge tile would look up the wrong half.
        """
        schema = SCHEMAS[layer]
        where, args = where_sql(layer, filters, "%s")
        if schema.geometry != "Point":  # specks smaller than a screen pixel left out (as the GeoPackage does)
            where.append("(ST_XMax(geom) - ST_XMin(geom) >= %s OR ST_YMax(geom) - ST_YMin(geom) >= %s)")
            args += list(tile.pixel_degrees())
        query = sql.SQL(
            "WITH mvt AS (SELECT fid, {key} AS id, {cols}, ST_AsMVTGeom(ST_Transform(geom, 3857),"
            " ST_TileEnvelope(%s, %s, %s), {extent}, {buffer}, true) AS geom FROM {table}"
            " WHERE geom && ST_Transform(ST_ClipByBox2D(ST_TileEnvelope(%s, %s, %s, margin => %s),"
            " ST_TileEnvelope(0, 0, 0)), {srid}){where})"
            " SELECT ST_AsMVT(mvt.*, %s, {extent}, 'geom', 'fid') FROM mvt WHERE geom IS NOT NULL"
        ).format(
            key=sql.Identifier(schema.key), cols=_ident(*TILE_ATTRIBUTES[layer]), table=sql.Identifier(layer),
            extent=sql.Literal(EXTENT), buffer=sql.Literal(BUFFER), srid=sql.Literal(SRID),
            where=sql.SQL("".join(f" AND {w}" for w in where)),
        )  # fmt: skip
        z, x, y = tile.z, tile.x, tile.y
        with self._conn() as conn, conn.cursor(binary=True) as cur:
            row = cur.execute(query, (z, x, y, z, x, y, BUFFER / EXTENT, *args, layer)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else b""

    def features(self, query: FeatureQuery) -> FeaturePage:
        where, args = [], []
        if query.bbox is not None:
            where.append("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4490) AND ST_Intersects(geom,"
                         " ST_MakeEnvelope(%s, %s, %s, %s, 4490))")  # fmt: skip
            args += [*query.bbox, *query.bbox]
        for parts, values in (where_sql(query.layer, query.filters, "%s"), date_sql(query.layer, query.dates, "%s")):
            where += parts
            args += values
        source = sql.SQL("FROM {}{}").format(
            sql.Identifier(query.layer), sql.SQL(" WHERE " + " AND ".join(where) if where else "")
        )
        with self._conn() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            present = table_columns(conn, query.layer)  # a table older than a schema column: that column is null
            picked = sql.SQL(", ").join(
                sql.Identifier(c) if c in present else sql.SQL("NULL AS {}").format(sql.Identifier(c))
                for c in query.columns
            )
            page = sql.SQL("SELECT {}, ST_AsBinary(geom) {} ORDER BY fid LIMIT %s OFFSET %s").format(picked, source)
            matched = conn.execute(sql.SQL("SELECT count(*) ") + source, args).fetchone()[0]
            rows = conn.execute(page, [*args, query.limit, query.offset]).fetchall()
        geoms = [None if r[-1] is None else shapely.from_wkb(bytes(r[-1])) for r in rows]
        return feature_page(query.layer, query.columns, [r[:-1] for r in rows], geoms, matched)

    def check_schema(self) -> None:
        """Refuse a database written by a newer zonemap (see :mod:`geodata.store.schema_version`)."""
        with self._conn() as conn:
            refuse_newer(schema_version(conn))

    def version(self) -> str:
        with self._conn() as conn:
            row = conn.execute(sql.SQL("SELECT data_version FROM {}").format(sql.Identifier(META_TABLE))).fetchone()
        return f"{self.location}:{row[0] if row else 0}"

    def read_record(self, layer: str, record_id: str) -> tuple[dict | None, int]:
        # one snapshot for both reads: a save committing in between would pair old values with its version
        with self._conn() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            tx = PgTx(conn)
            record = tx.read(layer, record_id, lock=False)
            return record, (tx.version(layer, record_id) if record else 0)

    def audit_rows(self, layer=None, record_id=None, action=None, after=0) -> list[dict]:
        where, args = [], []
        for column, value in (("layer", layer), ("record_id", record_id), ("action", action)):
            if value:
                where.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
                args.append(value)
        if after:
            where.append(sql.SQL("change_id > %s"))
            args.append(after)
        query = sql.SQL("SELECT {} FROM {}").format(_ident(*AUDIT_COLUMNS), sql.Identifier(AUDIT_TABLE))
        if where:
            query = query + sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where)
        with self._conn() as conn:
            rows = conn.execute(query + sql.SQL(" ORDER BY change_id DESC"), args).fetchall()
        return [dict(zip(AUDIT_COLUMNS, r, strict=True)) for r in rows]

    def position(self) -> int:
        with self._conn() as conn:
            row = conn.execute(sql.SQL("SELECT data_version FROM {}").format(sql.Identifier(META_TABLE))).fetchone()
        return int(row[0]) if row else 0

    def changed_since(self, position: int) -> list[tuple[str, str, str]]:
        # data versions are taken under the meta row's lock and committed in that order (see PgTx.audit)
        query = sql.SQL("SELECT layer, record_id, field FROM {} WHERE data_version > %s AND layer = ANY(%s)"
                        " AND field IS DISTINCT FROM 'import' ORDER BY data_version, change_id").format(
            sql.Identifier(AUDIT_TABLE))  # fmt: skip
        with self._conn() as conn:
            return [tuple(r) for r in conn.execute(query, (position, list(EDITABLE_LAYERS))).fetchall()]

    def list_tours(self) -> list[StoredTour]:
        with self._conn() as conn:
            rows = conn.execute(
                sql.SQL("SELECT tour_id, title, stops, version, updated_at, updated_by FROM {}").format(
                    sql.Identifier(TOURS_TABLE)
                )
            ).fetchall()
        return tours_from_rows(rows)

    # --- writing -------------------------------------------------------------------------------------------------

    @contextmanager
    def _write(self, scope: Scope | None = None) -> Iterator[PgTx]:
        with self._conn() as conn:
            try:
                self._ensure_sessions(conn)
                with conn.transaction():
                    declare_scope(conn, scope)
                    upgraded = self.url in _CURRENT or _upgrade(conn)
                    yield PgTx(conn)
                if upgraded:
                    _CURRENT.add(self.url)  # committed: this process need not ask again
            except psycopg.errors.UniqueViolation as exc:
                raise ImportRefused("编号重复：其他编辑者刚写入了相同编号的记录，未保存任何修改。") from exc
            except psycopg.errors.DiskFull as exc:
                log.error("disk full: %s", exc)
                raise StoreError(DISK_FULL) from exc
            except psycopg.errors.ReadOnlySqlTransaction as exc:
                log.error("read-only database: %s", exc)
                raise StoreError(READ_ONLY) from exc
            except psycopg.Error as exc:
                log.error("write transaction failed: %s", exc)
                raise StoreError("保存失败，数据未改动：数据库无法写入（详情见服务器日志）。") from exc

    def load_history(self, audit: pd.DataFrame, tours: list[StoredTour]) -> None:
        with self._conn() as conn, conn.transaction(), conn.cursor() as cur:
            declare_scope(conn, None)  # a whole-store copy: the versions of every record follow the audit
            with cur.copy(
                sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(AUDIT_TABLE), _ident(*AUDIT_COLUMNS))
            ) as copy:
                for row in audit[list(AUDIT_COLUMNS)].itertuples(index=False):
                    copy.write_row([None if pd.isna(v) else v for v in row])
            cur.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'change_id'),"
                        " GREATEST(COALESCE(MAX(change_id), 0), 1)) FROM {}").format(
                    sql.Literal(AUDIT_TABLE), sql.Identifier(AUDIT_TABLE))
            )  # fmt: skip
            tx = PgTx(conn)
            for t in tours:
                tx.put_tour(t.tour.tour_id, t.tour.title, stops_json(t.tour), t.version, t.updated_at or "",
                            t.updated_by or "", insert=True)  # fmt: skip
            for layer in ("zones", "parcels", "projects"):  # record versions follow the audit
                cur.execute(
                    sql.SQL(
                        "UPDATE {t} SET zm_version = v.version FROM (SELECT record_id, MAX(version) AS version FROM {a}"
                        " WHERE layer = %s GROUP BY record_id) v WHERE {t}.{k} = v.record_id"
                    ).format(t=sql.Identifier(layer), a=sql.Identifier(AUDIT_TABLE),
                             k=sql.Identifier(SCHEMAS[layer].key)),
                    (layer,),
                )  # fmt: skip
            tx.changed("all")

    def close(self) -> None:
        _POOL.close(self.url)


class PgTx(Tx):
    """The Tx primitives on one connection inside a transaction."""

    lock_shared = " FOR SHARE"

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.data_version: int | None = None  # taken once per transaction, under the meta row's lock
        self._columns: dict[str, set[str]] = {}

    def run(self, statement, args=()):
        cur = self.conn.execute(statement, tuple(args))
        return (cur.fetchall() if cur.description else []), cur.rowcount

    def _row(self, layer: str, record_id: str, columns: Sequence[str], lock: bool) -> tuple | None:
        schema = SCHEMAS[layer]
        query = sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
            _ident(*columns), sql.Identifier(layer), sql.Identifier(schema.key)
        )
        if lock:
            query = query + sql.SQL(" FOR UPDATE")
        return self.conn.execute(query, (record_id,)).fetchone()

    def read(self, layer, record_id, lock=True):
        columns = SCHEMAS[layer].columns
        if layer not in self._columns:
            self._columns[layer] = table_columns(self.conn, layer)
        present = [c for c in columns if c in self._columns[layer]]  # an older table: see add_missing_columns
        row = self._row(layer, record_id, present, lock)
        if row is None:
            return None
        values = dict(zip(present, row, strict=True))
        return {c: decode_value(layer, c, values.get(c)) for c in columns}

    def geometry(self, layer, record_id):
        key = SCHEMAS[layer].key
        row = self.conn.execute(
            sql.SQL("SELECT ST_AsBinary(geom) FROM {} WHERE {} = %s").format(
                sql.Identifier(layer), sql.Identifier(key)
            ),
            (record_id,),
        ).fetchone()
        return None if row is None or row[0] is None else shapely.from_wkb(bytes(row[0]))

    def version(self, layer, record_id):
        row = self._row(layer, record_id, ["zm_version"], lock=False)
        return int(row[0]) if row else 0

    def update(self, layer, record_id, values, geometry=None):
        schema = SCHEMAS[layer]
        sets = [sql.SQL("{} = %s").format(sql.Identifier(c)) for c in values]
        args = [_pg_value(layer, c, v) for c, v in values.items()]
        if geometry is not None:
            sets.append(sql.SQL("geom = ") + _geom_expr(schema.geometry))
            args.append(shapely.to_wkb(geometry))
        if sets:
            self.conn.execute(
                sql.SQL("UPDATE {} SET {} WHERE {} = %s").format(
                    sql.Identifier(layer), sql.SQL(", ").join(sets), sql.Identifier(schema.key)
                ),
                [*args, record_id],
            )

    def set_version(self, layer, record_id, expected, new):
        cur = self.conn.execute(
            sql.SQL("UPDATE {} SET zm_version = %s WHERE {} = %s AND zm_version = %s").format(
                sql.Identifier(layer), sql.Identifier(SCHEMAS[layer].key)
            ),
            (new, record_id, expected),
        )
        if cur.rowcount != 1:  # cannot happen under FOR UPDATE; refuse rather than lose an update
            raise StoreError("该记录刚被他人修改，未保存您的修改，请重新打开后再试。")

    def existing(self, layer, ids):
        key = SCHEMAS[layer].key
        rows = self.conn.execute(
            sql.SQL("SELECT {k} FROM {t} WHERE {k} = ANY(%s)").format(k=sql.Identifier(key), t=sql.Identifier(layer)),
            (list(ids),),
        ).fetchall()
        return {str(r[0]) for r in rows}

    def insert(self, layer, frame):
        """COPY into a temporary table, then INSERT … SELECT: the rows pass the row-level security checks."""
        load = sql.Identifier(f"zm_load_{layer}")
        self.conn.execute(
            sql.SQL("CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(
                load, sql.Identifier(layer)
            )
        )
        cols = copy_rows(self.conn, layer, frame, table=f"zm_load_{layer}")
        self.conn.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
                sql.Identifier(layer), _ident(*cols), _ident(*cols), load
            )
        )

    def audit(self, rows: Sequence[AuditRow]) -> None:
        """Audit rows carrying this transaction's data version (taken now: the meta row stays locked to commit)."""
        version = self.changed("")
        with self.conn.cursor() as cur:
            cur.executemany(
                sql.SQL("INSERT INTO {} ({}, data_version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)").format(
                    sql.Identifier(AUDIT_TABLE), _ident(*AUDIT_COLUMNS[1:])
                ),
                [(*r.values(), version) for r in rows],
            )

    def imports_so_far(self):
        self.changed("")  # the meta row's lock: a second import waits here for the first to commit, then counts it
        query = sql.SQL("SELECT COUNT(*) FROM {} WHERE action = 'import' AND field = 'import'").format(
            sql.Identifier(AUDIT_TABLE)
        )
        return int(self.conn.execute(query).fetchone()[0])

    def tour(self, tour_id, lock=True):
        query = sql.SQL("SELECT title, stops, version FROM {} WHERE tour_id = %s").format(sql.Identifier(TOURS_TABLE))
        row = self.conn.execute(query + (sql.SQL(" FOR UPDATE") if lock else sql.SQL("")), (tour_id,)).fetchone()
        return None if row is None else (row[0], row[1], int(row[2]))

    def put_tour(self, tour_id, title, stops, version, at, user, insert):
        if insert:
            self.conn.execute(
                sql.SQL(
                    "INSERT INTO {} (tour_id, title, stops, updated_at, updated_by, version)"
                    " VALUES (%s, %s, %s, %s, %s, %s)"
                ).format(sql.Identifier(TOURS_TABLE)),
                (tour_id, title, stops, at, user, version),
            )
        else:
            self.conn.execute(
                sql.SQL(
                    "UPDATE {} SET title = %s, stops = %s, updated_at = %s, updated_by = %s, version = %s"
                    " WHERE tour_id = %s"
                ).format(sql.Identifier(TOURS_TABLE)),
                (title, stops, at, user, version, tour_id),
            )

    def drop_tour(self, tour_id):
        self.conn.execute(sql.SQL("DELETE FROM {} WHERE tour_id = %s").format(sql.Identifier(TOURS_TABLE)), (tour_id,))

    def changed(self, layer) -> int:
        """Raise the data version once per transaction; every app server's cache key moves at commit."""
        if self.data_version is None:
            row = self.conn.execute(
                sql.SQL("UPDATE {} SET data_version = data_version + 1 RETURNING data_version").format(
                    sql.Identifier(META_TABLE)
                )
            ).fetchone()
            self.data_version = int(row[0])
        return self.data_version


def table_columns(conn: psycopg.Connection, table: str) -> set[str]:
    """The columns ``table`` has in the current schema (empty when there is no such table)."""
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
        (table,),
    ).fetchall()
    return {r[0] for r in rows}


def _select(conn: psycopg.Connection, layer: str) -> sql.Composable:
    """The schema's columns in order, ``NULL`` for one an older database lacks, then the geometry as WKB."""
    present = table_columns(conn, layer)
    parts = [
        sql.Identifier(c) if c in present else sql.SQL("NULL AS {}").format(sql.Identifier(c))
        for c in SCHEMAS[layer].columns
    ]
    if SCHEMAS[layer].geometry:
        parts.append(sql.SQL("ST_AsBinary(geom)"))
    return sql.SQL(", ").join(parts)


def schema_version(conn: psycopg.Connection, lock: bool = False) -> int:
    """The layout number the database records (0: none, a database from before numbers were kept)."""
    present = conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = %s",
        (VERSION_TABLE,),
    ).fetchone()
    if not present:
        return 0
    query = sql.SQL("SELECT version FROM {}").format(sql.Identifier(VERSION_TABLE))
    row = conn.execute(query + (sql.SQL(" FOR UPDATE") if lock else sql.SQL(""))).fetchone()
    return int(row[0]) if row else 0


def _upgrade(conn: psycopg.Connection) -> bool:
    """Inside a write's transaction: refuse a newer layout, bring an older one up to date; True when current."""
    found = schema_version(conn, lock=True)  # two app servers upgrading at once take turns here
    refuse_newer(found)
    if found == SCHEMA_VERSION:
        return True
    for statement in _SESSIONS_DDL:
        conn.execute(statement)
    add_missing_columns(conn)
    _record_version(conn)
    log.info("upgraded the database's layout from %s to %s", found, SCHEMA_VERSION)
    return True


def _record_version(conn: psycopg.Connection) -> None:
    table = sql.Identifier(VERSION_TABLE)
    conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (version integer NOT NULL)").format(table))
    conn.execute(sql.SQL("DELETE FROM {}").format(table))
    conn.execute(sql.SQL("INSERT INTO {} VALUES (%s)").format(table), (SCHEMA_VERSION,))


def add_missing_columns(conn: psycopg.Connection) -> list[str]:
    """Add the schema columns an older database lacks (nullable); return them as ``layer.column``.

    Runs at the start of every write transaction (the GeoPackage store does the
    same, :func:`geodata.store.gpkg.add_missing_columns`). Adding a column needs
    the table's owner: an application role that does not own the tables logs the
    refusal and goes on; the owner runs one write (e.g. ``geodata copy``) to migrate.
    """
    added: list[str] = []
    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ANY(%s)",
        (list(SCHEMAS),),
    ).fetchall()
    for layer, schema in SCHEMAS.items():
        present = {c for t, c in rows if t == layer}
        missing = [f for f in schema.fields if present and f.name not in present]
        for f in missing:
            try:
                with conn.transaction():  # a savepoint: a refusal must not abort the caller's transaction
                    conn.execute(
                        sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}").format(
                            sql.Identifier(layer), sql.Identifier(f.name), sql.SQL(_SQL_TYPES[f.dtype])
                        )
                    )
                added.append(f"{layer}.{f.name}")
            except psycopg.errors.InsufficientPrivilege as exc:
                log.error("cannot add column %s.%s: %s", layer, f.name, exc)
    return added


def _geom_expr(kind: str) -> sql.Composable:
    wkb = sql.SQL("ST_GeomFromWKB(%s, {})").format(sql.Literal(SRID))
    return sql.SQL("ST_Multi({})").format(wkb) if kind.startswith("Multi") else wkb


def _pg_value(layer: str, column: str, value: object) -> object:
    """An encoded value (bools as 0/1) as PostgreSQL's column type wants it."""
    if value is not None and SCHEMAS[layer].column(column).dtype == "bool":
        return bool(value)
    return value


def copy_rows(conn: psycopg.Connection, layer: str, frame: pd.DataFrame, table: str | None = None) -> list[str]:
    """Insert typed rows of ``layer`` into ``table`` (default: the layer's) with COPY; return the columns.

    Geometry goes as hex EWKB in SRID 4490.
    """
    schema = SCHEMAS[layer]
    frame = coerce(frame, schema)
    cols = list(schema.columns) + (["geom"] if schema.geometry else [])
    records = frame[schema.columns].to_dict("records")
    if schema.geometry:
        geoms = frame.geometry.to_numpy()
        if schema.geometry.startswith("Multi"):
            single = shapely.get_type_id(geoms) == 3
            geoms = geoms.copy()
            geoms[single] = [shapely.MultiPolygon([g]) for g in geoms[single]]
        ewkb = shapely.to_wkb(shapely.set_srid(geoms, SRID), hex=True, include_srid=True)
    with (
        conn.cursor() as cur,
        cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table or layer), _ident(*cols))) as copy,
    ):
        for i, r in enumerate(records):
            row = [_pg_value(layer, c, encode_value(r[c])) for c in schema.columns]
            if schema.geometry:
                row.append(ewkb[i])
            copy.write_row(row)
    return cols


def _ddl(conn: psycopg.Connection) -> None:
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    for name in LAYER_ORDER:
        schema = SCHEMAS[name]
        columns = [sql.SQL("fid bigserial PRIMARY KEY")]
        for f in schema.fields:
            extra = sql.SQL(" UNIQUE NOT NULL") if f.name == schema.key else sql.SQL("")
            columns.append(sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL(_SQL_TYPES[f.dtype])) + extra)
        if schema.geometry:
            columns.append(sql.SQL("geom geometry({}, {})").format(sql.SQL(schema.geometry), sql.Literal(SRID)))
        columns.append(sql.SQL("zm_version integer NOT NULL DEFAULT 0"))
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(name), sql.SQL(", ").join(columns)))
        if schema.geometry:
            conn.execute(sql.SQL("CREATE INDEX {} ON {} USING gist (geom)").format(
                sql.Identifier(f"{name}_geom_gist"), sql.Identifier(name)))  # fmt: skip
    conn.execute(
        sql.SQL(
            'CREATE TABLE {} (change_id bigserial PRIMARY KEY, at text NOT NULL, "user" text NOT NULL,'
            " action text NOT NULL, layer text NOT NULL, record_id text, version integer, field text, old text,"
            " new text, reason text, data_version bigint NOT NULL DEFAULT 0)"
        ).format(sql.Identifier(AUDIT_TABLE))
    )
    conn.execute(sql.SQL("CREATE INDEX {} ON {} (layer, record_id, version)").format(
        sql.Identifier(f"{AUDIT_TABLE}_record"), sql.Identifier(AUDIT_TABLE)))  # fmt: skip
    conn.execute(sql.SQL("CREATE INDEX {} ON {} (data_version)").format(
        sql.Identifier(f"{AUDIT_TABLE}_data_version"), sql.Identifier(AUDIT_TABLE)))  # fmt: skip
    conn.execute(
        sql.SQL(
            "CREATE TABLE {} (tour_id text PRIMARY KEY, title text NOT NULL, stops text NOT NULL, updated_at text,"
            " updated_by text, version integer NOT NULL DEFAULT 0)"
        ).format(sql.Identifier(TOURS_TABLE))
    )
    for statement in _SESSIONS_DDL:
        conn.execute(statement)
    conn.execute(sql.SQL("CREATE TABLE {} (data_version bigint NOT NULL)").format(sql.Identifier(META_TABLE)))
    conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(sql.Identifier(META_TABLE)))


def create_postgis(url: str, frames: Mapping[str, Layer]) -> PostgisStore:
    """Create zonemap's tables in the (empty) database at ``url`` and load ``frames``, in one transaction.

    A layer given as chunks is sent with COPY a chunk at a time (one COPY per chunk, same transaction).
    """
    store = PostgisStore(url)
    with store._conn() as conn:
        present = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = %s",
            (AUDIT_TABLE,),
        ).fetchone()
        if present:
            raise StoreError(f"数据库 {store.location} 中已有 zonemap 数据：请换一个空数据库（不会覆盖已有数据）。")
        with conn.transaction():
            _ddl(conn)
            for name in LAYER_ORDER:
                for chunk in chunks_of(frames.get(name, ())):
                    copy_rows(conn, name, chunk)
            row_security(conn)  # after the bulk load: COPY FROM does not go through policies
            _record_version(conn)
    return store
