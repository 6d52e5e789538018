"""The overview map in headless Debian Chromium with every non-localhost request blocked."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from geodata.dataset import load_dataset
from geodata.query import Filters, apply_filters
from geodata.store import SAMPLE_PATH, GpkgStore, create_gpkg
from testing import harness
from testing.factory import frames
from tests.conftest import artifact

pytestmark = pytest.mark.browser
# markup, Markdown and Jinja (shown as written, not 49: layers.inert)
HOSTILE = '<img src=x onerror="window.__xss=1">![m](http://evil.example/x.png){{ 7*7 }}恶意开发区'

# JS in the map iframe: zoom to a feature and return its centre in page-independent iframe pixels.
FOCUS_JS = (
    """([layer, id, zoom]) => {
  const w = [...document.querySelectorAll('iframe')].map(f => f.contentWindow).find(w => w && w.L && w.map_div);
  const m = w.map_div; let hit = null;
  const visit = l => { const p = l.feature && l.feature.properties;
    if (p && p.layer === layer && p.id === id) hit = l;
    if (l.eachLayer) l.eachLayer(visit); };
  m.eachLayer(visit);
  const c = hit.getBounds ? hit.getBounds().getCenter() : hit.getLatLng();
  m.setView(c, zoom, {animate: false});
  """
    + harness.after_paint()
    + " }"
)
POINT_JS = """([layer, id]) => {
  const f = [...document.querySelectorAll('iframe')].find(f => f.contentWindow && f.contentWindow.map_div);
  const w = f.contentWindow, m = w.map_div; let hit = null;
  const visit = l => { const p = l.feature && l.feature.properties;
    if (p && p.layer === layer && p.id === id) hit = l;
    if (l.eachLayer) l.eachLayer(visit); };
  m.eachLayer(visit);
  const c = hit.getBounds ? hit.getBounds().getCenter() : hit.getLatLng();
  const pt = m.latLngToContainerPoint(c); const r = f.getBoundingClientRect();
  return [r.left + pt.x, r.top + pt.y]; }"""
# JS in the page: centre the map on [lat, lng] and return that point in page pixels, once the map has painted.
LATLNG_JS = (
    """([lat, lng, zoom]) => {
  const f = [...document.querySelectorAll('iframe')].find(f => f.contentWindow && f.contentWindow.map_div);
  const w = f.contentWindow, m = w.map_div; m.setView([lat, lng], zoom, {animate: false});
  const pt = m.latLngToContainerPoint([lat, lng]); const r = f.getBoundingClientRect();
  """
    + harness.after_paint("[r.left + pt.x, r.top + pt.y]")
    + " }"
)


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


def expected_counts(data, filters=None):
    view = apply_filters(data, filters or Filters())
    return {"zones": len(view.zones), "parcels": len(view.parcels), "projects": len(view.projects)}


def drawn(page):
    layers = harness.leaflet_counts(page)["layers"]
    return {k: layers.get(k, 0) for k in ("zones", "parcels", "projects")}


def wait_for_counts(page, want, timeout_s=60):
    for _ in range(timeout_s * 4):
        if drawn(page) == want:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"drawn {drawn(page)} != expected {want}")


def body_text(page):
    return page.evaluate("() => document.body.innerText")


def test_map_draws_everything_offline_in_chinese(sample_server, page, sample):
    page.goto(sample_server)
    counts = harness.wait_for_map(page)
    want = expected_counts(sample)
    assert want == {"zones": 30, "parcels": 195, "projects": 142}
    wait_for_counts(page, want)
    assert counts["layers"]["admin"] >= 120  # province outline, cities and counties
    text = body_text(page)
    assert "总览地图" in text and "开发区" in text and "边界为示意" in text
    page.screenshot(path=artifact("overview.png"), full_page=True)
    assert page.external == [], page.external
    assert page.errors == [], page.errors


REMOVED_UNDER_MOUSE_JS = """() => {
  const w = [...document.querySelectorAll('iframe')].map(f => f.contentWindow).find(w => w && w.map_div);
  const L = w.L, m = w.map_div;
  const l = L.circleMarker([37.8, 112.5]).bindTooltip('x', {sticky: true}).addTo(m);
  m.removeLayer(l);  // a rerun replaced its group while the pointer was over it …
  l._moveTooltip({latlng: L.latLng(37.8, 112.5), originalEvent: new w.MouseEvent('mousemove')});  // … and it moves
  return 'ok'; }"""


def test_a_sticky_tooltip_of_a_removed_layer_does_not_throw(sample_server, page):
    page.goto(sample_server)
    harness.wait_for_map(page)
    assert page.evaluate(REMOVED_UNDER_MOUSE_JS) == "ok"  # Leaflet alone: "reading 'mouseEventToContainerPoint'"
    assert page.errors == []


def test_chain_filter_changes_what_is_drawn(sample_server, page, sample):
    page.goto(sample_server)
    harness.wait_for_map(page)
    before = drawn(page)
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="产业链")
    box.locator("input").click()
    page.keyboard.type("光伏")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    want = expected_counts(sample, Filters(chains=("光伏",)))
    assert want != before and 0 < want["parcels"] < before["parcels"]
    wait_for_counts(page, want)
    page.screenshot(path=artifact("overview-chain-光伏.png"), full_page=True)
    assert page.external == []


def test_click_on_a_parcel_opens_its_record(sample_server, page, sample):
    page.goto(sample_server)
    harness.wait_for_map(page)
    parcel = sample.parcels.set_index("parcel_id").loc["JK-56GW"]
    page.evaluate(FOCUS_JS, ["parcels", "JK-56GW", 15])
    x, y = page.evaluate(POINT_JS, ["parcels", "JK-56GW"])
    page.mouse.click(x, y)
    page.get_by_text(parcel["name"], exact=True).first.wait_for(timeout=30_000)
    page.locator('[data-testid="stTable"]').get_by_text("2,300.00", exact=True).wait_for(timeout=30_000)
    for _ in range(40):  # the selection is outlined without redrawing the map
        if harness.leaflet_counts(page)["highlighted"]:
            break
        page.wait_for_timeout(250)
    assert harness.leaflet_counts(page)["highlighted"] == 1
    text = body_text(page)
    assert "详情" in text and "2,300.00" in text and "晋中新兴产业园区" in text
    page.screenshot(path=artifact("overview-click-parcel.png"), full_page=True)
    assert page.external == []


def test_hostile_names_are_escaped_on_the_map(tmp_path, playwright_browser):
    f = frames()
    f["zones"].loc[2, "name"] = HOSTILE
    data = tmp_path / "hostile.gpkg"
    create_gpkg(data, f)
    with harness.app_server(data=data) as url:
        context = playwright_browser.new_context(viewport={"width": 1400, "height": 950})
        page = context.new_page()
        external: list[str] = []
        harness.block_external(page, external)
        page.goto(url)
        harness.wait_for_map(page)
        # inside zone Z2, away from its parcels and projects
        x, y = page.evaluate(LATLNG_JS, [37.085, 111.915, 13])
        page.mouse.move(x, y)
        page.mouse.move(x + 3, y + 3)
        frame = next(fr for fr in page.frames if "st_folium" in fr.url)
        frame.wait_for_selector(".leaflet-tooltip", timeout=10_000)
        tip = frame.evaluate("() => document.querySelector('.leaflet-tooltip').innerText")
        assert HOSTILE in tip  # shown as text
        assert frame.evaluate("() => document.querySelectorAll('.leaflet-tooltip img').length") == 0
        assert frame.evaluate("() => window.__xss === undefined")
        page.mouse.click(x, y)  # open the record panel: the name is in its text and its table
        page.get_by_text("恶意开发区").first.wait_for(timeout=30_000)
        page.locator('[data-testid="stTable"]').get_by_text("恶意开发区").first.wait_for(timeout=30_000)
        harness.wait_for_run(page, start=0)  # the run that drew the record panel has ended
        assert page.evaluate('() => document.querySelectorAll(\'img[src*="evil"], img[src="x"]\').length') == 0
        assert external == []
        context.close()


def test_supply_table_selection_is_highlighted_on_the_map(sample_server, page, sample):
    page.goto(sample_server + "/supply")
    harness.wait_for_map(page)
    assert "标准地供给" in body_text(page)
    assert harness.leaflet_counts(page)["highlighted"] == 0
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    box = grid.bounding_box()
    row = 2  # third parcel in table order
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 35 * row + 17)  # the row's selection cell
    parcel = sample.parcels.iloc[row]
    page.get_by_text(f"{parcel['name']}（{parcel['parcel_id']}）", exact=False).first.wait_for(timeout=30_000)
    for _ in range(60):
        counts = harness.leaflet_counts(page)
        if counts["highlighted"] == 1 and counts["layers"].get("parcels"):
            break
        page.wait_for_timeout(250)
    assert counts["highlighted"] == 1
    (lon, lat), *_ = harness.highlighted_points(page)
    assert parcel.geometry.envelope.buffer(1e-6).contains(Point(lon, lat))  # the picked parcel, not another
    assert counts["layers"]["parcels"] == len(sample.parcels) and "projects" not in counts["layers"]
    page.screenshot(path=artifact("supply-selected.png"), full_page=True)
    assert page.external == [] and page.errors == []


SANWEI_JS = """(view) => { const f = [...document.querySelectorAll('iframe')].find(f => {
    try { return f.contentWindow.map_div; } catch (e) { return false; } });
  const w = f.contentWindow, m = w.map_div;
  if (view) m.setView(view.slice(0, 2), view[2], {animate: false});
  let rings = 0, lone = 0;
  m.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (l.options && l.options.className === 'zm-sanwei' && p) rings++;
    if (p && p.layer === 'projects' && l.options.className !== 'zm-sanwei') lone++; });
  const named = w.document.querySelector('.leaflet-control-layers').innerText.match(/三未项目（(\\d+)）/);
  return {rings, lone, named: named && +named[1],
          badges: [...w.document.querySelectorAll('.zm-sanwei-n')].map(e => +e.textContent)}; }"""


def test_tracker_shows_the_official_rates_of_2021_first_three_rounds(sample_server, page):
    """…and on its map (clustered projects) the 三未 rings wait for their marker, the clusters counting them."""
    page.goto(sample_server + "/tracker")
    harness.wait_for_map(page)  # the first tab (项目) holds the map; the rounds are on the second
    province = page.evaluate(SANWEI_JS, None)
    assert province["named"] > 0 and province["lone"] == 0, province  # every project in a cluster …
    assert province["rings"] == 0 and sum(province["badges"]) == province["named"], province  # … counting its 三未
    page.evaluate(SANWEI_JS, [37.6402, 112.7110, 13])  # S-JK's 晋中 zone, past the clustering zoom
    for _ in range(40):  # the clusters have split
        close = page.evaluate(SANWEI_JS, None)
        if close["rings"] > 0:
            break
        page.wait_for_timeout(250)
    assert close["rings"] > 0 and close["badges"] == [], close
    page.screenshot(path=artifact("tracker-sanwei-rings.png"))
    page.get_by_role("tab", name="活动与三率").click()
    table = page.locator('[data-testid="stTable"]').first
    table.wait_for(timeout=60_000)
    row = table.locator("tr").filter(has_text="2021年前三次活动").first.inner_text()
    for figure in ("80.2%", "57%", "98.1%", "1,059", "4,969.4", "2,973.3"):
        assert figure in row, (figure, row)
    page.screenshot(path=artifact("tracker.png"), full_page=True)
    assert page.external == [] and page.errors == []


def test_idle_parcel_chosen_on_the_map_goes_into_the_calculator(sample_server, page, sample):
    import datetime as dt

    from domain.idle import IdleRules
    from domain.labels import label
    from stats.idle import classify_parcels

    classified = classify_parcels(sample.parcels, dt.date.today(), IdleRules())
    target = classified[classified["idle_class"] == "idle_two_years"].iloc[0]
    page.goto(sample_server + "/idle")
    harness.wait_for_map(page)
    page.evaluate(FOCUS_JS, ["parcels", target["parcel_id"], 15])
    x, y = page.evaluate(POINT_JS, ["parcels", target["parcel_id"]])
    page.mouse.click(x, y)
    page.get_by_text(f"{target['name']}（{target['parcel_id']}）：{label('idle_two_years')}").wait_for(timeout=30_000)
    page.get_by_role("button", name="加入盘活测算").click()
    page.get_by_role("tab", name="盘活测算").click()
    calc = page.locator('[data-testid="stMultiSelect"]').filter(has_text="参与盘活的地块")
    calc.get_by_text(target["name"]).wait_for(timeout=30_000)
    page.get_by_text("盘活面积（亩）").wait_for(timeout=30_000)
    page.screenshot(path=artifact("idle-calculator.png"), full_page=True)
    assert page.external == [] and page.errors == []
