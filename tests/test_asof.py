"""Parcels and projects as they stood on a day (stats.asof.parcels_on / projects_on) and the 逐月播放 steps.

Hand-worked from tests.test_bulletin's dated set: P1 listed 2021-07-01, contract 2021-09-08 (sold today);
P2 listed 2021-09-01 (listed today); P3 started, no dates (日期不详); P4 reserve.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geodata.edits import Edit
from geodata.store import create_gpkg
from stats.asof import parcels_on, projects_on
from tests.test_bulletin import at, dated_frames
from ui.asof import play_steps

D = dt.date


@pytest.fixture
def store(tmp_path):
    return create_gpkg(tmp_path / "asof.gpkg", dated_frames())


def statuses(frame, key="parcel_id", column="supply_status") -> dict:
    return dict(zip(frame[key], frame[column], strict=True))


def test_a_parcel_sold_after_the_day_is_still_listed_on_it(store):
    parcels = store.read("parcels")
    on = parcels_on(parcels, store.history(), D(2021, 8, 31))
    assert statuses(on) == {"P1": "listed", "P2": "reserve", "P3": "started", "P4": "reserve"}
    assert list(on.loc[on["asof_status"] == "undated", "parcel_id"]) == ["P3"]  # started, no date anywhere
    assert on.loc[on["parcel_id"] == "P1", "contract_date"].isna().all()  # the later contract is not known yet
    on = parcels_on(parcels, store.history(), D(2021, 9, 30))
    assert statuses(on) == {"P1": "sold", "P2": "listed", "P3": "started", "P4": "reserve"}


def test_a_parcel_status_without_date_takes_the_day_the_audit_shows(store):
    store.apply_edit(Edit("parcels", "P4", {"supply_status": "listed"}, 0, "张三", at=at("2021-09-15")))
    parcels, history = store.read("parcels"), store.history()
    assert statuses(parcels_on(parcels, history, D(2021, 9, 14)))["P4"] == "reserve"
    on = parcels_on(parcels, history, D(2021, 9, 15))
    assert statuses(on)["P4"] == "listed"
    assert list(on.loc[on["asof_status"] == "undated", "parcel_id"]) == ["P3"]  # P4 is dated by the audit


def test_projects_not_signed_by_the_day_are_not_there(store):
    on = projects_on(store.read("projects"), store.history(), D(2021, 8, 31))
    assert statuses(on, "project_id", "stage") == {"J3": "started", "J4": "started", "J5": "signed"}
    assert on.attrs["undated"] == 1  # J4


def test_play_steps_are_month_ends_up_to_today():
    assert play_steps(D(2021, 8, 31), D(2021, 11, 20)) == [D(2021, 9, 30), D(2021, 10, 31), D(2021, 11, 20)]
    assert play_steps(D(2021, 11, 20), D(2021, 11, 20)) == []
    assert play_steps(D(2021, 1, 15), D(2021, 3, 1)) == [D(2021, 1, 31), D(2021, 2, 28), D(2021, 3, 1)]
