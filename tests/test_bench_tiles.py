"""Smoke test of bench/tiles.py on the small hand-made store, both backends: every zoom and page answered."""

from __future__ import annotations

from starlette.applications import Starlette

import ogc
from bench.tiles import ZOOMS, bench_items, bench_tiles, tile_paths
from testing.asgi import Client


def test_the_tile_bench_measures_every_zoom_and_page(shared_store):
    client = Client(Starlette(routes=ogc.routes(lambda: shared_store, tile_cache_bytes=0)))
    cached = Client(Starlette(routes=ogc.routes(lambda: shared_store)))
    paths = tile_paths(shared_store, 2)
    rows = bench_tiles(client, cached, paths)
    assert [r["zoom"] for r in rows] == list(ZOOMS)
    assert all(r["tiles"] >= 1 and r["cold_p50"] > 0 and r["kb_max"] > 0 for r in rows)  # a parcel under each
    pages = {r["page"]: r for r in bench_items(client)}
    assert pages["offset 0"]["matched"] == pages["offset 0"]["returned"] == 4
    assert pages["offset 50 000"]["returned"] == 0
