"""The app on PostGIS: every page runs on the sample copied into a database, and an edit made there is seen."""

from __future__ import annotations

import pytest

from geodata.edits import Edit
from geodata.store import SAMPLE_PATH, open_store
from geodata.store.copy import copy_store
from testing.pg import fresh_database
from tests.apptest import open_page

PAGES = ["pages/overview.py", "pages/supply.py", "pages/tracker.py", "pages/idle.py", "pages/tour.py", "pages/data.py"]


@pytest.fixture(scope="module")
def pg_sample():
    with fresh_database() as url:
        assert copy_store(str(SAMPLE_PATH), url).ok
        yield url


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_postgis(page, pg_sample, monkeypatch):
    monkeypatch.setenv("ZONEMAP_DATA", pg_sample)
    at = open_page(page)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.title and at.title[0].value


def test_a_save_on_one_server_is_patched_into_another_servers_data(pg_sample, monkeypatch):
    from ui.data import load_cached

    monkeypatch.setenv("ZONEMAP_DATA", pg_sample)
    assert not open_page("pages/supply.py").exception  # this server has the data cached now
    before = load_cached(pg_sample)
    other_server = open_store(pg_sample)  # another app process: its own store object and connections
    _, version = other_server.read_record("parcels", "JK-56GW")
    other_server.apply_edit(Edit("parcels", "JK-56GW", {"note": "另一台服务器的修改"}, version, "lisi"))
    after = load_cached(pg_sample)
    assert after.version != before.version and after.geometry_version == before.geometry_version  # patched
    assert after.parcels.set_index("parcel_id").loc["JK-56GW", "note"] == "另一台服务器的修改"
    assert before.parcels.set_index("parcel_id").loc["JK-56GW", "note"] != "另一台服务器的修改"  # untouched copy
    assert not open_page("pages/supply.py").exception
