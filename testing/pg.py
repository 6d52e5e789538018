"""Fresh PostGIS databases for tests, on the server ``make db`` starts (scripts/pg.sh).

A test that needs PostGIS fails, never skips, when the server is missing.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import uuid
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest

from testing.harness import REPO


def server_url() -> str:
    """``$ZONEMAP_TEST_PG`` or the URL of the server ``make db`` starts."""
    env = os.environ.get("ZONEMAP_TEST_PG", "").strip()
    if env:
        return env
    return subprocess.run(
        [str(REPO / "scripts" / "pg.sh"), "url"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _with_db(url: str, db: str, user: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc if user is None else f"{user}@{parts.netloc.rsplit('@', 1)[-1]}"
    return urlunsplit((parts.scheme, netloc, f"/{db}", parts.query, parts.fragment))


def _admin_url(url: str) -> str:
    """The maintenance database, as the cluster's superuser on the dev server (trust on the loopback)."""
    return _with_db(url, "postgres", None if os.environ.get("ZONEMAP_TEST_PG") else "postgres")


def _create(url: str, name: str, template: str) -> None:
    import psycopg

    try:
        admin = psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=30)
    except psycopg.Error as exc:
        pytest.fail(f"PostGIS 服务器不可用（{url}）：先运行 make db。{exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER zonemap')


def _drop(url: str, name: str) -> None:
    """Drop database ``name``, closing this process's connection pool to it first."""
    import psycopg

    from geodata.store.postgis import _POOL

    _POOL.close(_with_db(url, name))
    with psycopg.connect(_admin_url(url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(server: str | None = None, template: str = "zonemap_template"):
    """The URL of a new, empty database with PostGIS (from the template ``make db`` made); dropped afterwards.

    ``server``: the server's URL (default :func:`server_url`); the benchmarks use this too. ``template``: the
    database copied (``CREATE DATABASE … TEMPLATE``: nobody may be connected to it), see :func:`loaded_database`.
    """
    url = server or server_url()
    name = f"zonemap_test_{uuid.uuid4().hex[:10]}"
    _create(url, name, template)
    try:
        yield _with_db(url, name)
    finally:
        _drop(url, name)


_LOADED: dict[tuple[str, Callable], str] = {}  # (server, frames function) → its loaded database, in this process


@contextmanager
def loaded_database(make_frames: Callable[[], Mapping], server: str | None = None):
    """The URL of a new database holding what ``create_store(url, make_frames())`` writes into a fresh one.

    ``create_store`` runs once per test process and frames function, into a database kept as a template until
    the process ends; each call copies it (``CREATE DATABASE … TEMPLATE``, about half the time of loading), so
    every test still gets its own database to change. Dropped afterwards, as :func:`fresh_database`.
    """
    url = server or server_url()
    key = (url, make_frames)
    if key not in _LOADED:
        from geodata.store import create_store

        name = f"zonemap_test_tpl_{uuid.uuid4().hex[:10]}"
        _create(url, name, "zonemap_template")
        try:
            create_store(_with_db(url, name), make_frames())
        except BaseException:
            _drop(url, name)
            raise
        finally:
            from geodata.store.postgis import _POOL

            _POOL.close(_with_db(url, name))  # a copy needs the template without connections
        _LOADED[key] = name
        atexit.register(_drop, url, name)
    with fresh_database(url, template=_LOADED[key]) as db:
        yield db
