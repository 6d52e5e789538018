"""The GeoPackage backend: one SQLite file, the embedded default (a laptop, a 观摩会 hall).

Layers are read with pyogrio (Arrow); changes go through SQLite directly in
``BEGIN IMMEDIATE`` transactions, so one writer at a time, and a crash (even
``kill -9``) leaves either the whole change or none. A record's version is the
highest version its audit rows carry. GDAL's R-tree triggers call a few
spatial SQL functions, which are registered on every connection.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import struct
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from domain.tours import stops_json
from geodata.atomic import FILE_MODE, private_dir
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
    tile_properties,
    tours_from_rows,
)
from geodata.store.schema_version import SCHEMA_VERSION, refuse_newer
from geodata.store.schema_version import TABLE as VERSION_TABLE
from geodata.tiles import BUFFER, TILE_ATTRIBUTES, FeaturePage, FeatureQuery, Tile, date_sql, encode_tile, where_sql

log = logging.getLogger(__name__)

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
CREATE TABLE IF NOT EXISTS {TOURS_TABLE} (
    tour_id TEXT PRIMARY KEY, title TEXT NOT NULL, stops TEXT NOT NULL, updated_at TEXT, updated_by TEXT,
    version INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS {SESSIONS_TABLE} (
    id TEXT PRIMARY KEY, username TEXT NOT NULL, created REAL NOT NULL, last_seen REAL NOT NULL,
    expires REAL NOT NULL, ended REAL, why TEXT);
CREATE INDEX IF NOT EXISTS {SESSIONS_TABLE}_user ON {SESSIONS_TABLE} (username, ended)
"""


SQLITE_HEADER = b"SQLite format 3\x00"
_VERSIONS: dict[str, tuple[tuple[int, int, int], str]] = {}  # file → (inode, mtime, size) → its data version


class GpkgStore(Store):
    """A GeoPackage file (see module doc)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.location = str(self.path)
        if not self.path.exists():
            raise StoreError(f"数据文件不存在：{self.path.name}")
        with open(self.path, "rb") as f:  # a GeoPackage is an SQLite file: anything else fails on its first query
            if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise StoreError(f"无法打开数据文件“{self.path.name}”（文件已损坏或不是 GeoPackage）。")

    # --- reading -------------------------------------------------------------------------------------------------

    def layer_names(self) -> list[str]:
        try:
            return [row[0] for row in pyogrio.list_layers(self.path)]
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            log.error("cannot list layers of %s: %s", self.path, exc)
            raise StoreError(f"无法打开数据文件“{self.path.name}”（文件已损坏或不是 GeoPackage）。") from exc

    def _missing(self, layer: str) -> StoreError:
        return StoreError(f"数据文件“{self.path.name}”中缺少图层“{SCHEMAS[layer].label}”（{layer}）")

    def read(self, layer: str) -> pd.DataFrame:
        schema = SCHEMAS[layer]
        try:  # the layers are listed only when the read fails (a listing costs as much as reading a small layer)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                frame = pyogrio.read_dataframe(
                    self.path, layer=layer, read_geometry=schema.geometry is not None, use_arrow=True
                )
        except Exception:
            if layer not in self.layer_names():
                raise self._missing(layer) from None
            raise
        if schema.geometry is not None:
            frame = frame.set_crs(CRS, allow_override=True) if frame.crs is None else frame.to_crs(CRS)
        else:
            frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        return coerce(frame, schema)

    def read_chunks(self, layer: str, size: int = READ_CHUNK) -> Iterator[pd.DataFrame]:
        """Arrow record batches of ``size`` features (pyogrio's stream), each typed like :meth:`read`."""
        schema = SCHEMAS[layer]
        if layer not in self.layer_names():
            raise self._missing(layer)
        spatial = schema.geometry is not None
        stream = pyogrio.open_arrow(self.path, layer=layer, read_geometry=spatial, batch_size=size, use_pyarrow=True)
        with stream as (meta, reader):
            first = True
            for batch in reader:
                first = False
                yield self._typed(schema, batch.to_pandas(), meta)
            if first:
                yield self._typed(schema, reader.schema.empty_table().to_pandas(), meta)

    @staticmethod
    def _typed(schema, frame: pd.DataFrame, meta: dict) -> pd.DataFrame:
        geometry = meta.get("geometry_name") or "wkb_geometry"
        if schema.geometry is None:
            return coerce(frame.drop(columns=geometry, errors="ignore"), schema)
        wkb = frame.pop(geometry) if geometry in frame else None
        geoms = shapely.from_wkb(wkb.to_numpy()) if wkb is not None else None
        return coerce(gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS), schema)

    def read_records(self, layer: str, ids) -> pd.DataFrame:
        schema = SCHEMAS[layer]
        with self._reading() as conn:
            tx = GpkgTx(conn)
            rows = [(r, tx.geometry(layer, i) if schema.geometry else None) for i in ids if (r := tx.read(layer, i))]
        frame = pd.DataFrame([r for r, _ in rows], columns=list(schema.columns))
        if schema.geometry:
            frame = gpd.GeoDataFrame(frame, geometry=[g for _, g in rows], crs=CRS)
        return coerce(frame, schema)

    def tile(self, layer: str, tile: Tile, filters) -> bytes:
        schema, columns = SCHEMAS[layer], TILE_ATTRIBUTES[layer]
        with closing(_connect(self.path)) as conn:
            source, args = _matching(conn, layer, tile.lonlat_bounds(BUFFER), filters, None, exact=False)
            if schema.geometry != "Point" and " r ON " in source:  # specks smaller than a screen pixel left out
                source += " AND (r.maxx - r.minx >= ? OR r.maxy - r.miny >= ?)"
                args += list(tile.pixel_degrees())
            gcol = GpkgTx(conn)._geometry_column(layer)[0]
            select = ", ".join(f't."{c}"' for c in (schema.key, *columns))
            rows = conn.execute(f'SELECT t.rowid, {select}, t."{gcol}" {source}', args).fetchall()
        geoms = [gpkg_geometry(r[-1]) for r in rows]
        props = [tile_properties(layer, columns, r[1:-1]) for r in rows]
        return encode_tile(layer, [r[0] for r in rows], props, geoms, tile)

    def features(self, query: FeatureQuery) -> FeaturePage:
        layer = query.layer
        with closing(_connect(self.path)) as conn:
            conn.execute("BEGIN")  # the count and the page from one snapshot
            try:
                source, args = _matching(conn, layer, query.bbox, query.filters, query.dates, exact=True)
                gcol = GpkgTx(conn)._geometry_column(layer)[0]
                matched = conn.execute(f"SELECT COUNT(*) {source}", args).fetchone()[0]
                present = _table_columns(conn, layer)  # a file older than a schema column: that column is null
                select = ", ".join(f't."{c}"' if c in present else f'NULL AS "{c}"' for c in query.columns)
                rows = conn.execute(
                    f'SELECT {select}, t."{gcol}" {source} ORDER BY t.rowid LIMIT ? OFFSET ?',
                    [*args, query.limit, query.offset],
                ).fetchall()
            finally:
                _rollback(conn)
        return feature_page(layer, query.columns, [r[:-1] for r in rows], [gpkg_geometry(r[-1]) for r in rows], matched)

    def check_schema(self) -> None:
        """Refuse a file written by a newer zonemap (see :mod:`geodata.store.schema_version`)."""
        with self._reading() as conn:
            refuse_newer(schema_version(conn))

    def version(self) -> str:
        """The file (inode), its last audit row and its layers' ``last_change``: not the file's mtime, which
        every session write (sign-in, last seen) moves without changing data. Asked again only when the
        file's inode, mtime or size moved (a stat, then; the page runs ask on every run)."""
        stat = self.path.stat()
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = _VERSIONS.get(self.location)
        if cached and cached[0] == seen:
            return cached[1]
        try:
            with closing(sqlite3.connect(self.path, timeout=15)) as conn:
                stamp = conn.execute("SELECT MAX(last_change) FROM gpkg_contents").fetchone()[0]
                change = 0
                if _has(conn, AUDIT_TABLE):
                    change = conn.execute(f"SELECT COALESCE(MAX(change_id), 0) FROM {AUDIT_TABLE}").fetchone()[0]
        except sqlite3.Error as exc:  # not a GeoPackage after all: reading it will say so
            log.warning("no data version for %s: %s", self.path, exc)
            return f"{self.path}:{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"
        version = f"{self.path}:{stat.st_ino}:{change}:{stamp}"
        _VERSIONS[self.location] = (seen, version)
        return version

    def read_record(self, layer: str, record_id: str) -> tuple[dict | None, int]:
        with self._reading() as conn:
            tx = GpkgTx(conn)
            # one read snapshot: a save committing in between would pair old values with its version
            conn.execute("BEGIN")
            try:
                return tx.read(layer, record_id), (tx.version(layer, record_id) if _has(conn, AUDIT_TABLE) else 0)
            finally:
                _rollback(conn)

    def audit_rows(self, layer=None, record_id=None, action=None, after=0) -> list[dict]:
        where, args = [], []
        for column, value in (("layer", layer), ("record_id", record_id), ("action", action)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if after:
            where.append("change_id > ?")
            args.append(after)
        sql = f"SELECT * FROM {AUDIT_TABLE}" + (" WHERE " + " AND ".join(where) if where else "")
        with self._reading() as conn:
            if not _has(conn, AUDIT_TABLE):
                return []
            return [dict(r) for r in conn.execute(sql + " ORDER BY change_id DESC", args)]

    def position(self) -> int:
        with self._reading() as conn:
            if not _has(conn, AUDIT_TABLE):
                return 0
            return int(conn.execute(f"SELECT COALESCE(MAX(change_id), 0) FROM {AUDIT_TABLE}").fetchone()[0])

    def changed_since(self, position: int) -> list[tuple[str, str, str]]:
        # BEGIN IMMEDIATE serialises writers, so change ids become visible in order
        rows = self.audit_rows(after=position)
        return [(r["layer"], r["record_id"], r["field"]) for r in reversed(rows)
                if r["layer"] in EDITABLE_LAYERS and r["field"] != "import"]  # fmt: skip

    def list_tours(self) -> list[StoredTour]:
        with self._reading() as conn:
            if not _has(conn, TOURS_TABLE):
                return []
            cols = {r[1] for r in conn.execute(f"PRAGMA table_info({TOURS_TABLE})")}
            version = "version" if "version" in cols else "0"
            rows = conn.execute(
                f"SELECT tour_id, title, stops, {version}, updated_at, updated_by FROM {TOURS_TABLE}"
            ).fetchall()
        return tours_from_rows(rows)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading; what SQLite reports (a damaged or vanished file …) is a Chinese StoreError."""
        if not self.path.exists():  # sqlite3 would quietly create an empty file in its place
            raise StoreError(f"数据文件不存在：{self.path.name}（可能已被移走或删除），请联系管理员。")
        try:
            with closing(_connect(self.path)) as conn:
                yield conn
        except sqlite3.Error as exc:
            log.error("reading %s failed: %s", self.path, exc)
            if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                raise StoreError("其他人正在保存，请稍后再试。") from exc
            raise StoreError(f"无法读取数据文件“{self.path.name}”（文件已损坏或不是 GeoPackage）。") from exc

    @contextmanager
    def _read(self) -> Iterator[GpkgTx]:
        with closing(_connect(self.path)) as conn:
            if not _has(conn, SESSIONS_TABLE):
                with self._write():  # a file from before sessions: its tables are created once
                    pass
            conn.execute("BEGIN")
            try:
                yield GpkgTx(conn)
            finally:
                _rollback(conn)

    # --- writing -------------------------------------------------------------------------------------------------

    @contextmanager
    def _write(self, scope=None) -> Iterator[GpkgTx]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception (even KeyboardInterrupt) rolls everything back.

        SQLite has no row-level security: the scope is checked by the contract alone.
        """
        try:
            conn = _connect(self.path)
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc
        try:
            conn.execute("BEGIN IMMEDIATE")
            _upgrade(conn)
            yield GpkgTx(conn)
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            _rollback(conn)
            raise ImportRefused("编号重复：其他编辑者刚写入了相同编号的记录，未保存任何修改。") from exc
        except sqlite3.Error as exc:
            _rollback(conn)
            raise _store_error(exc, self.path) from exc
        except BaseException:
            _rollback(conn)
            raise
        finally:
            conn.close()

    def load_history(self, audit: pd.DataFrame, tours: list[StoredTour]) -> None:
        with self._write() as tx:
            cols = ", ".join(AUDIT_COLUMNS)
            rows = [
                tuple(None if pd.isna(v) else v for v in r) for r in audit[list(AUDIT_COLUMNS)].itertuples(index=False)
            ]
            tx.conn.executemany(
                f"INSERT INTO {AUDIT_TABLE} ({cols}) VALUES ({', '.join('?' * len(AUDIT_COLUMNS))})", rows
            )
            for t in tours:
                tx.put_tour(t.tour.tour_id, t.tour.title, stops_json(t.tour), t.version, t.updated_at or "",
                            t.updated_by or "", insert=True)  # fmt: skip


class GpkgTx(Tx):
    """The Tx primitives on one SQLite connection."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._geom: dict[str, tuple[str, int]] = {}

    def _geometry_column(self, layer: str) -> tuple[str, int]:
        if layer not in self._geom:
            row = self.conn.execute(
                "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)
            ).fetchone()
            self._geom[layer] = (row[0], row[1]) if row else ("geom", 4490)
        return self._geom[layer]

    def run(self, statement, args=()):
        cur = self.conn.execute(statement.replace("%s", "?"), tuple(args))
        return cur.fetchall(), cur.rowcount

    def read(self, layer, record_id, lock=True):
        schema = SCHEMAS[layer]
        present = _table_columns(self.conn, layer)  # a file older than a schema column reads it as null
        cols = ", ".join(f'"{c}"' for c in schema.columns if c in present)
        row = self.conn.execute(f'SELECT {cols} FROM "{layer}" WHERE "{schema.key}" = ?', (record_id,)).fetchone()
        if row is None:
            return None
        return {c: decode_value(layer, c, row[c] if c in present else None) for c in schema.columns}

    def geometry(self, layer, record_id):
        column, _ = self._geometry_column(layer)
        key = SCHEMAS[layer].key
        row = self.conn.execute(f'SELECT "{column}" FROM "{layer}" WHERE "{key}" = ?', (record_id,)).fetchone()
        return None if row is None else gpkg_geometry(row[0])

    def version(self, layer, record_id):
        row = self.conn.execute(
            f"SELECT MAX(version) FROM {AUDIT_TABLE} WHERE layer = ? AND record_id = ?", (layer, record_id)
        ).fetchone()
        return int(row[0] or 0)

    def update(self, layer, record_id, values, geometry=None):
        sets, args = [f'"{c}" = ?' for c in values], list(values.values())
        if geometry is not None:
            column, srs_id = self._geometry_column(layer)
            sets.append(f'"{column}" = ?')
            args.append(gpkg_blob(geometry, srs_id))
        if sets:
            key = SCHEMAS[layer].key
            self.conn.execute(f'UPDATE "{layer}" SET {", ".join(sets)} WHERE "{key}" = ?', [*args, record_id])

    def set_version(self, layer, record_id, expected, new):
        pass  # the audit rows written with the change carry the version; BEGIN IMMEDIATE serialises writers

    def existing(self, layer, ids):
        key = SCHEMAS[layer].key
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            sql = f'SELECT "{key}" FROM "{layer}" WHERE "{key}" IN ({", ".join("?" * len(chunk))})'
            found.update(str(r[0]) for r in self.conn.execute(sql, chunk))
        return found

    def insert(self, layer, frame):
        schema = SCHEMAS[layer]
        table_cols = {r[1] for r in self.conn.execute(f'PRAGMA table_info("{layer}")')}
        missing = [c for c in schema.columns if c not in table_cols]
        if missing:
            raise ImportRefused(f"数据文件的“{schema.label}”表缺少字段：{'、'.join(missing)}，请先升级数据文件。")
        self.conn.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "zm_{layer}_key" ON "{layer}" ("{schema.key}")')
        column, srs_id = self._geometry_column(layer)
        cols = [*schema.columns, column]
        quoted = ", ".join(f'"{c}"' for c in cols)
        records = frame[schema.columns].to_dict("records")
        rows = [
            [*(encode_value(r[c]) for c in schema.columns), gpkg_blob(g, srs_id)]
            for r, g in zip(records, frame.geometry, strict=True)
        ]
        self.conn.executemany(f'INSERT INTO "{layer}" ({quoted}) VALUES ({", ".join("?" * len(cols))})', rows)

    def audit(self, rows: Sequence[AuditRow]) -> None:
        self.conn.executemany(
            f"INSERT INTO {AUDIT_TABLE} (at, user, action, layer, record_id, version, field, old, new, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [r.values() for r in rows],
        )

    def imports_so_far(self):  # BEGIN IMMEDIATE: no other writer until COMMIT
        sql = f"SELECT COUNT(*) FROM {AUDIT_TABLE} WHERE action = 'import' AND field = 'import'"
        return int(self.conn.execute(sql).fetchone()[0])

    def tour(self, tour_id, lock=True):
        row = self.conn.execute(
            f"SELECT title, stops, version FROM {TOURS_TABLE} WHERE tour_id = ?", (tour_id,)
        ).fetchone()
        return None if row is None else (row[0], row[1], int(row[2] or 0))

    def put_tour(self, tour_id, title, stops, version, at, user, insert):
        if insert:
            self.conn.execute(
                f"INSERT INTO {TOURS_TABLE} (tour_id, title, stops, updated_at, updated_by, version)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (tour_id, title, stops, at, user, version),
            )
        else:
            self.conn.execute(
                f"UPDATE {TOURS_TABLE} SET title = ?, stops = ?, updated_at = ?, updated_by = ?, version = ?"
                " WHERE tour_id = ?",
                (title, stops, at, user, version, tour_id),
            )

    def drop_tour(self, tour_id):
        self.conn.execute(f"DELETE FROM {TOURS_TABLE} WHERE tour_id = ?", (tour_id,))

    def changed(self, layer):
        self.conn.execute(
            "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
            (layer,),
        )


# --- SQLite helpers -------------------------------------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    """An autocommit SQLite connection with the SQL functions GDAL's R-tree triggers need."""
    conn = sqlite3.connect(path, timeout=15, isolation_level=None)
    conn.row_factory = sqlite3.Row
    _register_gpkg_functions(conn)
    return conn


def _matching(conn: sqlite3.Connection, layer: str, bbox, filters, dates, exact: bool) -> tuple[str, list]:
    """``FROM … WHERE …`` (table alias ``t``) and its parameters: the box through the layer's R-tree, then filters.

    ``exact``: a shape must intersect the box, not only its bounding box (tested
    in Python only for shapes whose bounding box crosses the box's edge).
    """
    gcol = GpkgTx(conn)._geometry_column(layer)[0]
    source, where, args = f'FROM "{layer}" t', [], []
    if bbox is not None:
        rtree = f"rtree_{layer}_{gcol}"
        if _has(conn, rtree):
            source += f' JOIN "{rtree}" r ON t.rowid = r.id'
            where.append("r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?")
            args += [bbox[2], bbox[0], bbox[3], bbox[1]]
            if exact:
                inside = "r.minx >= ? AND r.maxx <= ? AND r.miny >= ? AND r.maxy <= ?"
                where.append(f'(({inside}) OR zm_intersects(t."{gcol}", ?, ?, ?, ?))')
                args += [bbox[0], bbox[2], bbox[1], bbox[3], *bbox]
        else:  # a file without a spatial index: every shape is tested
            where.append(f'zm_intersects(t."{gcol}", ?, ?, ?, ?)')
            args += list(bbox)
    for parts, values in (where_sql(layer, filters, "?"), date_sql(layer, dates, "?")):
        where += parts
        args += values
    return source + (" WHERE " + " AND ".join(where) if where else ""), args


def _intersects(blob, minx, miny, maxx, maxy) -> int:
    geom = gpkg_geometry(blob)
    return int(geom is not None and shapely.intersects(geom, shapely.box(minx, miny, maxx, maxy)))


def _has(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone() is not None


def schema_version(conn: sqlite3.Connection) -> int:
    """The layout number the file records (0: none recorded, a file from before numbers were kept)."""
    if not _has(conn, VERSION_TABLE):
        return 0
    row = conn.execute(f"SELECT MAX(version) FROM {VERSION_TABLE}").fetchone()
    return int(row[0] or 0)


def _upgrade(conn: sqlite3.Connection) -> None:
    """Inside the write's transaction: refuse a newer layout, bring an older one up to date (see schema_version)."""
    found = schema_version(conn)
    refuse_newer(found)
    if found == SCHEMA_VERSION:
        return
    for statement in filter(str.strip, _AUDIT_DDL.split(";")):
        conn.execute(statement)
    _migrate_tours(conn)
    add_missing_columns(conn)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER NOT NULL)")
    conn.execute(f"DELETE FROM {VERSION_TABLE}")
    conn.execute(f"INSERT INTO {VERSION_TABLE} VALUES (?)", (SCHEMA_VERSION,))
    log.info("upgraded the data file's layout from %s to %s", found, SCHEMA_VERSION)


def _migrate_tours(conn: sqlite3.Connection) -> None:
    """Files written before tours were versioned get the column (version 0)."""
    cols = {r[1] for r in conn.execute(f"PRAGMA table_info({TOURS_TABLE})")}
    if "version" not in cols:
        conn.execute(f"ALTER TABLE {TOURS_TABLE} ADD COLUMN version INTEGER NOT NULL DEFAULT 0")


_SQLITE_TYPES = {"float": "REAL", "int": "INTEGER", "bool": "BOOLEAN"}  # anything else: TEXT


def _table_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}


def add_missing_columns(conn: sqlite3.Connection) -> list[str]:
    """Add the schema columns an older file lacks (nullable, so existing rows read as null); return them.

    Runs at the start of every write transaction, like :func:`_migrate_tours`:
    a column added to :mod:`geodata.schema` (宗地代码, 电子监管号, 登记面积 …)
    reaches an existing GeoPackage the first time anyone saves into it.
    Readers never need it: they select the columns present and fill the rest with null.
    """
    added = []
    for layer, schema in SCHEMAS.items():
        present = _table_columns(conn, layer)
        if not present:
            continue
        for f in schema.fields:
            if f.name not in present:
                conn.execute(f'ALTER TABLE "{layer}" ADD COLUMN "{f.name}" {_SQLITE_TYPES.get(f.dtype, "TEXT")}')
                added.append(f"{layer}.{f.name}")
    return added


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """A Chinese message for what SQLite reported (full disk, read-only file, lock timeout …)."""
    text = str(exc).lower()
    log.error("writing %s failed: %s", path, exc)
    if "full" in text:
        return StoreError(DISK_FULL)
    if "readonly" in text or "read-only" in text or "permission" in text:
        return StoreError(READ_ONLY)
    if "locked" in text or "busy" in text:
        return StoreError("其他人正在保存，请稍后再试（数据未改动）。")
    return StoreError("保存失败，数据未改动：数据文件无法写入（详情见服务器日志）。")


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_geometry(blob: bytes | None):
    """A shapely geometry from a GeoPackage geometry blob (header + WKB), or None."""
    if blob is None:
        return None
    flags = blob[3]
    if (flags >> 4) & 1:
        return shapely.Point()  # empty flag
    return shapely.from_wkb(bytes(blob[8 + _ENVELOPE_BYTES[(flags >> 1) & 7] :]))


def gpkg_blob(geom, srs_id: int) -> bytes | None:
    """A GeoPackage geometry blob: header with XY envelope, then little-endian WKB."""
    if geom is None:
        return None
    minx, miny, maxx, maxy = geom.bounds
    header = b"GP" + bytes([0, 0b00000011]) + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy)
    return header + shapely.to_wkb(geom, byte_order=1)


def _register_gpkg_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions GDAL's R-tree triggers call, so plain SQLite can update feature tables."""

    def bound(i):
        return lambda blob: None if (g := gpkg_geometry(blob)) is None or g.is_empty else g.bounds[i]

    conn.create_function("zm_intersects", 5, _intersects, deterministic=True)
    conn.create_function("ST_IsEmpty", 1, lambda b: None if b is None else int(gpkg_geometry(b).is_empty))
    for name, i in (("ST_MinX", 0), ("ST_MinY", 1), ("ST_MaxX", 2), ("ST_MaxY", 3)):
        conn.create_function(name, 1, bound(i))


# --- whole files ----------------------------------------------------------------------------------------------------


def write_gpkg(path: str | os.PathLike, frames: Mapping[str, Layer]) -> None:
    """Write layers (typed by their schema) into a GeoPackage file, with a unique index on each key.

    A layer may come as chunks (:data:`~geodata.store.contract.Layer`): the first creates it, the others are
    appended (one transaction each), so a national store never sits in memory whole.
    """
    for name in LAYER_ORDER:
        if name not in frames:
            continue
        schema = SCHEMAS[name]
        for i, chunk in enumerate(chunks_of(frames[name])):
            frame = coerce(chunk, schema)
            if schema.geometry is not None:
                gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=frame.crs or CRS)
                pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG", geometry_type=schema.geometry,
                                        promote_to_multi=None, append=i > 0)  # fmt: skip
            else:
                pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG", append=i > 0)
    with closing(sqlite3.connect(path)) as conn, conn:
        for name in frames:
            if name in SCHEMAS:
                key = SCHEMAS[name].key
                conn.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "zm_{name}_key" ON "{name}" ("{key}")')


def is_zonemap_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a GeoPackage holding zonemap data (audit, tours, or zones and parcels): never an output."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return False
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except (OSError, sqlite3.Error):
        return path.is_file() and path.suffix.lower() == ".gpkg"  # unreadable: assume the worst
    return bool(names & {AUDIT_TABLE, TOURS_TABLE}) or {"zones", "parcels"} <= names


def create_gpkg(path: str | os.PathLike, frames: Mapping[str, Layer]) -> GpkgStore:
    """A new GeoPackage store at ``path`` holding ``frames`` (overwrites)."""
    path = Path(path)
    private_dir(path.parent)
    if path.exists():
        path.unlink()
    write_gpkg(path, frames)
    os.chmod(path, FILE_MODE)  # the data file (audit included) is its user's only, whatever the umask
    store = GpkgStore(path)
    with store._write():  # zonemap's own tables and the layout's number, from the start
        pass
    return store
