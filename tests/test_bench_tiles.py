"""Smoke test of bench/tiles.py on the small hand-made store, both backends: every zoom and page answered."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

import ogc
from bench.tiles import DRAWN_JS, ZOOMS, bench_items, bench_tiles, tile_paths
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


@pytest.mark.browser
def test_map_drawn_means_a_leaflet_map_with_shapes_of_either_kind(page):
    """bench/tiles.py's first-draw signal: folium's SVG paths or canvas, or loaded vector-grid tiles; not an empty map
    nor a map whose vector tiles are still loading, nor shapes outside a map."""
    m, o, t = '<div class="leaflet-container">', '<div class="leaflet-overlay-pane">', '<div class="leaflet-tile-pane">'
    drawn = {
        f'{m}{o}<svg><path d="M0 0L1 1"/></svg></div></div>': True,  # folium, SVG renderer
        f"{m}{o}<canvas></canvas></div></div>": True,  # folium, canvas renderer
        f'{m}{t}<canvas class="leaflet-tile leaflet-tile-loaded"></canvas></div></div>': True,  # vector grid, canvas
        f'{m}{t}<div class="leaflet-layer"><svg class="leaflet-tile leaflet-tile-loaded"><g><path d="M0 0L1 1"/>'
        "</g></svg></div></div></div>": True,  # vector grid, SVG tiles
        f'{m}{o}</div>{t}<canvas class="leaflet-tile"></canvas></div></div>': False,  # tiles still loading
        f'{m}{o}</div></div><svg><path d="M0 0"/></svg>': False,  # a shape, not on a map
    }
    for html, expected in drawn.items():
        page.set_content(html)
        assert page.evaluate(DRAWN_JS) is expected, html
