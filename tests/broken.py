"""Stores that refuse writes the way real ones do: read-only data and a full disk, on both backends.

* GeoPackage read-only: the file is made unwritable (mode 0444; as root, where
  mode bits do not stop writes, also ``chattr +i``), so SQLite itself reports
  "attempt to write a readonly database".
* GeoPackage full: every connection the store opens gets ``PRAGMA
  max_page_count`` = the file's size after a VACUUM (no free pages left), so a
  write that needs a new page gets SQLite's real "database or disk is full".
  A small write can still fit in the slack of the pages there (an import of six
  parcels did, depending on the sample's layout), so SQLite's error is also
  raised after the audit rows, inside the transaction, as the disk filling up
  at that moment would.
* PostGIS read-only: ``ALTER DATABASE … SET default_transaction_read_only = on``
  on the test database (connections are reopened), so the server refuses.
* PostGIS full: cannot be made for real without filling the server's disk, so
  psycopg's ``DiskFull`` (SQLSTATE 53100, what the server answers then) is
  raised from inside the write transaction, where the audit rows are written.

And a GeoPackage that lacks one of the layers (:func:`without_layer`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing, contextmanager
from unittest import mock
from urllib.parse import urlsplit

BIG = "很长的说明。" * 1500  # ~27 KB of UTF-8: more than a page, so writing it needs new pages


def is_gpkg(location: str) -> bool:
    return not str(location).startswith("postgres")


@contextmanager
def read_only(location: str):
    """The store at ``location`` refuses writes while the block runs."""
    if is_gpkg(location):
        with _immutable_file(location):
            yield
        return
    import psycopg

    from geodata.store.postgis import _POOL

    db = urlsplit(location).path.lstrip("/")
    with psycopg.connect(location, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{db}" SET default_transaction_read_only = on')
    _POOL.close(location)  # the setting applies to new connections
    try:
        yield
    finally:
        with psycopg.connect(location, autocommit=True) as conn:
            conn.execute("SET default_transaction_read_only = off")
            conn.execute(f'ALTER DATABASE "{db}" RESET default_transaction_read_only')
        _POOL.close(location)


@contextmanager
def _immutable_file(path: str):
    os.chmod(path, 0o444)
    chattr = os.geteuid() == 0 and shutil.which("chattr")
    if chattr:
        subprocess.run([chattr, "+i", path], check=True)
    try:
        yield
    finally:
        if chattr:
            subprocess.run([chattr, "-i", path], check=True)
        os.chmod(path, 0o644)


@contextmanager
def disk_full(location: str):
    """Writes to the store at ``location`` that need more space fail with a full disk while the block runs."""
    if is_gpkg(location):
        from geodata.store import gpkg

        with closing(sqlite3.connect(location)) as conn:
            conn.execute("VACUUM")
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
        original = gpkg._connect

        def full(path):
            conn = original(path)
            conn.execute(f"PRAGMA max_page_count = {pages}")
            return conn

        real_audit = gpkg.GpkgTx.audit

        def audit_then_full(self, rows):  # small writes may fit in the slack of pages already there
            real_audit(self, rows)
            raise sqlite3.OperationalError("database or disk is full")

        with mock.patch.object(gpkg, "_connect", full), mock.patch.object(gpkg.GpkgTx, "audit", audit_then_full):
            yield
        return
    import psycopg

    from geodata.store.postgis import PgTx

    def no_space(self, rows):
        raise psycopg.errors.DiskFull('could not extend file "base/16384/16400": No space left on device')

    with mock.patch.object(PgTx, "audit", no_space):
        yield


def without_layer(path, layer: str) -> None:
    """Remove ``layer`` from the GeoPackage at ``path``: its table and its entries in the GeoPackage's catalogue."""
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (layer,))
        db.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = ?", (layer,))
        db.execute(f'DROP TABLE "{layer}"')
