"""The hand-made dataset (testing/factory.py) with private fields and dates, on both stores, for tiles and the OGC API.

P1 has a land holder and a price (private); projects J1, J2, J5 have signing
dates (the ``datetime`` filter); P2 is a triangle. :func:`tile_of` is the Web Mercator tile of a
point, written from the slippy-map formula independently of geodata.tiles.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import pytest
from shapely.geometry import MultiPolygon, Polygon

from geodata.store import create_gpkg, create_store
from geodata.tiles import Tile
from testing.factory import frames
from testing.pg import fresh_database

SIGNED = {"J1": "2023-05-01", "J2": "2024-03-10", "J5": "2022-01-01"}
# P2 made a triangle (the lower-left half of its box): a box over the upper-right corner meets its bounding box only
TRIANGLE_P2 = MultiPolygon([Polygon([(112.505, 37.755), (112.51, 37.755), (112.505, 37.76)])])


def map_frames():
    out = frames()
    parcels, projects = out["parcels"], out["projects"]
    parcels.loc[parcels["parcel_id"] == "P1", ["land_holder", "land_price"]] = ["山西某某新能源有限公司", 1234.5]
    projects["signed_date"] = projects["project_id"].map(SIGNED)
    parcels.loc[parcels["parcel_id"] == "P2", "geometry"] = TRIANGLE_P2
    return out


@contextmanager
def _store(kind: str, folder):
    if kind == "gpkg":
        yield create_gpkg(folder / "map.gpkg", map_frames())
        return
    with fresh_database() as url:
        yield create_store(url, map_frames())


@pytest.fixture(params=["gpkg", "postgis"])
def map_store(request, tmp_path):
    """A store a test may change."""
    with _store(request.param, tmp_path) as store:
        yield store


@pytest.fixture(scope="module", params=["gpkg", "postgis"])
def shared_store(request, tmp_path_factory):
    """One store per module and backend, for tests that only read."""
    with _store(request.param, tmp_path_factory.mktemp("map")) as store:
        yield store


def tile_of(lon: float, lat: float, z: int) -> Tile:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return Tile(z, int((lon + 180) / 360 * n), int(y))
