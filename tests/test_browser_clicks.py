"""Clicks land where they are aimed (#26), and every map page shows its map within the first screen.

On a screen shorter than the page, Leaflet's first press focused the map and the browser scrolled the app
page to bring the component's frame into view (250 px at 1366×768): the click then landed on whatever was
under the pointer afterwards. Each click here is aimed through Leaflet's own ``latLngToContainerPoint`` in
the map's frame, and the record the page then selects (the address's ``sel`` and the outline drawn on the
map) must be the one aimed at. The page is never scrolled by the test.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from shapely.geometry import Point

from geodata.dataset import load_dataset
from geodata.store import SAMPLE_PATH, GpkgStore
from testing import harness
from tests.conftest import artifact

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1400, 950), (1920, 1080)]
PARCEL, PROJECT = "JK-56GW", "S-JK"  # the project sits at the parcel's centre (its representative point)
NEIGHBOUR = "P-SXZG-JZ-01"  # a parcel of the same zone, next to PARCEL
MAP_PAGES = {"overview": "/", "supply": "/supply", "tracker": "/tracker", "idle": "/idle", "tour": "/tour"}

_FIND = """
  const f = [...document.querySelectorAll('iframe')].find(f => { try { return f.contentWindow.map_div; }
    catch (e) { return false; } });
  const w = f.contentWindow, m = w.map_div, L = w.L, box = f.getBoundingClientRect();
  const find = (layer, id) => { let hit = null;
    const visit = l => { const p = l.feature && l.feature.properties;
      if (p && p.layer === layer && p.id === id) hit = l;
      if (l.eachLayer) l.eachLayer(visit); };
    m.eachLayer(visit); return hit; };
  const page = pt => [box.left + pt.x, box.top + pt.y];
"""
# Zoom so that the parcel takes about 40 % of the map, without animation; resolves once the map has painted
# (a canvas redraws on the animation frame after the move, and the page's maps do not rerun the app on a move).
FRAME_JS = (
    "(id) => {"
    + _FIND
    + """
  const l = find('parcels', id), s = m.getSize();
  m.fitBounds(l.getBounds(), {padding: [s.x * 0.3, s.y * 0.3], animate: false});
  """
    + harness.after_paint("m.getZoom()")
    + " }"
)
# The page pixel of [lat, lng], through Leaflet in the map's frame.
AIM_JS = "([lat, lng]) => {" + _FIND + "return page(m.latLngToContainerPoint([lat, lng])); }"
# A point 6 px inside the parcel's lowest edge (away from markers, which are drawn above their point), and the
# project markers Leaflet would hit there (none expected).
EDGE_JS = (
    "(id) => {"
    + _FIND
    + """
  const l = find('parcels', id);
  let ring = l.getLatLngs(); while (Array.isArray(ring[0])) ring = ring[0];
  const pts = ring.map(ll => m.latLngToContainerPoint(ll));
  const c = pts.reduce((a, p) => a.add(p), L.point(0, 0)).divideBy(pts.length);
  let best = null;
  pts.forEach((p, i) => { const q = pts[(i + 1) % pts.length], mid = p.add(q).divideBy(2);
    const d = c.subtract(mid), n = d.distanceTo(L.point(0, 0));
    const inner = mid.add(d.multiplyBy(6 / n));
    if (!best || inner.y > best.y) best = inner; });
  const lp = m.containerPointToLayerPoint(best), covering = [];
  m.eachLayer(x => { const p = x.feature && x.feature.properties;
    if (p && p.layer === 'projects' && x._containsPoint && x._containsPoint(lp)) covering.push(p.id); });
  return {at: page(best), covering: covering, inside: l._containsPoint(lp)}; }"""
)
# Where a project's marker is drawn (its canvas point, lifted above its location).
MARKER_JS = (
    "(id) => {" + _FIND + "const l = find('projects', id); return page(m.layerPointToContainerPoint(l._point)); }"
)
SCROLL_JS = """() => { const m = document.querySelector('[data-testid="stMain"]');
  return [window.scrollY, m ? m.scrollTop : 0]; }"""
# Every visible map frame's top, in page pixels: folium maps (map_div) and the tour (zmMap).
MAP_TOPS_JS = """() => [...document.querySelectorAll('iframe')].filter(f => {
    try { return f.contentWindow.map_div || f.contentWindow.zmMap; } catch (e) { return false; } })
  .map(f => f.getBoundingClientRect()).filter(r => r.height > 0).map(r => r.top)"""

CUT_METRICS_JS = """() => [...document.querySelectorAll('[data-testid="stMetricLabel"]')].filter(m =>
    m.getBoundingClientRect().width > 0 && [m, ...m.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
  .map(m => m.innerText)"""


MAP_BOX_JS = """() => { const f = [...document.querySelectorAll('iframe')].find(f => {
    try { return f.contentWindow.map_div; } catch (e) { return false; } });
  const r = f.getBoundingClientRect(), s = f.contentWindow.map_div.getSize(); return [r.top, r.bottom, s.y]; }"""


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


def open_page(browser, url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.external, page.errors = [], []
    harness.block_external(page, page.external)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    return context, page


def selected(page) -> str | None:
    return (parse_qs(urlparse(page.url).query).get("sel") or [None])[0]


def wait_selected(page, want: str, timeout_s: float = 20) -> str | None:
    """The address's ``sel`` once it is ``want`` (or whatever it is when the time is up)."""
    for _ in range(int(timeout_s * 4)):
        if selected(page) == want:
            break
        page.wait_for_timeout(250)
    return selected(page)


def outlined(page, geometry) -> bool:
    """The selection outline drawn on the map is the record's (its centre within the record's envelope)."""
    for _ in range(60):
        points = harness.highlighted_points(page)
        if points:
            return all(geometry.envelope.buffer(1e-4).contains(Point(p)) for p in points)
        page.wait_for_timeout(250)
    return False


def click_and_expect(page, xy, want: str, geometry, label: str) -> None:
    before = page.evaluate(SCROLL_JS)
    page.mouse.click(*xy)
    got = wait_selected(page, want)
    assert page.evaluate(SCROLL_JS) == before, f"{label}: the page scrolled under the pointer"
    assert got == want, f"{label}: aimed at {want}, the page selected {got}{harness.diagnosis(page)}"
    assert outlined(page, geometry), f"{label}: the outline on the map is not around {want}"


def aim_at_centre(page, parcel_id: str, centre) -> list[float]:
    """Frame the parcel (about 40 % of the map) and return the page pixel of its centre."""
    page.evaluate(FRAME_JS, parcel_id)
    return page.evaluate(AIM_JS, [centre.y, centre.x])


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", ["overview", "supply"])
def test_the_map_fits_the_window_and_each_click_selects_the_parcel_aimed_at(
    sample_server, playwright_browser, sample, name, width, height
):
    """One page per size: the map's frame is sized from the window (it ends within the screen and takes the
    room there is; Leaflet's map is as tall as its frame) and starts within the first screen; the first press on
    the map (where the focus scroll struck) lands on the parcel aimed at, 6 px inside its edge; then a neighbour's
    centre and the parcel's centre, where on 总览地图 its project sits, each select their own parcel."""
    parcels = sample.parcels.set_index("parcel_id").geometry
    context, page = open_page(playwright_browser, sample_server + MAP_PAGES[name], width, height)
    try:
        harness.wait_for_map(page)
        page.wait_for_timeout(500)
        top, bottom, map_px = page.evaluate(MAP_BOX_JS)
        assert top < 300 and bottom <= height, (top, bottom)
        assert abs(map_px - (bottom - top)) <= 1, (map_px, top, bottom)
        assert bottom >= height - 200, (top, bottom)  # it takes the room there is
        page.evaluate(FRAME_JS, PARCEL)
        edge = page.evaluate(EDGE_JS, PARCEL)
        assert edge["inside"] and edge["covering"] == [], edge  # the aim itself is the parcel's alone
        where = f"{name} {width}×{height}"
        click_and_expect(page, edge["at"], f"parcels:{PARCEL}", parcels[PARCEL], f"{where} edge (first press)")
        page.screenshot(path=artifact(f"click-{name}-edge-{width}x{height}.png"))
        for parcel_id, what in ((NEIGHBOUR, "neighbour's centre"), (PARCEL, "centre")):
            xy = aim_at_centre(page, parcel_id, parcels[parcel_id].representative_point())
            click_and_expect(page, xy, f"parcels:{parcel_id}", parcels[parcel_id], f"{where} {what}")
        assert page.external == [] and page.errors == [], (page.external, page.errors)
    finally:
        context.close()


def test_a_project_marker_takes_its_own_clicks_and_leaves_the_parcel_centre_to_the_parcel(
    sample_server, playwright_browser, sample
):
    project = sample.projects.set_index("project_id").loc[PROJECT].geometry
    parcel = sample.parcels.set_index("parcel_id").loc[PARCEL].geometry
    assert project.distance(parcel.representative_point()) < 1e-9  # the project sits at the parcel's centre
    context, page = open_page(playwright_browser, sample_server, 1400, 950)
    try:
        harness.wait_for_map(page)
        page.evaluate(FRAME_JS, PARCEL)
        click_and_expect(page, page.evaluate(MARKER_JS, PROJECT), f"projects:{PROJECT}", project, "marker")
        harness.wait_for_run(page, start=0)  # the rerun that outlines the project has ended …
        harness.wait_for_map(page)  # … and its map is drawn
        page.evaluate(FRAME_JS, PARCEL)
        xy = page.evaluate(AIM_JS, [project.y, project.x])  # the project's own location = the parcel's centre
        click_and_expect(page, xy, f"parcels:{PARCEL}", parcel, "parcel centre under the project")
        page.screenshot(path=artifact("click-project-and-parcel.png"))
        assert page.external == [] and page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("name", ["tracker", "idle", "tour"])  # 总览地图 and 标准地供给: the test above
def test_the_map_starts_within_the_first_screen_at_1366x768(sample_server, playwright_browser, name):
    """…and on 闲置土地盘活 no metric title above it is cut off."""
    context, page = open_page(playwright_browser, sample_server + MAP_PAGES[name], 1366, 768)
    try:
        page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=60_000)
        tops = []
        for _ in range(240):
            tops = page.evaluate(MAP_TOPS_JS)
            if tops:
                break
            page.wait_for_timeout(250)
        harness.wait_for_run(page, start=0)  # the rest of the page has drawn around it
        tops = page.evaluate(MAP_TOPS_JS)
        page.screenshot(path=artifact(f"map-first-{name}-1366x768.png"))
        assert tops, f"{name}: no map on the first screen{harness.diagnosis(page)}"
        assert min(tops) < 300, f"{name}: the map starts {min(tops):.0f} px down a 768 px screen"
        if name == "idle":
            metrics = page.locator('[data-testid="stMetricLabel"]')
            assert metrics.count() >= 6
            cut = page.evaluate(CUT_METRICS_JS)
            metrics.first.scroll_into_view_if_needed()
            page.screenshot(path=artifact("idle-metrics-1366x768.png"))
            assert cut == [], cut
    finally:
        context.close()


# Metric titles cut off with an ellipsis: any element of a metric's label narrower than its text.
