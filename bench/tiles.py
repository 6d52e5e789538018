"""Vector tiles, OGC API pages and the overview's first draw at province and national scale (``make bench-tiles``).

Sizes: ``BENCH_TILES_SIZES`` (default ``100000,1000000`` parcels, a tenth as many
projects). Each synthetic store (``geodata synth``, seed 1) is generated once into
var/bench/ (keyed by size and seed) and copied once into a kept PostGIS database
``zonemap_bench_{size}_s{seed}`` (then ``ANALYZE``), so reruns start at once.
Figures go to bench/README.md. Requests go through the OGC API routes in-process (the ASGI app,
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
  0.2° box, cold (first) and warm (three more);
* first draw of the overview page (``scripts/serve.py app.py``, GeoPackage and PostGIS, each size) in headless
  Chromium, against a bare Streamlit page (bench/hello_app.py started the same way) in the same run: the server
  started and its warm start done, then the time from ``page.goto`` until the map iframe has a
  ``.leaflet-container`` with at least one drawn shape — a ``path`` or ``canvas`` in its overlay pane or a
  loaded vector tile (``L.vectorGrid`` draws each tile as an ``svg`` or ``canvas`` with class ``leaflet-tile``) —
  or, for the bare page, its title; the median of :data:`DRAWS` page loads, each in a fresh browser page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

from starlette.applications import Starlette

import ogc
from bench.common import server, synth_database, synth_store
from geodata.store import Store, open_store
from testing.asgi import Client
from testing.mapdata import tile_of

ZOOMS = (8, 11, 14, 16)
TILES_PER_ZOOM = 20
REPEATS = 3
SIZES = "100000,1000000"  # BENCH_TILES_SIZES
DRAWS = 3  # page loads per first-draw figure
DRAW_TIMEOUT = 180.0
WARM_TIMEOUT = 1200.0
# Any frame: a Leaflet map with something drawn over it (today's folium layers or vector-grid tiles).
DRAWN_JS = """() => [...document.querySelectorAll('.leaflet-container')].some(map =>
  map.querySelector('.leaflet-overlay-pane path, .leaflet-overlay-pane canvas, .leaflet-marker-pane > *,'
    + ' .leaflet-tile-loaded path, canvas.leaflet-tile.leaflet-tile-loaded, svg.leaflet-tile path'))"""


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
    """Tiles under ``n`` random parcels per zoom (distinct), as API paths (parcels read a chunk at a time)."""
    total = sum(len(chunk) for chunk in store.read_chunks("parcels"))
    rng = random.Random(seed)
    wanted = sorted(rng.sample(range(total), min(n, total)))
    picks, start = [], 0
    for chunk in store.read_chunks("parcels"):
        here = [i - start for i in wanted if start <= i < start + len(chunk)]
        picks += list(chunk.geometry.iloc[here].representative_point())
        start += len(chunk)
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


def _until_warm(log: Path, timeout: float) -> float:
    """Seconds until the app server's log says its warm start is done (or failed)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        text = log.read_text(errors="replace") if log.exists() else ""
        if "warm start:" in text or "warm start failed" in text:
            return time.monotonic() - t0
        time.sleep(0.5)
    return float("nan")


def first_draw(app: str, data: str | None, ready_js: str) -> dict:
    """Start ``app`` on ``data``, wait for its warm start, then time :data:`DRAWS` page loads until ``ready_js``."""
    from playwright.sync_api import sync_playwright

    from bench.common import memory_mb
    from testing.harness import block_external, launch

    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"zonemap-bench-tiles-{os.getpid()}-{time.monotonic_ns()}.log"
    t0 = time.monotonic()
    try:
        with server(app, Path(data) if data and not data.startswith("postgresql") else None,
                    env={"ZONEMAP_DATA": data} if data else None, log_path=log) as (url, pid):  # fmt: skip
            healthy = time.monotonic() - t0
            warm = _until_warm(log, WARM_TIMEOUT) + healthy if app == "app.py" else healthy
            draws, external = [], []
            with sync_playwright() as p:
                browser = launch(p)
                for _ in range(DRAWS):
                    page = browser.new_page(viewport={"width": 1400, "height": 900})
                    block_external(page, external)
                    page.goto(url)
                    draws.append(_wait_js(page, ready_js, DRAW_TIMEOUT) if ready_js else _hello(page))
                    page.close()
                browser.close()
            mem = memory_mb(pid)
            return {"healthy_s": healthy, "warm_s": warm, "draw_s": statistics.median(draws), "draws": draws,
                    "rss_mb": mem["rss"], "peak_mb": mem["hwm"], "external": len(external)}  # fmt: skip
    finally:
        log.unlink(missing_ok=True)


def _hello(page) -> float:
    start = time.monotonic()
    page.get_by_text("你好，开发区").first.wait_for(timeout=60_000)
    return time.monotonic() - start


def _wait_js(page, js: str, timeout: float) -> float:
    """Seconds from now until ``js`` is true in any frame of ``page`` (nan after ``timeout``)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        for frame in page.frames:
            try:
                if frame.evaluate(js):
                    return time.monotonic() - start
            except Exception:  # a frame navigating or gone
                continue
        page.wait_for_timeout(50)
    return float("nan")


def sizes() -> list[int]:
    return [int(v) for v in os.environ.get("BENCH_TILES_SIZES", SIZES).replace("_", "").split(",") if v.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-postgis", action="store_true", help="only the GeoPackage")
    parser.add_argument("--no-draw", action="store_true", help="no first-draw figures (no browser)")
    args = parser.parse_args()
    draws = []
    if not args.no_draw:
        bare = first_draw("bench/hello_app.py", None, "")
        draws.append(("bare Streamlit page (bench/hello_app.py)", "", 0, bare))
    for n in sizes():
        path = synth_store(n)
        stores = [("GeoPackage", str(path))]
        if not args.no_postgis:
            stores.append(("PostGIS", synth_database(n)))
        paths = tile_paths(open_store(path), TILES_PER_ZOOM)
        for label, location in stores:
            run(open_store(location), f"{label}, {n:,} parcels", paths)
            if not args.no_draw:
                draw = first_draw("app.py", location, DRAWN_JS)
                draws.append((f"overview, {label}, {n:,} parcels", label, n, draw))
    if draws:
        print_draws(draws)


def print_draws(draws: list[tuple[str, str, int, dict]]) -> None:
    """The first-draw table: each page against the bare page and against 100 000 parcels on the same store."""
    bare = next((r["draw_s"] for _, store, _, r in draws if not store), float("nan"))
    small = {store: r["draw_s"] for _, store, n, r in draws if n == 100_000}
    print("\n### First draw of the overview page (warm server)\n")
    print("| page | server healthy (s) | warm start done (s) | first draw median (s) | × bare page "
          "| × 100 000 same store | server RSS (MB) | peak RSS (MB) | external requests |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, store, _, r in draws:
        vs_small = r["draw_s"] / small[store] if store in small else float("nan")
        print(f"| {label} | {r['healthy_s']:.1f} | {r['warm_s']:.1f} | {r['draw_s']:.2f} | {r['draw_s'] / bare:.2f} "
              f"| {vs_small:.2f} | {r['rss_mb']:.0f} | {r['peak_mb']:.0f} | {r['external']} |")  # fmt: skip


if __name__ == "__main__":
    main()
