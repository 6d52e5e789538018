"""Province scale: zonemap's viewport map against a naive folium map of every feature.

    .venv/bin/python -m bench.map_scale [--sizes 1000 10000 100000] [--timeout 120]

For each size a synthetic store is generated (``python -m geodata synth``, parcels
and a tenth as many projects, cached in var/bench/) and both apps are served by
real Streamlit servers and driven by headless Debian Chromium with every
non-localhost request blocked:

- naive (bench/naive_app.py): the same data, filters and map builder, every
  filtered parcel and project sent to the browser as GeoJSON;
- zonemap (app.py): the overview page, which draws by view above 5 000 records.

Measured, per app and size:

- build: server seconds to build the first map (in this process: folium map +
  HTML for the naive app; index query + view layer + HTML for zonemap);
- sent: what the server sent over the Streamlit websocket for the first map, plus
  the admin base file zonemap has the browser fetch (cached afterwards);
- first visit: seconds from opening the page on a fresh server until Leaflet has
  drawn the data (includes reading the store and building the index);
- first draw: the same on a second visit (data already loaded);
- filter: seconds from picking 市 = 太原市 in the sidebar until the map shows the change;
- zoom: seconds from zooming to one zone at zoom 15 until its parcels are drawn as shapes;
- memory: peak resident memory of the server process (VmHWM).

Where something does not finish within --timeout seconds, the table says so and uses the timeout.
"""

from __future__ import annotations

import argparse
import time

from playwright.sync_api import sync_playwright

from bench.common import SET_VIEW_JS, capped, drawn, fmt, has_data, peak_mb, server, synth_store, wait_for
from bench.common import done as _done
from geodata.dataset import load_dataset
from geodata.query import Filters, apply_filters
from geodata.store import GpkgStore
from layers.overview import SHANXI_BOUNDS, build_map
from layers.viewport import LARGE
from testing.harness import block_external, launch

ZONE = "JCJK"  # 晋城经开区: zoomed to in the zoom test


def measure_browser(browser, url: str, timeout: float, zone_centre) -> dict:
    ctx = browser.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN")
    page = ctx.new_page()
    external: list[str] = []
    block_external(page, external)
    received = [0]
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.__setitem__(0, received[0] + len(p))))

    def data_file(request):  # the admin base file (localhost, cached by the browser afterwards)
        if "/app/static/data/" in request.url:
            received[0] += request.sizes()["responseBodySize"]

    page.on("requestfinished", data_file)
    out: dict = {}
    page.goto(url)
    first = wait_for(page, has_data, timeout)
    page.wait_for_timeout(300)  # the admin file request finishing
    out["first"] = first
    out["bytes"] = received[0]
    if first is None:
        ctx.close()
        return out
    page.wait_for_timeout(1500)  # let the view report settle
    before = drawn(page)
    t0 = time.monotonic()
    city = page.get_by_role("combobox", name="市")
    city.click()
    page.get_by_role("option", name="太原市").click()
    changed = wait_for(page, lambda layers: has_data(layers) and layers != before, timeout)
    out["filter"] = None if changed is None else time.monotonic() - t0
    page.keyboard.press("Escape")
    page.wait_for_timeout(1500)
    city.press("Backspace")  # the zoom target is in 晋城市: clear the city filter first
    page.keyboard.press("Escape")
    wait_for(page, lambda layers: layers == before, timeout)
    page.wait_for_timeout(1500)
    t0 = time.monotonic()
    page.evaluate(SET_VIEW_JS, [zone_centre.y, zone_centre.x, 15])
    zoomed = wait_for(page, lambda layers: layers.get("parcels", 0) > 0 and not layers.get("parcels_cell"), timeout)
    if zoomed is not None:
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    out["zoom"] = None if zoomed is None else time.monotonic() - t0
    out["external"] = len(external)
    ctx.close()
    return out


def server_build(data, naive: bool) -> tuple[float, int]:
    """Seconds and HTML bytes to build the first map in-process."""
    view = apply_filters(data, Filters())
    t0 = time.monotonic()
    if naive or len(data.parcels) + len(data.projects) <= LARGE:  # zonemap draws small data whole, too
        html = build_map(view.layers()).get_root().render()
    else:
        from layers.adminbase import admin_file
        from layers.overview import add_legend, base_map
        from layers.viewmap import view_group
        from layers.viewport import ViewIndex, query_view, snap_view

        index = ViewIndex(data.parcels, data.projects)
        t0 = time.monotonic()  # the index is built once per data version, at load
        result = query_view(index, data.parcels.index.isin(view.parcels.index),
                            data.projects.index.isin(view.projects.index), snap_view(SHANXI_BOUNDS, 7))  # fmt: skip
        fmap = base_map(data.admin, admin_url=admin_file(data.admin))  # as ui.bigmap draws it
        add_legend(fmap, "supply_status")
        view_group(view.zones, data.parcels, data.projects, result, "supply_status").add_to(fmap)
        html = fmap.get_root().render()
    return time.monotonic() - t0, len(html.encode())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    rows = []
    with sync_playwright() as p:
        browser = launch(p)
        for n in a.sizes:
            path = synth_store(n)
            data = load_dataset(GpkgStore(path))
            centre = data.parcels[data.parcels["zone_id"] == ZONE].geometry.union_all().centroid
            for name, app, naive in (("naive", "bench/naive_app.py", True), ("zonemap", "app.py", False)):
                build, html_bytes = server_build(data, naive)
                with server(app, path) as (url, pid):
                    warm = measure_browser(browser, url, a.timeout, centre)  # loads the data into the server
                    again = _done(warm.get("first"), a.timeout)
                    m = measure_browser(browser, url, a.timeout, centre) if again else warm
                    m["visit1"] = warm.get("first")
                    m["memory"] = peak_mb(pid)
                rows.append((n, name, build, html_bytes, m))
                print(n, name, f"build {build:.2f}s", m, flush=True)
        browser.close()
    print()
    columns = ["parcels", "app", "build (s)", "map HTML (MB)", "sent (MB)", "first visit (s)", "first draw (s)",
               "filter (s)", "zoom (s)", "peak memory (MB)"]  # fmt: skip
    print("| " + " | ".join(columns) + " |")
    print("|---:|---|" + "---:|" * (len(columns) - 2))
    for n, name, build, html_bytes, m in rows:
        times = " | ".join(fmt(m.get(k), a.timeout) for k in ("visit1", "first", "filter", "zoom"))
        print(f"| {n:,} | {name} | {build:.2f} | {html_bytes / 1e6:.2f} | {m.get('bytes', 0) / 1e6:.2f} | {times} | "
              f"{m.get('memory', float('nan')):.0f} |")  # fmt: skip
    print()
    print("| parcels | first draw: naive ÷ zonemap | build: naive ÷ zonemap |")
    print("|---:|---:|---:|")
    by = {(n, name): (build, m) for n, name, build, _, m in rows}
    for n in a.sizes:
        (nb, nm), (zb, zm) = by[(n, "naive")], by[(n, "zonemap")]
        nf, zf = capped(nm.get("first"), a.timeout), capped(zm.get("first"), a.timeout)
        print(f"| {n:,} | {nf / zf:.1f}× | {nb / max(zb, 1e-6):.1f}× |")


if __name__ == "__main__":
    main()
