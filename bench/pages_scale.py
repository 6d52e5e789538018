"""Every page at province scale: what a planner waits for and what the server sends, 1k/10k/100k parcels.

    .venv/bin/python -m bench.pages_scale [--sizes 1000 10000 100000] [--timeout 120] [--quick]
                                          [--concurrent-seconds 60] [--no-naive] [--no-concurrent]

Synthetic stores as in bench/map_scale.py (N parcels, N/10 projects, seed 1, cached in var/bench/).
Every page gets its own fresh server (scripts/serve.py, which warms the data at start), driven by
headless Debian Chromium with every non-localhost request blocked. Per size and page:

- cold: a fresh browser opens the page as soon as the server answers its health check, until the
  page has drawn (Leaflet features on the map; the tour's first stop on 观摩会);
- warm: a second fresh browser opens the page (data loaded) until it has drawn;
- sent: bytes the server sent for that warm first view — websocket frames received plus the bodies
  (as sent) of every HTTP response from localhost, until the page settled; a fresh browser context
  has no cache, so this includes Streamlit's own scripts, styles and fonts (``/static/``, cached
  after a first visit), which the table also leaves out in a second figure;
- filter: 市 = 太原市 picked in the sidebar until the map shows the change (``filter sent``: the
  websocket bytes of that rerun);
- pick: the third row of the page's linked table clicked until its record is outlined on the map;
- click: a record clicked on the map (zoomed to it first, not timed) until the page shows that
  record's row details (the detail line printed after the table in the same run);
- save: on 标准地供给, signed in, a note saved until 已保存 and the new version are shown;
- memory: the server process's VmRSS after the pass and its VmHWM (peak since start).

A step that fails or does not finish within --timeout seconds is reported as "> timeout"; steps that do
not apply to a page are "—" (no filter or table on 观摩会, no table on 总览地图, saving only on 标准地供给).

Baselines in the same run: the bare Streamlit page bench/hello_app.py (cold, warm, sent, memory;
every time is also given as a multiple of its warm first draw) and, per size, the naive folium app
of bench/map_scale.py (every feature sent; first draw, sent, memory), against 总览地图.

Then 5 browser contexts on the 100k store (one server) each cycle for --concurrent-seconds through
总览地图, 标准地供给, 三个一批 and 闲置土地盘活: open the page, pick a city, clear it; reported are the
server's peak VmRSS (sampled every 0.25 s), its VmHWM, and p50/p95 of the redraws and first draws.

Results are also written to var/bench/pages_scale.json as they come in.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import re
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

from access import accounts
from bench.common import OUT, SET_VIEW_JS, capped, done, drawn, has_data, memory_mb, server, synth_store, wait_for
from domain.clock import beijing_today
from domain.idle import IdleRules
from domain.scope import PROVINCE
from domain.tracker import Thresholds
from geodata.dataset import load_dataset
from geodata.store import GpkgStore
from reports.renderer import LOCAL_HOSTS
from stats.idle import IDLE_VIEW, classify_parcels
from stats.tracker import judge_projects
from testing.harness import COUNT_JS, block_external, launch, leaflet_counts

PAGES = {  # name: (title, path)
    "overview": ("总览地图", "/"),
    "supply": ("标准地供给", "/supply"),
    "tracker": ("三个一批", "/tracker"),
    "idle": ("闲置土地盘活", "/idle"),
    "tour": ("观摩会", "/tour"),
}
TABLE_PAGES = {"supply", "tracker", "idle"}  # a table linked to the map
CITIES = ["太原市", "大同市", "晋城市", "长治市", "运城市", "临汾市", "晋中市", "吕梁市"]
USER, PASSWORD = "bench", "bench-password-1"
VIEWPORT = {"width": 1400, "height": 950}
MEASURES = ["cold", "warm", "filter", "pick", "click", "save"]

FIND_JS = """([layer, id]) => {
  const f = [...document.querySelectorAll('iframe')].find(f => f.contentWindow && f.contentWindow.map_div);
  if (!f) return false; let hit = false;
  const visit = l => { const p = l.feature && l.feature.properties;
    if (p && p.layer === layer && String(p.id) === id) hit = true; if (l.eachLayer) l.eachLayer(visit); };
  f.contentWindow.map_div.eachLayer(visit); return hit; }"""
POINT_JS = """([lat, lng]) => {
  const f = [...document.querySelectorAll('iframe')].find(f => f.contentWindow && f.contentWindow.map_div);
  f.scrollIntoView({block: 'center'});
  const pt = f.contentWindow.map_div.latLngToContainerPoint([lat, lng]); const r = f.getBoundingClientRect();
  return [r.left + pt.x, r.top + pt.y]; }"""
TOUR_JS = "() => typeof window.zmStop === 'number' ? window.zmStop : null"


class Meter:
    """Bytes the server sent to one page: websocket frames received and HTTP response bodies from localhost.

    Response sizes are read when asked for (read inside the event handler, some were missed); ``frontend`` is
    Streamlit's own scripts, styles and fonts (``/static/``), the same for any Streamlit app and cached by the
    browser after its first visit.
    """

    def __init__(self, page):
        self.ws = 0
        self.requests: list = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("requestfinished", lambda request: self.requests.append(request))

    def _frame(self, payload) -> None:
        self.ws += len(payload) if isinstance(payload, bytes) else len(payload.encode())

    def http(self, frontend: bool | None = None) -> int:
        total = 0
        for request in self.requests:
            url = urlparse(request.url)
            if (url.hostname or "") not in LOCAL_HOSTS:
                continue
            if frontend is not None and url.path.startswith("/static/") != frontend:
                continue
            with contextlib.suppress(Exception):  # the page went away first
                total += request.sizes()["responseBodySize"]
        return total

    def figures(self) -> dict:
        """sent: everything; sent_ws: websocket; sent_frontend: Streamlit's own files."""
        return {"sent": self.ws + self.http(), "sent_ws": self.ws, "sent_frontend": self.http(frontend=True)}


def fresh_page(browser):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = ctx.new_page()
    page.external, page.errors = [], []
    block_external(page, page.external)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return ctx, page, Meter(page)


def tour_stop(page):
    for frame in page.frames:
        try:
            stop = frame.evaluate(TOUR_JS)
        except Exception:  # a frame going away
            continue
        if stop is not None:
            return stop
    return None


def wait_drawn(page, name: str, timeout: float) -> float | None:
    """Seconds until the page has drawn: map features, or the tour's first stop."""
    if name != "tour":
        return wait_for(page, has_data, timeout)
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if tour_stop(page) == 0:
            return time.monotonic() - t0
        page.wait_for_timeout(50)
    return None


def running(page) -> bool:
    """Whether the page's script is running (Streamlit's own attribute on the app root)."""
    try:
        return page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state", timeout=5000) == "running"
    except Exception:  # navigating
        return True


def settle(page, limit: float = 120) -> None:
    """Until the script is not running and the map's counts have not changed for 1 s (at most ``limit`` s)."""
    t0, last, since = time.monotonic(), None, time.monotonic()
    while time.monotonic() - t0 < limit:
        now = leaflet_counts(page)
        if now != last or running(page):
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= 1.0:
            return
        page.wait_for_timeout(100)


def timed(fn, timeout: float) -> float | None:
    t0 = time.monotonic()
    try:
        fn()
    except Exception as e:  # Playwright timeout or a missing element: not finished
        print(f"    step failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}", flush=True)
        return None
    elapsed = time.monotonic() - t0
    return elapsed if elapsed <= timeout else None


def filter_city(page, city: str | None, timeout: float) -> float | None:
    """Pick ``city`` in the sidebar's 市 filter (None: clear it) until the map changed."""
    before = drawn(page)
    box = page.get_by_role("combobox", name="市", exact=True)
    t0 = time.monotonic()
    if city:
        box.click()
        page.get_by_role("option", name=city, exact=True).click()
    else:
        box.press("Backspace")
    page.keyboard.press("Escape")
    changed = wait_for(page, lambda layers: has_data(layers) and layers != before, timeout)
    return None if changed is None else time.monotonic() - t0


def pick_row(page, timeout: float, row: int = 2) -> float | None:
    """Click the selection cell of the table's ``row`` until the map outlines a record."""
    grid = page.locator('[data-testid="stDataFrame"]:visible').first  # a rerun may leave the old table hidden
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    before = leaflet_counts(page)["highlighted"]
    t0 = time.monotonic()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 35 * row + 17)
    while time.monotonic() - t0 < timeout:
        if leaflet_counts(page)["highlighted"] > before:
            return time.monotonic() - t0
        page.wait_for_timeout(50)
    return None


def click_record(page, candidates: list[dict], timeout: float) -> tuple[float | None, dict | None]:
    """Zoom the map to a candidate not selected yet (not timed), click it, until its detail line (printed after
    the table) shows; returns the seconds and the record clicked."""
    target = next((t for t in candidates if page.get_by_text(t["detail"], exact=False).count() == 0), None)
    if target is None:
        print("    every click target already shown", flush=True)
        return None, None
    page.evaluate(SET_VIEW_JS, [target["lat"], target["lng"], 16])
    t0 = time.monotonic()
    while not page.evaluate(FIND_JS, [target["layer"], target["id"]]):
        if time.monotonic() - t0 > timeout:
            print("    click target never drawn", flush=True)
            return None, target
        page.wait_for_timeout(100)
    settle(page)
    x, y = page.evaluate(POINT_JS, [target["lat"], target["lng"]])
    detail = page.get_by_text(target["detail"], exact=False).first
    return timed(lambda: (page.mouse.click(x, y), detail.wait_for(timeout=timeout * 1000)), timeout), target


def sign_in(page, timeout: float) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_label("用户名").fill(USER)
    sidebar.get_by_label("密码").fill(PASSWORD)
    sidebar.get_by_role("button", name="登录").click()
    sidebar.get_by_text("已登录").wait_for(timeout=timeout * 1000)


def save_note(page, target: dict, timeout: float) -> float | None:
    """Signed in, with ``target`` selected: save a new note until 已保存 and the next version show."""
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="保存修改"))
    form.wait_for(timeout=timeout * 1000)
    form.get_by_label("备注").fill(f"基准测试 {time.time():.0f}")
    settle(page)

    def save():
        form.get_by_role("button", name="保存修改").click()
        page.get_by_text("已保存（第 1 版）").wait_for(timeout=timeout * 1000)
        page.get_by_text(f"（{target['id']}）· 第 1 版", exact=False).first.wait_for(timeout=timeout * 1000)

    return timed(save, timeout)


def targets(path: Path) -> dict[str, list[dict]]:
    """Records per table page to click on the map: mid-sized parcels holding no project (a click there
    selects the parcel, not a marker), idle ones on 闲置土地盘活; projects not ringed as 三未 on 三个一批."""
    data = load_dataset(GpkgStore(path))
    parcels = data.parcels
    holds = parcels.geometry.sindex.query(data.projects.geometry, predicate="within")[1]
    free = parcels.drop(parcels.index[holds])
    free = free[(free["area_mu"] > 20) & (free["area_mu"] < 80)].sort_values("parcel_id")
    idle = classify_parcels(free, beijing_today(), IdleRules())
    idle = idle[idle["idle_class"].isin(IDLE_VIEW)]
    judged = judge_projects(data.projects, beijing_today(), Thresholds())
    calm = judged[judged["sanwei"].isna() & judged["problem"].isna()].sort_values("project_id")

    def parcel(rec, detail):
        pt = rec.geometry.representative_point()
        return {"layer": "parcels", "id": rec["parcel_id"], "lat": pt.y, "lng": pt.x, "detail": detail}

    return {
        "supply": [parcel(s, f"（{s['parcel_id']}）· 第") for _, s in free.head(3).iterrows()],
        "idle": [parcel(i, f"（{i['parcel_id']}）：") for _, i in idle.head(3).iterrows()],
        "tracker": [
            {"layer": "projects", "id": p["project_id"], "lat": p.geometry.y, "lng": p.geometry.x, "detail": d}
            for _, p in calm.head(3).iterrows()
            for d in [f"（{p['project_id']}）"]
        ],
    }


def interact(page, meter: Meter, name: str, target: list[dict] | None, timeout: float, out: dict) -> None:
    """Filter, pick, click and save on a drawn page, as far as they apply; fills ``out``."""
    if name == "tracker":
        page.get_by_role("tab", name="项目", exact=True).click()
        settle(page)
    ws = meter.ws
    out["filter"] = None  # set when done: a step that raises stays "not finished" (✗)
    out["filter"] = filter_city(page, "太原市", timeout)
    settle(page)
    out["filter_sent"] = meter.ws - ws
    out["unfilter"] = filter_city(page, None, timeout)
    settle(page)
    if name in TABLE_PAGES:
        out["pick"] = None
        out["pick"] = pick_row(page, timeout)
        settle(page)
        out["click"] = None
        out["click"], target = click_record(page, target, timeout)
        settle(page)
    if name == "supply" and out.get("click") is not None:
        out["save"] = None
        sign_in(page, timeout)
        settle(page)
        out["save"] = save_note(page, target, timeout)
        settle(page)


def measure_page(browser, name: str, store: Path, target: list[dict] | None, timeout: float, env: dict) -> dict:
    """A fresh server for ``name``: cold visit, then a warm visit with the page's interactions."""
    out: dict = {}
    log = Path(tempfile.mkstemp(prefix=f"zonemap-{name}-", suffix=".log")[1])
    with server("app.py", store, env=env, log_path=log) as (url, pid):
        ctx, page, _ = fresh_page(browser)
        t0 = time.monotonic()
        page.goto(url + PAGES[name][1])
        first = wait_drawn(page, name, timeout)
        out["cold"] = None if first is None else time.monotonic() - t0
        ctx.close()
        ctx, page, meter = fresh_page(browser)
        t0 = time.monotonic()
        page.goto(url + PAGES[name][1])
        first = wait_drawn(page, name, timeout)
        out["warm"] = None if first is None else time.monotonic() - t0
        settle(page)
        out |= meter.figures()
        if out["warm"] is not None and name != "tour":
            try:
                interact(page, meter, name, target, timeout, out)
            except Exception as e:  # a step that could not be done: the rest of the run goes on
                out["failed"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
                print(f"    {name}: {out['failed']}", flush=True)
        out["external"], out["errors"] = len(page.external), page.errors[:3]
        ctx.close()
        out |= memory_mb(pid)
    text = log.read_text(errors="replace")
    if m := re.search(r"warm start: .* ready in ([\d.]+) s", text):
        out["warm_start_s"] = float(m.group(1))
    log.unlink()
    return out


def measure_hello(browser, timeout: float) -> dict:
    out: dict = {}
    with server("bench/hello_app.py", None) as (url, pid):
        for key in ("cold", "warm"):
            ctx, page, meter = fresh_page(browser)
            t0 = time.monotonic()
            page.goto(url)
            page.get_by_text("你好，开发区").first.wait_for(timeout=timeout * 1000)
            out[key] = time.monotonic() - t0
            settle(page, 5)
            out |= meter.figures()
            ctx.close()
        out |= memory_mb(pid)
    return out


def measure_naive(browser, store: Path, timeout: float) -> dict:
    out: dict = {}
    with server("bench/naive_app.py", store) as (url, pid):
        ctx, page, meter = fresh_page(browser)
        t0 = time.monotonic()
        page.goto(url)
        first = wait_for(page, has_data, timeout)
        out["cold"] = None if first is None else time.monotonic() - t0  # a fresh server, as 总览地图's cold visit
        if first is not None:
            settle(page)
        out |= meter.figures()
        ctx.close()
        out |= memory_mb(pid)
    return out


# --- 5 concurrent sessions (async: one browser, five contexts) ---


async def _counts(page) -> dict:
    try:
        return (await page.evaluate(COUNT_JS))["layers"]
    except Exception:  # navigating
        return {}


async def _wait(page, predicate, timeout: float) -> float | None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate(await _counts(page)):
            return time.monotonic() - t0
        await asyncio.sleep(0.05)
    return None


async def _session(browser, url: str, i: int, deadline: float, timeout: float, res: dict) -> None:
    ctx = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = await ctx.new_page()

    async def route(r):
        if urlparse(r.request.url).hostname in LOCAL_HOSTS or r.request.url.startswith(("data:", "blob:")):
            await r.continue_()
        else:
            res["external"] += 1
            await r.abort()

    await page.route("**/*", route)
    cycle = ["overview", "supply", "tracker", "idle"]
    k = i
    while time.monotonic() < deadline:
        name = cycle[k % len(cycle)]
        t0 = time.monotonic()
        try:
            await page.goto(url + PAGES[name][1], timeout=timeout * 1000)
            first = await _wait(page, has_data, timeout)
        except Exception:  # navigation not answered in time
            first = None
        res["first"].append(capped(None if first is None else time.monotonic() - t0, timeout))
        res["timeouts"] += first is None
        await asyncio.sleep(1.0)
        for city in (CITIES[k % len(CITIES)], None):
            if time.monotonic() >= deadline:
                break
            before = await _counts(page)
            box = page.get_by_role("combobox", name="市", exact=True)
            t0 = time.monotonic()
            try:
                if city:
                    await box.click(timeout=timeout * 1000)
                    await page.get_by_role("option", name=city, exact=True).click(timeout=timeout * 1000)
                else:
                    await box.press("Backspace", timeout=timeout * 1000)
                await page.keyboard.press("Escape")
                changed = await _wait(page, lambda layers, b=before: has_data(layers) and layers != b, timeout)
            except Exception:  # a widget not there in time
                changed = None
            res["redraw"].append(capped(None if changed is None else time.monotonic() - t0, timeout))
            res["timeouts"] += changed is None
            await asyncio.sleep(0.5)
        k += 1
    await ctx.close()


async def _concurrent(url: str, pid: int, sessions: int, seconds: float, timeout: float) -> dict:
    from playwright.async_api import async_playwright

    from testing.harness import CHROMIUM_ARGS, chromium_path

    res = {"first": [], "redraw": [], "timeouts": 0, "external": 0, "rss_peak": 0.0}
    stop = asyncio.Event()

    async def sample():
        while not stop.is_set():
            res["rss_peak"] = max(res["rss_peak"], memory_mb(pid)["rss"])
            await asyncio.sleep(0.25)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        sampler = asyncio.create_task(sample())
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_session(browser, url, i, deadline, timeout, res) for i in range(sessions)))
        stop.set()
        await sampler
        await browser.close()
    res["hwm"] = memory_mb(pid)["hwm"]
    return res


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


# --- report ---


def cell(value, timeout: float, base: float | None) -> str:
    if value is None:
        return "✗"
    if not done(value, timeout):
        return f"> {timeout:.0f}"
    return f"{value:.2f}" + (f" ({value / base:.1f}×)" if base else "")


def report(res: dict, timeout: float) -> str:
    hello = res["hello"]
    base_t, base_b, base_m = hello["warm"], hello["sent"], hello["hwm"]
    lines = [
        "Baseline: the bare Streamlit page (bench/hello_app.py): "
        f"cold {hello['cold']:.2f} s, warm {hello['warm']:.2f} s, sent {hello['sent'] / 1e6:.2f} MB "
        f"(websocket {hello['sent_ws'] / 1e3:.1f} kB, Streamlit's own files {hello['sent_frontend'] / 1e6:.2f} MB), "
        f"server RSS {hello['rss']:.0f} MiB (peak {hello['hwm']:.0f} MiB). "
        "Times are given as multiples of its warm first draw, sent and memory as multiples of its figures.",
        "",
        "| parcels | page | cold first visit (s) | warm first draw (s) | filter → redraw (s) | row pick → map (s) "
        "| map click → row (s) | save → visible (s) | sent, first view: all / without Streamlit's files (MB) "
        "| filter sent (MB) "
        "| server RSS / peak (MiB) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, pages in res["sizes"].items():
        for name, m in pages.items():
            if name == "naive":
                continue
            if "sent" not in m:
                lines.append(f"| {int(n):,} | {PAGES[name][0]} | ✗ (see below) |")
                continue
            times = [cell(m.get(k), timeout, base_t) if k in m else "—" for k in MEASURES]
            fsent = f"{m['filter_sent'] / 1e6:.2f}" if "filter_sent" in m else "—"
            lines.append(
                f"| {int(n):,} | {PAGES[name][0]} | " + " | ".join(times) + f" | {m['sent'] / 1e6:.2f} "
                f"({m['sent'] / base_b:.1f}×) / {(m['sent'] - m['sent_frontend']) / 1e6:.2f} | {fsent} "
                f"| {m['rss']:.0f} / {m['hwm']:.0f} ({m['hwm'] / base_m:.1f}×) |"
            )
    failed = [(n, name, m["failed"]) for n, pages in res["sizes"].items() for name, m in pages.items() if "failed" in m]
    lines += ["", "✗: not done within the timeout" + (", or the step failed:" if failed else ".")]
    lines += [f"- {int(n):,} {PAGES[name][0]}: {why}" for n, name, why in failed if name in PAGES]
    naive = {n: p["naive"] for n, p in res["sizes"].items() if "naive" in p}
    if naive:
        lines += [
            "",
            "| parcels | naive folium: first visit (s) | sent (MB) | server peak (MiB) "
            "| first visit: naive ÷ 总览地图 cold | sent: naive ÷ 总览地图 |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for n, m in naive.items():
            ov = res["sizes"][n].get("overview", {})
            ratio = f"{capped(m['cold'], timeout) / ov['cold']:.1f}×" if ov.get("cold") else "—"
            if not done(m["cold"], timeout) and ov.get("cold"):
                ratio = "≥ " + ratio
            lines.append(
                f"| {int(n):,} | {cell(m['cold'], timeout, None)} | {m['sent'] / 1e6:.2f} | {m['hwm']:.0f} | "
                f"{ratio} | {m['sent'] / ov['sent']:.1f}× |"
            )
    if c := res.get("concurrent"):
        lines += [
            "",
            f"{c['sessions']} concurrent sessions, {c['parcels']:,} parcels, {c['seconds']:.0f} s: "
            f"server RSS peak {c['rss_peak']:.0f} MiB (VmHWM {c['hwm']:.0f} MiB; "
            f"{c['hwm'] / base_m:.1f}× the bare page), redraw p50 {pct(c['redraw'], 0.5):.2f} s / "
            f"p95 {'≥ ' if pct(c['redraw'], 0.95) >= timeout else ''}{pct(c['redraw'], 0.95):.2f} s over "
            f"{len(c['redraw'])} redraws "
            f"(p95 {pct(c['redraw'], 0.95) / base_t:.1f}× the bare page's first draw), "
            f"first draw p50 {pct(c['first'], 0.5):.2f} s / p95 {pct(c['first'], 0.95):.2f} s over "
            f"{len(c['first'])} page opens, {c['timeouts']} steps over {timeout:.0f} s (counted as {timeout:.0f} s), "
            f"{c['external']} external requests.",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--quick", action="store_true", help="1k only, one pass per page, no naive app, no concurrency")
    ap.add_argument("--no-naive", action="store_true")
    ap.add_argument("--no-concurrent", action="store_true")
    ap.add_argument("--concurrent-seconds", type=float, default=60)
    ap.add_argument("--sessions", type=int, default=5)
    a = ap.parse_args()
    if a.quick:
        a.sizes, a.no_naive, a.no_concurrent = [1000], True, True
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="zonemap-pages-"))
    accounts_file = folder / "accounts.toml"
    iterations, accounts.ITERATIONS = accounts.ITERATIONS, 1000  # a fast hash: sign-in is not measured
    try:
        accounts.save_account(USER, "基准测试", PASSWORD, accounts_file, scope=PROVINCE)
    finally:
        accounts.ITERATIONS = iterations
    env = {"ZONEMAP_ACCOUNTS": str(accounts_file)}
    res: dict = {"date": dt.date.today().isoformat(), "timeout": a.timeout, "sizes": {}}
    out_json = OUT / "pages_scale.json"

    def dump():
        OUT.mkdir(parents=True, exist_ok=True)
        out_json.write_text(json.dumps(res, ensure_ascii=False, indent=1, default=str))

    with sync_playwright() as p:
        browser = launch(p)
        res["hello"] = measure_hello(browser, a.timeout)
        print("hello", res["hello"], flush=True)
        dump()
        for n in a.sizes:
            path = synth_store(n)
            goals = targets(path)
            pages = res["sizes"].setdefault(str(n), {})
            if not a.no_naive:
                pages["naive"] = measure_naive(browser, path, a.timeout)
                print(n, "naive", pages["naive"], flush=True)
                dump()
            for name in a.pages:
                store = folder / f"{name}_{n}.gpkg"  # a copy: saving changes it
                shutil.copyfile(path, store)
                try:
                    pages[name] = measure_page(browser, name, store, goals.get(name), a.timeout, env)
                except Exception as e:  # e.g. the page never answered: say so, go on with the next
                    pages[name] = {"failed": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}
                store.unlink()
                print(n, name, pages[name], f"[{time.monotonic() - started:.0f} s]", flush=True)
                dump()
        browser.close()
    if not a.no_concurrent:
        n = max(a.sizes)
        with server("app.py", synth_store(n), env=env) as (url, pid):
            c = asyncio.run(_concurrent(url, pid, a.sessions, a.concurrent_seconds, a.timeout))
        res["concurrent"] = c | {"sessions": a.sessions, "parcels": n, "seconds": a.concurrent_seconds}
        print("concurrent", {k: v for k, v in c.items() if k not in ("first", "redraw")}, flush=True)
        dump()
    shutil.rmtree(folder, ignore_errors=True)
    print()
    print(report(res, a.timeout))
    print(f"\nwhole run {time.monotonic() - started:.0f} s; results in {out_json}")


if __name__ == "__main__":
    main()
