"""What users stumbled on (issue 17), in headless Debian Chromium with every non-localhost request blocked:
clicks through a selection, shared links, a tour that leaves text fields alone, 演示模式 on a projector,
and no English left in any page. Screenshots of every page go to test-artifacts/.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from layers.styles import HIGHLIGHT
from testing import harness
from tests.conftest import artifact
from tests.test_browser import FOCUS_JS, LATLNG_JS, POINT_JS
from tests.test_tour_browser import FLOWN_JS, WATCH_FLIGHT_JS

pytestmark = pytest.mark.browser

PAGES = {"overview": "/", "supply": "/supply", "tracker": "/tracker", "idle": "/idle", "tour": "/tour", "data": "/data"}
ZONE, ZONE_NAME = "SXZG-JZ", "山西综改示范区晋中新兴产业园区"
INSIDE_ZONE = [37.6405, 112.6931]  # in the zone, away from its parcels and projects
PARCEL = "JK-56GW"  # a parcel of that zone (2,300 亩)
VIEW_JS = """() => {
  const f = [...document.querySelectorAll('iframe')].find(f => f.contentWindow && f.contentWindow.map_div);
  const m = f.contentWindow.map_div, c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]; }"""


@pytest.fixture(scope="module")
def server(editor_server):
    """The app with an editor account (the sign-in form gives 观摩会 a text field)."""
    return editor_server


def fresh(browser, width=1440, height=900):
    """A new browser context (no cookies, no storage) and page with the network outside localhost blocked."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.external, page.errors = [], []
    harness.block_external(page, page.external)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return context, page


def detail_text(page) -> str:
    return page.evaluate("() => document.body.innerText")


def wait_for(page, predicate, timeout_s=30, step_ms=250):
    for _ in range(int(timeout_s * 1000 / step_ms)):
        if predicate():
            return
        page.wait_for_timeout(step_ms)
    raise AssertionError("condition not met in time")


def url_params(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_a_parcel_inside_the_selected_zone_can_still_be_clicked(server, playwright_browser):
    context, page = fresh(playwright_browser)
    try:
        page.goto(server)
        harness.wait_for_map(page)
        x, y = page.evaluate(LATLNG_JS, [*INSIDE_ZONE, 14])
        page.mouse.click(x, y)
        page.get_by_text(ZONE_NAME, exact=True).first.wait_for(timeout=30_000)
        wait_for(page, lambda: harness.leaflet_counts(page)["highlighted"] == 1)  # the zone is outlined
        page.evaluate(FOCUS_JS, ["parcels", PARCEL, 16])
        x, y = page.evaluate(POINT_JS, ["parcels", PARCEL])
        page.mouse.click(x - 60, y - 60)  # inside the parcel, away from the project marker at its centre
        page.locator('[data-testid="stTable"]').get_by_text("2,300.00", exact=True).wait_for(timeout=30_000)
        assert "地块" in detail_text(page) and url_params(page)["sel"] == [f"parcels:{PARCEL}"]
        page.screenshot(path=artifact("overview-zone-then-parcel.png"))
        assert page.external == [] and page.errors == []
    finally:
        context.close()


def test_a_shared_link_restores_page_filters_selection_and_view(server, playwright_browser):
    context, page = fresh(playwright_browser)
    try:
        page.goto(server + "/supply")
        unfiltered = harness.wait_for_map(page)["layers"]
        box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="产业链")
        box.locator("input").click()
        page.keyboard.type("光伏")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        wait_for(page, lambda: url_params(page).get("sup_chain") == ["光伏"])
        wait_for(page, lambda: harness.leaflet_counts(page)["layers"] != unfiltered)  # the filtered map …
        harness.wait_for_map(page)  # … is drawn
        page.evaluate(FOCUS_JS, ["parcels", PARCEL, 15])  # zoom in the way a planner would
        x, y = page.evaluate(POINT_JS, ["parcels", PARCEL])
        page.mouse.click(x - 60, y - 60)
        page.get_by_text(f"（{PARCEL}）", exact=False).first.wait_for(timeout=30_000)
        page.evaluate(LATLNG_JS, [37.641, 112.705, 14.5])  # then pan and zoom out a little
        wait_for(page, lambda: url_params(page).get("view", [""])[0].endswith(",14.5"))
        wait_for(page, lambda: url_params(page).get("sel") == [f"parcels:{PARCEL}"])
        link = page.url
    finally:
        context.close()
    assert urlparse(link).path == "/supply"

    context, page = fresh(playwright_browser)  # a colleague opens the link
    try:
        page.goto(link)
        harness.wait_for_map(page)
        page.get_by_text(f"（{PARCEL}）", exact=False).first.wait_for(timeout=30_000)
        text = detail_text(page)
        assert "标准地供给" in text and "地块详情" in text
        chips = page.locator('[data-testid="stMultiSelect"]').filter(has_text="产业链").inner_text()
        assert "光伏" in chips
        lat, lng, zoom = page.evaluate(VIEW_JS)
        assert zoom == 14.5 and abs(lat - 37.641) < 1e-3 and abs(lng - 112.705) < 1e-3
        assert harness.leaflet_counts(page)["highlighted"] == 1
        page.screenshot(path=artifact("supply-shared-link.png"))
        assert page.external == [] and page.errors == []
    finally:
        context.close()


def tour_frame(page):
    """The frame of the tour (it sets window.zmStop), or None."""
    for frame in page.frames:
        try:
            if frame.evaluate("() => typeof window.zmStop") == "number":
                return frame
        except Exception:  # a frame going away
            continue
    return None


def tour_stop(page) -> int | None:
    frame = tour_frame(page)
    try:
        return frame.evaluate("() => window.zmStop") if frame else None
    except Exception:  # the frame went away
        return None


def presented(page):
    """The tour's frame once it covers the whole window (演示模式), else None."""
    for frame in page.frames:
        try:
            if frame.evaluate("() => typeof window.zmStop") != "number":
                continue
            box = frame.frame_element().bounding_box()
        except Exception:  # a frame going away
            continue
        if box and box["x"] == 0 and box["y"] == 0 and box["width"] == page.viewport_size["width"]:
            return frame
    return None


def test_typing_on_the_tour_page_keeps_every_character_and_the_stop(server, playwright_browser):
    context, page = fresh(playwright_browser)
    try:
        page.goto(server + "/tour")
        wait_for(page, lambda: tour_stop(page) == 0, timeout_s=60)
        user = page.get_by_label("用户名")
        user.click()
        page.keyboard.type("zhang san")
        for key in ("ArrowLeft", "ArrowLeft", "ArrowRight", "End", "Home", "PageDown"):
            page.keyboard.press(key)
        page.wait_for_timeout(1500)
        assert user.input_value() == "zhang san"
        assert tour_stop(page) == 0
        page.keyboard.press("End")
        page.keyboard.type("g")  # typed at the end, where End put the caret
        assert user.input_value() == "zhang sang"
        assert page.external == [] and page.errors == []
    finally:
        context.close()


NEXT_ON_TOP_JS = """() => { const r = document.querySelector('#next').getBoundingClientRect();
  return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2).closest('#next') !== null; }"""


@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_the_tour_fits_the_window_with_its_buttons_in_view(server, playwright_browser, width, height):
    """Not presenting, the tour's frame ends within the first screen on a laptop (it was 960 px tall, past the
    bottom of 768) and takes what the window offers on a 1080 screen; its ◀ ▶ buttons are in view."""
    context, page = fresh(playwright_browser, width, height)
    try:
        page.goto(server + "/tour")
        wait_for(page, lambda: tour_stop(page) == 0, timeout_s=60)
        page.wait_for_timeout(1000)
        frame = tour_frame(page)
        box = frame.frame_element().bounding_box()
        assert height - 60 <= box["y"] + box["height"] <= height, box  # to the window's bottom, not past it
        for part in ("#prev", "#next", "#stop-counter"):
            r = frame.eval_on_selector(part, "e => e.getBoundingClientRect().toJSON()")
            assert r["width"] > 0 and box["y"] + r["top"] >= 0 and box["y"] + r["bottom"] <= height, part
        assert frame.evaluate(NEXT_ON_TOP_JS)  # nothing covers the button
        below = page.get_by_text("翻页：按钮", exact=False).bounding_box()
        assert below["y"] >= box["y"] + box["height"], below  # what follows starts under the frame, not over it
        page.screenshot(path=artifact(f"tour-{width}x{height}.png"))
        assert page.external == [] and page.errors == []
    finally:
        context.close()


def test_presenting_at_1920x1080_fills_the_screen_and_pages_with_the_keyboard(server, playwright_browser):
    context, page = fresh(playwright_browser, 1920, 1080)
    try:
        page.goto(server + "/tour")
        wait_for(page, lambda: tour_stop(page) == 0, timeout_s=60)
        page.locator(".st-key-tour_present label").first.click()
        harness.wait_for_run(page)  # the rerun that presents: its frame replaces the one shown before
        wait_for(page, lambda: page.locator('[data-testid="stSidebar"]').is_hidden())
        wait_for(page, lambda: presented(page) is not None, timeout_s=60)
        frame = presented(page)
        assert frame.frame_element().bounding_box() == {"x": 0, "y": 0, "width": 1920, "height": 1080}
        for part in ("#prev", "#next", "#stop-counter", "#legend", "#panel", "#full"):
            r = frame.eval_on_selector(part, "e => e.getBoundingClientRect().toJSON()")
            assert r["width"] > 0 and r["top"] >= 0 and r["bottom"] <= 1080 and r["right"] <= 1920, part
        page.mouse.wheel(0, 800)
        page.wait_for_timeout(300)
        assert page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTop") == 0
        frame.evaluate(WATCH_FLIGHT_JS)
        page.keyboard.press("ArrowRight")  # keys pressed on the app page reach the tour while presenting
        wait_for(page, lambda: tour_stop(page) == 1)
        assert frame.inner_text("#stop-counter").replace(" ", "") == "2/8"
        frame.wait_for_function(FLOWN_JS)  # the flight there has ended
        color = HIGHLIGHT["color"]
        outlined = frame.evaluate(
            f"() => {{ let n = 0; map.eachLayer(l => {{ n += l.options.color === '{color}'; }}); return n; }}"
        )
        assert outlined >= 1  # the current stop is outlined
        page.screenshot(path=artifact("tour-present-1920.png"))
        assert page.external == [] and page.errors == []
    finally:
        context.close()


def test_an_unreachable_online_basemap_falls_back_to_the_offline_base_and_says_so(server, playwright_browser):
    from layers.adminbase import TILE_FALLBACK_TEXT

    context, page = fresh(playwright_browser)
    try:
        page.goto(server)
        harness.wait_for_map(page)
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="底图")
        option = page.get_by_role("option", name="OpenStreetMap（在线）")
        for _ in range(10):  # a rerun in flight may close the list as it opens
            box.locator("input").click()
            try:
                option.click(timeout=3000)
            except Exception:
                page.keyboard.press("Escape")
                continue
            if box.locator("input").input_value() == "OpenStreetMap（在线）":
                break
        assert box.locator("input").input_value() == "OpenStreetMap（在线）"
        note = None
        for _ in range(120):
            for frame in [f for f in page.frames if "st_folium" in f.url]:
                try:
                    note = note or frame.evaluate("() => (document.querySelector('.zm-tile-note') || {}).textContent")
                except Exception:  # the map before the switch going away
                    continue
            if note:
                break
            page.wait_for_timeout(250)
        assert note == TILE_FALLBACK_TEXT
        wait_for(page, lambda: harness.leaflet_counts(page)["layers"].get("admin", 0) >= 120)  # the offline base
        page.screenshot(path=artifact("overview-online-basemap-offline.png"))
        assert page.external and all("tile.openstreetmap.org" in u for u in page.external)  # tried, blocked
        assert page.errors == []
    finally:
        context.close()
