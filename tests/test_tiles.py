"""Vector tiles and feature pages from the store (geodata/tiles.py), one suite on both backends.

Tiles are decoded with mapbox_vector_tile and compared with figures computed
here independently (pyproj for Web Mercator): which features a tile holds,
where they are drawn, their attributes, filters, empty tiles, and that an
edit shows on the next tile.
"""

from __future__ import annotations

import itertools
import sqlite3

import mapbox_vector_tile
import pytest
from pyproj import Transformer

from geodata.edits import Edit
from geodata.tiles import BUFFER, EXTENT, FeatureQuery, QueryError, Tile, check_filters, public_columns, where_sql
from testing.mapdata import tile_of

P1_TILE = tile_of(112.515, 37.785, 12)  # holds P1 and P2 (甲开发区), not P3/P4 (介休)
JIEXIU = tile_of(111.955, 37.055, 12)  # holds P3 and P4 (介休, 晋中市)


def decode(data: bytes, layer: str) -> dict[str, dict]:
    """Features of one layer by their ``id`` attribute."""
    tile = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
    return {f["properties"]["id"]: f for f in tile.get(layer, {}).get("features", [])}


def test_a_tile_holds_the_features_there_with_their_attributes(shared_store):
    parcels = decode(shared_store.tile("parcels", P1_TILE, {}), "parcels")
    assert sorted(parcels) == ["P1", "P2"]
    assert parcels["P1"]["properties"] == {
        "id": "P1", "name": "地块P1", "zone_id": "Z1", "supply_status": "sold", "chain": "光伏", "area_mu": 100.0,
        "is_standard_land": True, "land_use": "industrial_land",
    }  # fmt: skip
    assert "chain" not in parcels["P4"]["properties"] if "P4" in parcels else True
    zones = decode(shared_store.tile("zones", P1_TILE, {}), "zones")
    assert sorted(zones) == ["Z1", "Z1a"] and zones["Z1"]["properties"]["leading_chains"] == "光伏;现代医药"
    projects = decode(shared_store.tile("projects", P1_TILE, {}), "projects")
    assert projects["J3"]["geometry"]["type"] == "Point"
    assert projects["J3"]["properties"]["stage"] == "producing"


def test_shapes_are_drawn_where_web_mercator_puts_them(shared_store):
    """P1 is the box 112.51–112.52 E, 37.78–37.79 N: its corners in tile pixels, computed with pyproj, its ring's order.

    Its north edge lies beyond the tile's: drawn at the buffer's edge (64 units above the tile), like ST_AsMVTGeom.
    """
    to_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    minx, _, maxx, maxy = P1_TILE.bounds()
    size = (maxx - minx) / EXTENT

    def pixel(lon, lat):
        x, y = to_3857.transform(lon, lat)
        return [min(max(round(v), -BUFFER), EXTENT + BUFFER) for v in ((x - minx) / size, (maxy - y) / size)]

    ring = decode(shared_store.tile("parcels", P1_TILE, {}), "parcels")["P1"]["geometry"]["coordinates"][0]
    xs, ys = {x for x, _ in ring}, {y for _, y in ring}
    (x0, y0), (x1, y1) = pixel(112.51, 37.79), pixel(112.52, 37.78)
    assert y0 == -BUFFER < y1 < EXTENT and 0 < x0 < x1 < EXTENT
    assert min(xs) == pytest.approx(x0, abs=1) and max(xs) == pytest.approx(x1, abs=1)
    assert min(ys) == pytest.approx(y0, abs=1) and max(ys) == pytest.approx(y1, abs=1)
    # the MVT spec: an exterior ring is clockwise on screen, a positive surveyor's area with y down
    shoelace = sum(ax * by - bx * ay for (ax, ay), (bx, by) in itertools.pairwise(ring))
    assert shoelace > 0


def test_private_fields_never_reach_a_tile(shared_store):
    for feature in decode(shared_store.tile("parcels", P1_TILE, {}), "parcels").values():
        assert not {"land_holder", "land_price"} & set(feature["properties"])


def test_an_empty_area_gives_an_empty_tile(shared_store):
    assert shared_store.tile("parcels", Tile(12, 100, 100), {}) == b""  # the Atlantic
    assert decode(shared_store.tile("parcels", Tile(12, 100, 100), {}), "parcels") == {}


def test_filters_reach_the_tile(shared_store):
    assert sorted(decode(shared_store.tile("parcels", P1_TILE, {"chain": "光伏"}), "parcels")) == ["P1"]
    assert sorted(decode(shared_store.tile("parcels", P1_TILE, {"zone_id": "Z1a"}), "parcels")) == ["P2"]
    assert decode(shared_store.tile("parcels", P1_TILE, {"city_adcode": "140700"}), "parcels") == {}
    assert sorted(decode(shared_store.tile("parcels", P1_TILE, {"city_adcode": "140100"}), "parcels")) == ["P1", "P2"]
    assert sorted(decode(shared_store.tile("parcels", JIEXIU, {"city_adcode": "140700"}), "parcels")) == ["P3", "P4"]
    z10 = tile_of(112.55, 37.8, 10)  # J1, J2, J3
    assert sorted(decode(shared_store.tile("projects", z10, {}), "projects")) == ["J1", "J2", "J3"]
    assert sorted(decode(shared_store.tile("projects", z10, {"stage": "started"}), "projects")) == ["J2"]
    assert sorted(decode(shared_store.tile("zones", P1_TILE, {"chain": "现代医药"}), "zones")) == ["Z1"]
    assert sorted(decode(shared_store.tile("zones", P1_TILE, {"zone_id": "Z1"}), "zones")) == ["Z1", "Z1a"]
    standard = shared_store.tile("parcels", P1_TILE, {"is_standard_land": "true"})
    assert sorted(decode(standard, "parcels")) == ["P1", "P2"]


def test_an_edit_shows_on_the_next_tile(map_store):
    before = map_store.version()
    map_store.apply_edit(Edit("parcels", "P1", {"supply_status": "started"}, 0, "张三", ""))
    assert map_store.version() != before
    assert decode(map_store.tile("parcels", P1_TILE, {}), "parcels")["P1"]["properties"]["supply_status"] == "started"


def test_polygons_smaller_than_a_screen_pixel_are_left_out(shared_store):
    """At zoom 5 a screen pixel (16 tile units) is 0.044° of longitude: the 0.005–0.02° parcels are left out,
    the 0.1° zones 甲 and 介休 stay; at zoom 7 (0.011° by 0.0087° here) the 0.01–0.02° parcels come back, the
    0.005° P2 stays out. Points always stay."""
    z5 = tile_of(111.95, 37.05, 5)  # 101.25–112.5° E, with 甲 (from 112.5° E) in its buffer
    assert decode(shared_store.tile("parcels", z5, {}), "parcels") == {}
    assert sorted(decode(shared_store.tile("zones", z5, {}), "zones")) == ["Z1", "Z2"]  # not the 0.02° park Z1a
    assert sorted(decode(shared_store.tile("parcels", tile_of(111.92, 37.02, 7), {}), "parcels")) == ["P1", "P3", "P4"]


def test_a_tile_at_the_antimeridian_looks_up_the_right_half(shared_store):
    """Tile 1/1/0 (0–180° E, north): its buffered envelope must not wrap around to −180°."""
    assert len(decode(shared_store.tile("projects", Tile(1, 1, 0), {}), "projects")) == 5


def test_feature_pages_by_box_filters_dates_and_offset(shared_store):
    columns = public_columns("parcels", private=False)
    page = shared_store.features(FeatureQuery("parcels", bbox=(112.0, 37.5, 113.0, 38.0), columns=columns))
    assert page.matched == 2 and list(page.frame["parcel_id"]) == ["P1", "P2"]
    assert "land_holder" not in page.frame.columns
    # a box over P2's empty corner: it meets P2's bounding box, not its shape (a triangle); it meets P1's shape
    page = shared_store.features(FeatureQuery("parcels", bbox=(112.509, 37.759, 112.515, 37.785), columns=columns))
    assert list(page.frame["parcel_id"]) == ["P1"] and page.matched == 1
    page = shared_store.features(FeatureQuery("parcels", limit=2, offset=2, columns=columns))
    assert page.matched == 4 and list(page.frame["parcel_id"]) == ["P3", "P4"]
    private = shared_store.features(FeatureQuery("parcels", limit=1, columns=public_columns("parcels", True)))
    assert (
        private.frame.loc[0, "land_holder"] == "山西某某新能源有限公司" and private.frame.loc[0, "land_price"] == 1234.5
    )
    dated = shared_store.features(FeatureQuery("projects", dates=("2023-01-01", None), columns=("project_id",)))
    assert sorted(dated.frame["project_id"]) == ["J1", "J2"]
    dated = shared_store.features(FeatureQuery("projects", dates=("2022-01-01", "2022-01-01"), columns=("project_id",)))
    assert list(dated.frame["project_id"]) == ["J5"]
    city = shared_store.features(FeatureQuery("projects", filters={"city_adcode": "140700"}, columns=("project_id",)))
    assert sorted(city.frame["project_id"]) == ["J4", "J5"]


def test_unknown_filters_and_values_are_refused(shared_store):
    allowed = shared_store.filter_values()
    assert sorted(allowed["chain"]) == ["光伏", "氢能", "现代医药"] and "Z1a" in allowed["zone_id"]
    for layer, given in [("parcels", {"stage": "signed"}), ("parcels", {"chain": "煤炭"}),
                         ("projects", {"city_adcode": "110000"}), ("zones", {"zone_id": "Z9"}),
                         ("parcels", {"is_standard_land": "1"})]:  # fmt: skip
        with pytest.raises(QueryError):
            check_filters(layer, given, allowed)


@pytest.mark.parametrize(
    ("z", "x", "y", "status"),
    [("-1", "0", "0", 400), ("a", "0", "0", 400), ("1.5", "0", "0", 400), ("٣", "0", "0", 400),
     ("9" * 40, "0", "0", 400), ("23", "0", "0", 404), ("3", "8", "0", 404), ("3", "0", "8", 404),
     ("0", "1", "0", 404)],
)  # fmt: skip
def test_malformed_or_outside_tiles_are_refused(z, x, y, status):
    with pytest.raises(QueryError) as err:
        Tile.parse(z, x, y)
    assert err.value.status == status


def test_a_chain_name_with_like_wildcards_matches_only_itself():
    """Zones' chain filter is a LIKE over the ``;``-list: ``_`` and ``%`` in a name are literal characters."""
    conn = sqlite3.connect(":memory:")
    conn.execute('CREATE TABLE zones ("zone_id" TEXT, "leading_chains" TEXT)')
    conn.executemany("INSERT INTO zones VALUES (?, ?)", [("Z1", "光伏;氢能"), ("Z2", "光_;新%材料")])
    for chain, expected in (("光_", ["Z2"]), ("新%材料", ["Z2"]), ("光伏", ["Z1"]), ("氢能", ["Z1"])):
        where, args = where_sql("zones", {"chain": chain}, "?")
        rows = conn.execute(f"SELECT zone_id FROM zones WHERE {' AND '.join(where)}", args).fetchall()
        assert [r[0] for r in rows] == expected, chain
