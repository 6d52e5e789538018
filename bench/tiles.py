"""Vector tiles and OGC API pages at province scale (``make bench-tiles``; figures in bench/README.md).

The synthetic store of 100 000 parcels (``geodata synth``, seed 1, cached in
var/bench/) as a GeoPackage and copied into a new PostGIS database (then
``ANALYZE``). Requests go through the OGC API routes in-process (the ASGI app,
no network), so a figure includes the data-version check, the ETag and the
query/encoding, not the browser.

* tiles: for each zoom, the tiles under up to 20 randomly chosen parcels;
  *cold* = the first request of each tile in this process (the database's and
  the OS's caches may hold pages from earlier tiles: not dropped), *warm* = the
  same tiles requested again three times (the server's tile cache off: query
  and encoding each time), *cached* = the same with the tile cache on (what a
  second office asking for the same tile waits), *304* = a request with the ETag;
* bytes per tile (mean and largest);
* ``/items?limit=1000`` pages of parcels at offset 0 and 50 000 and inside a
  0.2° box, cold (first) and warm (three more).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from starlette.applications import Starlette

import ogc
from bench.common import synth_store
from geodata.store import Store, open_store
from geodata.store.copy import copy_store
from testing.asgi import Client
from testing.mapdata import tile_of

ZOOMS = (8, 11, 14, 16)
TILES_PER_ZOOM = 20
REPEATS = 3


def _ms(seconds: list[float], q: float) -> float:
    ordered = sorted(seconds)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed(client: Client, path: str, params=None, headers=None) -> tuple[float, object]:
    start = time.perf_counter()
    reply = client.get(path, params, headers)
    elapsed = time.perf_counter() - start
    if reply.status_code not in (200, 304):
        raise SystemExit(f"{path}: HTTP {reply.status_code} {reply.text[:200]}")
    return elapsed, reply


def tile_paths(store: Store, n: int, seed: int = 1) -> dict[int, list[str]]:
    """Tiles under ``n`` random parcels per zoom (distinct), as API paths."""
    parcels = store.read("parcels")
    rng = random.Random(seed)
    points = parcels.geometry.representative_point()
    picks = [points.iloc[i] for i in rng.sample(range(len(parcels)), n)]
    out = {}
    for z in ZOOMS:
        tiles = dict.fromkeys(tile_of(p.x, p.y, z) for p in picks)
        out[z] = [f"/ogc/collections/parcels/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}" for t in tiles]
    return out


def bench_tiles(client: Client, cached: Client, paths: dict[int, list[str]]) -> list[dict]:
    """``client`` without a tile cache (cold, warm, 304), ``cached`` with one (the repeat requests)."""
    rows = []
    for z, tiles in paths.items():
        cold, warm, hits, revalidate, sizes = [], [], [], [], []
        for path in tiles:
            elapsed, reply = _timed(client, path)
            cold.append(elapsed)
            sizes.append(len(reply.content))
            etag = reply.headers["etag"]
            for _ in range(REPEATS):
                warm.append(_timed(client, path)[0])
            _timed(cached, path)
            hits += [_timed(cached, path)[0] for _ in range(REPEATS)]
            revalidate.append(_timed(client, path, headers={"If-None-Match": etag})[0])
        rows.append({"zoom": z, "tiles": len(tiles), "cold_p50": _ms(cold, 0.5), "cold_p95": _ms(cold, 0.95),
                     "warm_p50": _ms(warm, 0.5), "warm_p95": _ms(warm, 0.95), "cached_p50": _ms(hits, 0.5),
                     "not_modified_p50": _ms(revalidate, 0.5), "kb_mean": statistics.mean(sizes) / 1024,
                     "kb_max": max(sizes) / 1024})  # fmt: skip
    return rows


def bench_items(client: Client) -> list[dict]:
    cases = [
        ("offset 0", {"limit": "1000"}),
        ("offset 50 000", {"limit": "1000", "offset": "50000"}),
        ("bbox 0.2° (太原)", {"limit": "1000", "bbox": "112.45,37.75,112.65,37.95"}),
    ]
    rows = []
    for name, query in cases:
        cold, reply = _timed(client, "/ogc/collections/parcels/items", query)
        warm = [_timed(client, "/ogc/collections/parcels/items", query)[0] for _ in range(REPEATS)]
        body = reply.json()
        rows.append({"page": name, "returned": body["numberReturned"], "matched": body["numberMatched"],
                     "cold_ms": cold * 1000, "warm_p50": _ms(warm, 0.5), "kb": len(reply.content) / 1024})  # fmt: skip
    return rows


def run(store: Store, label: str, paths: dict[int, list[str]]) -> None:
    client = Client(Starlette(routes=ogc.routes(lambda: store, tile_cache_bytes=0)))
    cached = Client(Starlette(routes=ogc.routes(lambda: store)))
    print(f"\n### {label}\n")
    print("| zoom | tiles | cold p50 (ms) | cold p95 (ms) | warm p50 (ms) | warm p95 (ms) | cached p50 (ms) "
          "| 304 p50 (ms) | kB/tile mean | kB/tile max |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in bench_tiles(client, cached, paths):
        print(f"| {r['zoom']} | {r['tiles']} | {r['cold_p50']:.0f} | {r['cold_p95']:.0f} | {r['warm_p50']:.0f} "
              f"| {r['warm_p95']:.0f} | {r['cached_p50']:.1f} | {r['not_modified_p50']:.1f} | {r['kb_mean']:.1f} "
              f"| {r['kb_max']:.1f} |")  # fmt: skip
    print("\n| items page (limit 1000) | returned | matched | cold (ms) | warm p50 (ms) | kB |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in bench_items(client):
        print(f"| {r['page']} | {r['returned']} | {r['matched']} | {r['cold_ms']:.0f} | {r['warm_p50']:.0f} "
              f"| {r['kb']:.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--no-postgis", action="store_true", help="only the GeoPackage")
    args = parser.parse_args()
    path = synth_store(args.parcels)
    gpkg = open_store(path)
    paths = tile_paths(gpkg, TILES_PER_ZOOM)
    run(gpkg, f"GeoPackage, {args.parcels:,} parcels", paths)
    if args.no_postgis:
        return
    import psycopg

    from testing.pg import fresh_database, server_url

    with fresh_database(server_url()) as url:
        start = time.perf_counter()
        copy_store(str(path), url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        print(f"\n(copied into PostGIS in {time.perf_counter() - start:.0f} s)")
        run(open_store(url), f"PostGIS, {args.parcels:,} parcels", paths)


if __name__ == "__main__":
    main()
