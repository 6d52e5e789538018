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
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

from geodata.dataset import load_dataset
from geodata.query import Filters, apply_filters
from geodata.sample.synth import write_synth
from geodata.store import GpkgStore
from layers.overview import SHANXI_BOUNDS, build_map
from layers.viewport import LARGE
from tests.harness import REPO, block_external, free_port, launch, leaflet_counts, wait_healthy

OUT = REPO / "var" / "bench"
ZONE = "JCJK"  # 晋城经开区: zoomed to in the zoom test
SET_VIEW_JS = """([lat, lng, z]) => { const w = [...document.querySelectorAll('iframe')].map(f => f.contentWindow)
  .find(w => w && w.map_div); w.map_div.setView([lat, lng], z, {animate: false}); return true; }"""


@contextmanager
def server(app: str, data: Path):
    """A Streamlit server on ``data``; yields (url, pid).

    Streamlit serves ``static/`` next to the main script, so the baseline runs from a
    temp folder linking to bench/naive_app.py and to the repo's static/ (Leaflet assets).
    """
    if app != "app.py":
        home = Path(tempfile.mkdtemp(prefix="zonemap-naive-"))
        (home / "static").symlink_to(REPO / "static")
        (home / Path(app).name).symlink_to(REPO / app)
        app = str(home / Path(app).name)
    port = free_port()
    env = dict(os.environ, ZONEMAP_DATA=str(data), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    cmd = [sys.executable, "scripts/serve.py", app, "--server.port", str(port), "--server.headless", "true"]
    log = tempfile.TemporaryFile()  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, 120)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def drawn(page) -> dict:
    return leaflet_counts(page)["layers"]


def wait_for(page, predicate, timeout: float) -> float | None:
    """Seconds until ``predicate(layers)`` holds (None after ``timeout``)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate(drawn(page)):
            return time.monotonic() - t0
        page.wait_for_timeout(50)
    return None


def has_data(layers: dict) -> bool:
    return any(layers.get(k, 0) for k in ("parcels", "parcels_cell", "projects", "projects_cell"))


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


def _done(value, timeout: float) -> bool:
    return value is not None and value <= timeout


def fmt(value, timeout: float, digits: int = 2) -> str:
    if not _done(value, timeout):
        seen = "" if value is None else f"，测得 {value:.0f}"
        return f"> {timeout:.0f}（未在 {timeout:.0f} 秒内完成{seen}，按 {timeout:.0f} 计）"
    return f"{value:.{digits}f}"


def capped(value, timeout: float) -> float:
    return value if _done(value, timeout) else timeout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    with sync_playwright() as p:
        browser = launch(p)
        for n in a.sizes:
            path = OUT / f"synth_{n}.gpkg"
            if not path.exists():
                write_synth(path, n, n // 10, seed=1)
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
