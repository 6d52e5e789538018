"""The OGC API (ogc/): Features and vector tiles over HTTP, on both stores, hostile requests refused with 4xx JSON.

Requests go through the ASGI app in-process (testing/asgi.py); GDAL's OAPIF
driver reads the API from a real uvicorn server on a loopback port, in a
subprocess without zonemap's GDAL lock-down (which disables OAPIF and all HTTP).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import mapbox_vector_tile
import pytest
import uvicorn
from starlette.applications import Starlette

import ogc
from geodata.edits import Edit
from geodata.store import StoreError
from ogc import params
from ogc.routes import TileCache
from testing.asgi import Client
from testing.harness import REPO, free_port
from testing.mapdata import SIGNED, tile_of

CRS4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
P1_TILE = tile_of(112.515, 37.785, 12)
P1_PATH = f"/ogc/collections/parcels/tiles/WebMercatorQuad/{P1_TILE.z}/{P1_TILE.y}/{P1_TILE.x}"


def client(store, visitor=True) -> Client:
    return Client(Starlette(routes=ogc.routes(lambda: store, visitor=lambda request: visitor)))


@pytest.fixture
def api(shared_store):
    return client(shared_store)


def ids(reply) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [f["id"] for f in reply.json()["features"]]


def test_landing_conformance_collections_and_openapi(api):
    landing = api.get("/ogc/").json()
    assert {link["rel"] for link in landing["links"]} >= {"self", "service-desc", "conformance", "data"}
    assert api.get("/ogc").status_code == 200
    conforms = api.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conforms
    collections = api.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == ["zones", "parcels", "projects"]
    assert CRS4490 in collections[1]["crs"]
    doc = api.get("/ogc/api").json()
    assert doc["openapi"].startswith("3.0") and "/collections/parcels/items" in doc["paths"]
    limit = next(p for p in doc["paths"]["/collections/parcels/items"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 10_000
    assert api.get("/ogc/collections/parcels").json()["id"] == "parcels"


def test_items_counts_paging_and_links(api, monkeypatch):
    page = api.get("/ogc/collections/parcels/items", {"limit": "3"}).json()
    assert (page["numberMatched"], page["numberReturned"]) == (4, 3)
    nxt = next(link["href"] for link in page["links"] if link["rel"] == "next")
    assert nxt.endswith("/ogc/collections/parcels/items?limit=3&offset=3")
    assert ids(api.get("/ogc/collections/parcels/items", {"limit": "3", "offset": "3"})) == ["P4"]
    assert ids(api.get("/ogc/collections/projects/items")) == ["J1", "J2", "J3", "J4", "J5"]
    assert ids(api.get("/ogc/collections/zones/items", {"limit": "50000"})) == ["Z1", "Z1a", "Z2"]
    monkeypatch.setattr(params, "MAX_LIMIT", 2)
    clamped = api.get("/ogc/collections/parcels/items", {"limit": "50000"}).json()
    assert clamped["numberReturned"] == 2 and clamped["links"][1]["href"].endswith("items?limit=50000&offset=2")


def test_bbox_filters_and_datetime(api):
    assert ids(api.get("/ogc/collections/parcels/items", {"bbox": "112,37.5,113,38"})) == ["P1", "P2"]
    assert ids(api.get("/ogc/collections/parcels/items", {"bbox": "37.5,112,38,113", "bbox-crs": CRS4490})) == [
        "P1", "P2"]  # fmt: skip
    assert ids(api.get("/ogc/collections/parcels/items", {"chain": "氢能"})) == ["P3"]
    assert ids(api.get("/ogc/collections/projects/items", {"city_adcode": "140700", "stage": "signed"})) == ["J5"]
    assert ids(api.get("/ogc/collections/zones/items", {"zone_id": "Z1"})) == ["Z1", "Z1a"]
    assert ids(api.get("/ogc/collections/projects/items", {"datetime": "2023-01-01/.."})) == ["J1", "J2"]
    assert ids(api.get("/ogc/collections/projects/items", {"datetime": "../2023-05-01"})) == ["J1", "J5"]
    assert ids(api.get("/ogc/collections/projects/items", {"datetime": "2023-05-01T08:00:00+08:00"})) == ["J1"]
    props = api.get("/ogc/collections/projects/items/J1").json()["properties"]
    assert props["signed_date"] == SIGNED["J1"]


def test_crs84_by_default_and_4490_in_latitude_longitude_order(api):
    default = api.get("/ogc/collections/projects/items/J1")
    assert default.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert default.json()["geometry"]["coordinates"] == [112.55, 37.8]
    cgcs = api.get("/ogc/collections/projects/items/J1", {"crs": CRS4490})
    assert cgcs.headers["content-crs"] == f"<{CRS4490}>"
    assert cgcs.json()["geometry"]["coordinates"] == [37.8, 112.55]
    page = api.get("/ogc/collections/parcels/items", {"crs": CRS4490, "limit": "1"})
    assert page.headers["content-crs"] == f"<{CRS4490}>"
    assert page.json()["features"][0]["geometry"]["coordinates"][0][0][0] == [37.78, 112.52]


def test_private_fields_only_for_signed_in_callers(shared_store):
    public = client(shared_store).get("/ogc/collections/parcels/items/P1").json()["properties"]
    assert "land_holder" not in public and "land_price" not in public and public["area_mu"] == 100.0
    signed_in = client(shared_store, visitor=False).get("/ogc/collections/parcels/items/P1").json()["properties"]
    assert (signed_in["land_holder"], signed_in["land_price"]) == ("山西某某新能源有限公司", 1234.5)
    page = client(shared_store).get("/ogc/collections/parcels/items").json()
    assert not any("land_holder" in f["properties"] for f in page["features"])


def test_tiles_with_filters_etag_and_an_edit(map_store):
    api = client(map_store)
    tile = api.get(P1_PATH, {"f": "mvt"})
    assert tile.status_code == 200 and tile.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert tile.headers["cache-control"] == "no-cache"
    features = mapbox_vector_tile.decode(tile.content)["parcels"]["features"]
    assert sorted(f["properties"]["id"] for f in features) == ["P1", "P2"]
    solar = mapbox_vector_tile.decode(api.get(P1_PATH, {"chain": "光伏"}).content)["parcels"]["features"]
    assert [f["properties"]["id"] for f in solar] == ["P1"]
    versioned = api.get(P1_PATH, {"f": "mvt", "v": "2026-12-06 12:00", "chain": "光伏"})  # the map's address
    assert versioned.status_code == 200 and versioned.content == api.get(P1_PATH, {"chain": "光伏"}).content
    assert api.get(P1_PATH, {"v": "9" * 81}).status_code == 400
    etag = tile.headers["etag"]
    again = api.get(P1_PATH, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    map_store.apply_edit(Edit("parcels", "P1", {"supply_status": "started"}, 0, "张三", ""))
    after = api.get(P1_PATH, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    status = {f["properties"]["id"]: f["properties"]["supply_status"] for f in
              mapbox_vector_tile.decode(after.content)["parcels"]["features"]}  # fmt: skip
    assert status["P1"] == "started"
    empty = api.get("/ogc/collections/parcels/tiles/WebMercatorQuad/12/100/100")
    assert empty.status_code == 200 and empty.content == b""
    tilesets = api.get("/ogc/collections/parcels/tiles").json()["tilesets"]
    template = next(link["href"] for link in tilesets[0]["links"] if link["rel"] == "item")
    assert template.endswith("/ogc/collections/parcels/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}?f=mvt")


def test_a_tile_is_encoded_once_per_data_version(map_store, monkeypatch):
    calls = []
    encode = map_store.tile
    monkeypatch.setattr(map_store, "tile", lambda *args: calls.append(args) or encode(*args))
    api = client(map_store)
    first, second = api.get(P1_PATH).content, api.get(P1_PATH).content
    assert first == second and len(calls) == 1
    map_store.apply_edit(Edit("parcels", "P2", {"supply_status": "sold"}, 0, "张三", ""))
    after = mapbox_vector_tile.decode(api.get(P1_PATH).content)["parcels"]["features"]
    assert len(calls) == 2 and {f["properties"]["id"]: f["properties"]["supply_status"] for f in after}["P2"] == "sold"


def test_the_tile_cache_keeps_to_its_byte_budget():
    cache = TileCache(10)
    cache.put("a", b"123456")
    cache.put("b", b"abc")
    assert cache.get("a") == b"123456"  # a is now the most recently used
    cache.put("c", b"xyz")  # 12 bytes: b, the least recently used, goes
    assert (cache.get("a"), cache.get("b"), cache.get("c"), cache.used) == (b"123456", None, b"xyz", 9)
    cache.put("big", b"x" * 11)
    assert cache.get("big") is None and cache.used == 9


def test_a_feature_page_revalidates_with_its_etag(map_store):
    api = client(map_store)
    first = api.get("/ogc/collections/parcels/items/P4")
    assert (
        api.get("/ogc/collections/parcels/items/P4", headers={"If-None-Match": first.headers["etag"]}).status_code
        == 304
    )
    map_store.apply_edit(Edit("parcels", "P4", {"note": "已报批"}, 0, "张三", ""))
    fresh = api.get("/ogc/collections/parcels/items/P4", headers={"If-None-Match": first.headers["etag"]})
    assert fresh.status_code == 200 and fresh.json()["properties"]["note"] == "已报批"


TILES = "/ogc/collections/parcels/tiles/WebMercatorQuad"
HOSTILE = [
    (f"{TILES}/-1/0/0", {}, 400), (f"{TILES}/a/0/0", {}, 400), (f"{TILES}/{'9' * 50}/0/0", {}, 400),
    (f"{TILES}/23/0/0", {}, 404), (f"{TILES}/3/8/0", {}, 404), (f"{TILES}/3/0/8", {}, 404),
    (f"{TILES}/3/0/0.5", {}, 400), (f"{TILES}/3/0/0", {"f": "png"}, 400), (f"{TILES}/3/0/0", {"chain": "煤炭"}, 400),
    (f"{TILES}/3/0/0", {"stage": "signed"}, 400), (f"{TILES}/3/0/0", {"zone_id": "' OR 1=1 --"}, 400),
    (f"{TILES}/3/0/0", {"bbox": "1,2,3,4"}, 400), ("/ogc/collections/roads/tiles/WebMercatorQuad/0/0/0", {}, 404),
    ("/ogc/collections/parcels/items", {"bbox": "nan,37,113,38"}, 400),
    ("/ogc/collections/parcels/items", {"bbox": "113,37,112,38"}, 400),  # inverted
    ("/ogc/collections/parcels/items", {"bbox": "-1e308,-90,1e308,90"}, 400),
    ("/ogc/collections/parcels/items", {"bbox": "1e999,1,2,3"}, 400),
    ("/ogc/collections/parcels/items", {"bbox": "112,37,113"}, 400),
    ("/ogc/collections/parcels/items", {"bbox": "inf,37,113,38"}, 400),
    ("/ogc/collections/parcels/items", {"bbox": "0x10,37,113,38"}, 400),
    ("/ogc/collections/projects/items", {"bbox-crs": "f"}, 400),  # checked without a bbox too (schemathesis)
    ("/ogc/collections/parcels/items", {"limit": "0"}, 400), ("/ogc/collections/parcels/items", {"limit": "-5"}, 400),
    ("/ogc/collections/parcels/items", {"limit": "1e3"}, 400),
    ("/ogc/collections/parcels/items", {"limit": "9" * 400}, 400),
    ("/ogc/collections/parcels/items", {"offset": "-1"}, 400),
    ("/ogc/collections/parcels/items", {"chain": "煤炭"}, 400),
    ("/ogc/collections/parcels/items", {"supply_status": "stolen"}, 400),
    ("/ogc/collections/parcels/items", {"is_standard_land": "yes"}, 400),
    ("/ogc/collections/parcels/items", {"datetime": "2023-01-01"}, 400),  # parcels are not dated
    ("/ogc/collections/projects/items", {"datetime": "2023-02-30"}, 400),
    ("/ogc/collections/projects/items", {"datetime": "2024-01-01/2023-01-01"}, 400),
    ("/ogc/collections/projects/items", {"datetime": "yesterday"}, 400),
    ("/ogc/collections/projects/items", {"crs": "EPSG:3857"}, 400),
    ("/ogc/collections/projects/items", {"f": "html"}, 400),
    ("/ogc/collections/projects/items", {"sortby": "name"}, 400),
    ("/ogc/collections/projects/items", [("limit", "1"), ("limit", "2")], 400),
    ("/ogc/collections/projects/items/J999", {}, 404),
    ("/ogc/collections/projects/items/" + "x" * 5000, {}, 404),
    ("/ogc/nowhere", {}, 404),
]  # fmt: skip


@pytest.mark.parametrize(("path", "params", "status"), HOSTILE)
def test_hostile_requests_get_4xx_json_never_a_traceback(shared_store, path, params, status):
    reply = client(shared_store).get(path, params)
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["code"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["description"])
    assert "Traceback" not in reply.text


def test_store_failures_are_503_and_bugs_500_without_details(map_store, monkeypatch, caplog):
    def broken():
        raise StoreError("无法连接数据库服务器")

    down = Client(Starlette(routes=ogc.routes(broken)))
    reply = down.get("/ogc/collections/parcels/items")
    assert reply.status_code == 503 and reply.json()["description"] == "无法连接数据库服务器"

    def bug(*args):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(type(map_store), "tile", bug)
    reply = client(map_store).get(P1_PATH)
    assert reply.status_code == 500 and "secret" not in reply.text and "Traceback" not in reply.text
    assert "secret internals" in caplog.text  # the details go to the log


def test_the_setting_switches_the_api_off(shared_store, monkeypatch):
    monkeypatch.setenv("ZONEMAP_OGC_API", "off")
    api = client(shared_store)
    for path in ("/ogc/", "/ogc/collections", P1_PATH, "/ogc/collections/parcels/items"):
        assert api.get(path).status_code == 404
    monkeypatch.setenv("ZONEMAP_OGC_API", "on")
    assert api.get("/ogc/collections").status_code == 200


READ_WITH_GDAL = textwrap.dedent(
    """
    import json, sys
    import pyogrio
    url = sys.argv[1]
    out = {}
    for layer in ("zones", "parcels", "projects"):
        frame = pyogrio.read_dataframe(url, layer=layer)
        area = float(frame.to_crs("EPSG:4527").area.sum()) if layer != "projects" else 0.0
        out[layer] = {"ids": sorted(frame["id"]), "area": area, "bounds": [float(v) for v in frame.total_bounds],
                      "columns": sorted(frame.columns)}
    print(json.dumps(out))
    """
)


def test_gdal_reads_every_collection_through_its_oapif_driver(shared_store):
    """Counts, ids, areas (EPSG:4527, m²) and bounds as GDAL's OAPIF driver sees them (it asks for storageCrs 4490)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=ogc.routes(lambda: shared_store)), host="127.0.0.1",
                                           port=port, log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_", "OGR_"))}
        run = subprocess.run([sys.executable, "-c", READ_WITH_GDAL, f"OAPIF:http://127.0.0.1:{port}/ogc"], env=env,
                             cwd=REPO, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        seen = json.loads(run.stdout)
    finally:
        server.should_exit = True
        thread.join(10)
    expected = {layer: shared_store.read(layer) for layer in ("zones", "parcels", "projects")}
    for layer, frame in expected.items():
        key = {"zones": "zone_id", "parcels": "parcel_id", "projects": "project_id"}[layer]
        assert seen[layer]["ids"] == sorted(frame[key]), layer
        if layer != "projects":
            assert seen[layer]["area"] == pytest.approx(float(frame.to_crs("EPSG:4527").area.sum()), rel=1e-9)
        assert seen[layer]["bounds"] == pytest.approx(list(frame.total_bounds), abs=1e-9)
    assert "land_holder" not in seen["parcels"]["columns"]
