"""Smoke test of bench/concurrent_edits.py (--quick): its writers, as threads of this process, edit for about a
second on each backend, and reading the store back finds no lost update and one audit row per save.

PostGIS runs on a fresh database (testing/pg.py): a missing server fails the test, never skips it.
"""

from __future__ import annotations

import shutil

import pytest

from bench.concurrent_edits import parcel_ids, run_threads, verify
from geodata.store import SAMPLE_PATH
from geodata.store.copy import copy_store
from testing.pg import fresh_database


@pytest.fixture(params=["gpkg", "postgis"])
def location(request, tmp_path):
    if request.param == "gpkg":
        path = tmp_path / "edits.gpkg"
        shutil.copyfile(SAMPLE_PATH, path)
        yield str(path)
        return
    with fresh_database() as url:
        report = copy_store(str(SAMPLE_PATH), url)
        assert report.ok, report.lines
        yield url


def test_concurrent_writers_lose_no_update(location):
    ids, hot = parcel_ids(location)
    tally = run_threads(location, 4, 1.0, ids, hot)
    check = verify(location, tally, ids)
    assert tally.errors == []  # only saves, ConflictError and StoreError (busy)
    assert tally.saves, "no save went through in a second"
    assert check.lost == 0, check.problems[:10]
    assert check.audit_rows == check.saves == len(tally.saves)
    assert check.line() == "lost updates: 0, audit rows = successful saves"
