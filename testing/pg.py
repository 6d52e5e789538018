"""Fresh PostGIS databases for tests, on the server ``make db`` starts (scripts/pg.sh).

A test that needs PostGIS fails, never skips, when the server is missing.
"""

from __future__ import annotations

import os
import subprocess
import uuid
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


@contextmanager
def fresh_database(server: str | None = None):
    """The URL of a new, empty database with PostGIS (from the template ``make db`` made); dropped afterwards.

    ``server``: the server's URL (default :func:`server_url`); the benchmarks use this too.
    """
    import psycopg

    url = server or server_url()
    name = f"zonemap_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=30)
    except psycopg.Error as exc:
        pytest.fail(f"PostGIS 服务器不可用（{url}）：先运行 make db。{exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE zonemap_template OWNER zonemap')
    try:
        yield _with_db(url, name)
    finally:
        from geodata.store.postgis import _POOL

        _POOL.close(_with_db(url, name))
        with psycopg.connect(_admin_url(url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
