"""A schema column added after a store was created (宗地代码, 电子监管号, 登记面积) reaches it on both backends.

Readers of an older store see the column as null; the first write adds it
(``add_missing_columns`` in each backend's write transaction) and then carries values.
"""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from geodata.edits import Edit
from geodata.store import create_gpkg, create_store
from testing.factory import frames
from testing.pg import fresh_database

NEW = ("parcel_code", "supervision_no", "registered_area_mu")


def _drop(store, kind):
    if kind == "gpkg":
        with sqlite3.connect(store.path) as conn:
            for c in NEW:
                conn.execute(f'ALTER TABLE parcels DROP COLUMN "{c}"')
            conn.execute("DROP TABLE IF EXISTS zonemap_schema")  # from before layout numbers were kept
    else:
        with psycopg.connect(store.url, autocommit=True) as conn:
            for c in NEW:
                conn.execute(f'ALTER TABLE parcels DROP COLUMN "{c}"')
            conn.execute("DROP TABLE IF EXISTS zonemap_schema")


@pytest.fixture(params=["gpkg", "postgis"])
def old_store(request, tmp_path):
    if request.param == "gpkg":
        store = create_gpkg(tmp_path / "old.gpkg", frames())
        _drop(store, "gpkg")
        yield store
        return
    with fresh_database() as url:
        store = create_store(url, frames())
        _drop(store, "postgis")
        yield store


def test_an_older_store_reads_new_columns_as_null_and_gains_them_on_the_first_write(old_store):
    record, _ = old_store.read_record("parcels", "P4")
    assert all(record[c] is None for c in NEW)
    assert old_store.read("parcels")["parcel_code"].isna().all()
    assert len(old_store.read_records("parcels", ["P4"])) == 1
    changes = {"parcel_code": "140781001001GB00001", "supervision_no": "1407812020B00123", "registered_area_mu": 36.3}
    assert old_store.apply_edit(Edit("parcels", "P4", changes, 0, "张三", "补登记信息")) == 1
    record, _ = old_store.read_record("parcels", "P4")
    assert {c: record[c] for c in NEW} == changes
    frame = old_store.read("parcels").set_index("parcel_id")
    assert frame.at["P4", "registered_area_mu"] == 36.3


def test_an_import_into_an_older_store_writes_the_new_columns(old_store):
    import geopandas as gpd

    from geodata.store import ImportBatch

    frame = old_store.read("parcels").set_index("parcel_id", drop=False)
    rows = frame.loc[["P4", "P4"]].reset_index(drop=True)
    rows["parcel_id"] = ["P4", "P9"]
    rows["parcel_code"] = ["140781004002GB00004", "140781004002GB00009"]
    rows["registered_area_mu"] = [36.3, 36.25]
    summary = {"file": "地块.zip", "new": 1, "updated": 1, "layer": "parcels"}
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4490")
    batch = ImportBatch("parcels", frame, ["P9"], ["P4"], "地块.zip", summary, "zhangsan")
    old_store.commit_import(batch)
    stored = old_store.read("parcels").set_index("parcel_id")
    assert stored.loc[["P4", "P9"], "parcel_code"].tolist() == ["140781004002GB00004", "140781004002GB00009"]
    assert stored.loc[["P4", "P9"], "registered_area_mu"].tolist() == [36.3, 36.25]
