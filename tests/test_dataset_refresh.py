"""A cached dataset is patched record by record after saves, and ends exactly where a full read would."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, box

from geodata.dataset import load_dataset, refresh_dataset
from geodata.edits import Edit
from geodata.store import ImportBatch, create_gpkg
from testing.factory import frames


@pytest.fixture
def store(tmp_path):
    return create_gpkg(tmp_path / "d.gpkg", frames())


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.drop(columns="geometry")).reset_index(drop=True),
        pd.DataFrame(b.drop(columns="geometry")).reset_index(drop=True),
        check_dtype=False,
    )
    assert list(a.geometry.to_wkb()) == list(b.geometry.to_wkb())


def test_an_attribute_edit_is_patched_in_and_keeps_the_shapes_version(store):
    data = load_dataset(store)
    store.apply_edit(Edit("parcels", "P4", {"supply_status": "listed", "road": True, "water_supply": True,
                                              "power": True, "leveling": True}, 0, "zhangsan"))  # fmt: skip
    patched = refresh_dataset(data, store)
    assert patched.version != data.version and patched.geometry_version == data.geometry_version
    same(patched.parcels, load_dataset(store).parcels)  # derived columns (readiness, stage…) recomputed too
    row = patched.parcels.set_index("parcel_id").loc["P4"]
    assert row["supply_status"] == "listed" and row["readiness"] == load_dataset(store).parcels.set_index(
        "parcel_id").loc["P4", "readiness"]  # fmt: skip
    assert data.parcels.set_index("parcel_id").loc["P4", "supply_status"] == "reserve"  # the old copy is untouched
    assert refresh_dataset(patched, store) is patched  # nothing new: same object


def test_imported_records_are_appended_and_move_the_shapes_version(store):
    data = load_dataset(store)
    rows = store.read("parcels").head(1).copy()
    rows["parcel_id"] = "NEW-1"
    rows["geometry"] = [MultiPolygon([box(112.55, 37.80, 112.56, 37.81)])]
    batch = ImportBatch("parcels", gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4490"), ["NEW-1"], [],
                        "新.zip", {"file": "新.zip"}, "zhangsan")  # fmt: skip
    store.commit_import(batch)
    patched = refresh_dataset(data, store)
    assert patched.geometry_version != data.geometry_version and len(patched.parcels) == len(data.parcels) + 1
    same(patched.parcels, load_dataset(store).parcels)


def test_a_zone_change_or_an_unaudited_change_reads_everything(store, monkeypatch):
    data = load_dataset(store)
    store.apply_edit(Edit("zones", "Z2", {"name": "介休开发区（更名）"}, 0, "zhangsan"))
    calls = []
    import geodata.dataset as dataset

    real = dataset.load_dataset
    monkeypatch.setattr(dataset, "load_dataset", lambda s: calls.append(1) or real(s))
    fresh = refresh_dataset(data, store)
    assert calls == [1] and fresh.zones.set_index("zone_id").loc["Z2", "name"] == "介休开发区（更名）"
