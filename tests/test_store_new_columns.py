"""A store made before the land-office dates (挂牌日期, 出让合同签订日期, 交地日期) existed: both backends add them."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from geodata.edits import Edit
from geodata.store import create_gpkg, create_store, open_store
from testing.factory import frames
from testing.pg import fresh_database

NEW = ("listed_date", "contract_date", "delivered_date")


def _check(store) -> None:
    assert store.read("parcels")["listed_date"].isna().all()
    record, version = store.read_record("parcels", "P1")
    assert (record["contract_date"], version) == (None, 0)
    store.apply_edit(Edit("parcels", "P1", {"listed_date": "2021-07-01", "contract_date": "2021-09-08"}, 0, "张三"))
    record, version = store.read_record("parcels", "P1")
    assert (record["listed_date"], record["contract_date"], record["delivered_date"], version) == (
        "2021-07-01", "2021-09-08", None, 1)  # fmt: skip
    assert store.read("parcels").set_index("parcel_id").loc["P1", "contract_date"] == "2021-09-08"


def test_an_old_geopackage_gets_the_columns_on_its_first_write(tmp_path):
    path = tmp_path / "old.gpkg"
    create_gpkg(path, frames())
    with sqlite3.connect(path) as conn:
        for column in NEW:
            conn.execute(f'ALTER TABLE parcels DROP COLUMN "{column}"')
        conn.execute("DROP TABLE IF EXISTS zonemap_schema")  # a file from before layout numbers were kept
    _check(open_store(path))
    with sqlite3.connect(path) as conn:
        assert set(NEW) <= {r[1] for r in conn.execute("PRAGMA table_info(parcels)")}


def test_an_old_postgis_database_gets_the_columns_on_its_first_write():
    with fresh_database() as url:
        create_store(url, frames())
        with psycopg.connect(url, autocommit=True) as conn:
            for column in NEW:
                conn.execute(f'ALTER TABLE parcels DROP COLUMN "{column}"')
            conn.execute("DROP TABLE IF EXISTS zonemap_schema")
        store = open_store(url)
        _check(store)
        store.close()


@pytest.mark.parametrize("column", NEW)
def test_the_ledger_and_shapefile_carry_the_dates(column):
    from geodata.io.fieldmap import shp_names
    from geodata.io.ledger import column_header

    assert column_header(column) in {"挂牌日期", "出让合同签订日期", "交地日期"}
    assert shp_names("parcels")[column] in {"GPRQ", "CRHTRQ", "JDRQ"}
