"""The exported tour in headless Chromium from file:// with every request blocked; the one-pager PNG."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from geodata.dataset import load_dataset
from geodata.store import SAMPLE_PATH, GpkgStore
from reports.renderer import Renderer
from reports.tour_html import tour_html
from reports.tour_onepager import A4_PX, onepager_html, render
from tests.conftest import _need_chromium, artifact
from tools.sample.build import sample_tour

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_PATH))


@pytest.fixture(scope="module")
def tour_file(sample, tmp_path_factory):
    path = tmp_path_factory.mktemp("usb") / "观摩路线.html"
    path.write_text(tour_html(sample_tour(), sample), encoding="utf-8")
    return path


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_exported_tour_steps_through_every_stop_offline(playwright_browser, tour_file, size):
    tour = sample_tour()
    context = playwright_browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    requests, errors = [], []

    def route(r):  # the file itself loads; anything else is a request the USB stick cannot answer
        if r.request.url != tour_file.as_uri():
            requests.append(r.request.url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(tour_file.as_uri())
        page.wait_for_function("window.zmStop === 0")
        keys = ["PageDown", "ArrowRight"]  # a presenter's clicker and the keyboard
        for n, stop in enumerate(tour.stops):
            if n == 2:  # flown to, for the screenshot
                next_stop_flown_to(page, keys[n % 2], n)
            elif n:
                page.keyboard.press(keys[n % 2])
                page.wait_for_function(f"window.zmStop === {n}")
            assert page.inner_text("#stop-title") == stop.title
            assert page.inner_text("#stop-counter") == f"{n + 1} / {len(tour.stops)}"
            if n == 2:
                page.screenshot(path=str(artifact(f"tour-{size[0]}.png")))
        page.keyboard.press("PageUp")
        page.wait_for_function(f"window.zmStop === {len(tour.stops) - 2}")
        page.keyboard.press("Home")
        page.wait_for_function("window.zmStop === 0")
        assert page.inner_text("#stop-title") == tour.stops[0].title
        # Readable on a projector: the stop title is large and the panel fits the screen.
        title_px = page.eval_on_selector("#stop-title", "e => parseFloat(getComputedStyle(e).fontSize)")
        assert title_px >= 28
        panel = page.eval_on_selector("#panel", "e => e.getBoundingClientRect().bottom")
        assert panel <= size[1]
        drawn = page.evaluate("(() => { let n = 0; map.eachLayer(l => { n += !!l.feature; }); return n; })()")
        assert drawn > 10 and page.locator("canvas.leaflet-zoom-animated").count() == 1
    finally:
        context.close()
    assert requests == [] and errors == []


@pytest.fixture(scope="module")
def renderer():
    _need_chromium()
    mine = Renderer()
    yield mine
    mine.close()


def test_onepager_png_draws_the_chinese_title(renderer, sample):
    tour = sample_tour()
    out = artifact("tour-onepager-1.png")
    boxes = render(onepager_html(tour, 0, sample), out, renderer)
    image = Image.open(out).convert("L")
    assert image.size == A4_PX
    title = tour.stops[0].title
    assert len(boxes) == len(title)
    ink = []
    for (x, y, w, h), ch in zip(boxes, title, strict=True):
        assert w > 10 and h > 20, ch  # a 22pt glyph at 300 dpi, not a collapsed box
        crop = image.crop((x, y, x + w, y + h))
        ink.append(sum(crop.histogram()[:128]))  # dark pixels
    assert min(ink) > 0
    # Glyphs differ from each other; missing fonts draw the same tofu box for every character.
    han = [n for n, ch in zip(ink, title, strict=True) if "\u4e00" <= ch <= "\u9fff"]
    assert len(set(han)) > len(han) // 2


def test_onepager_pdf_is_one_a4_landscape_page_with_a_cjk_font(renderer, sample):
    out = artifact("tour-onepager-3.pdf")
    render(onepager_html(sample_tour(), 2, sample), out, renderer)
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF") and re.findall(rb"/Count (\d+)", pdf) == [b"1"]  # one page
    boxes = {tuple(round(float(v)) for v in m.split()) for m in re.findall(rb"/MediaBox \[([^\]]+)\]", pdf)}
    assert boxes == {(0, 0, 842, 595)}  # A4 landscape in points
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYi", pdf)  # the CJK font is embedded, not substituted


# Each stop's bounds in the map's pixels, and the boxes of the stop card, the legend and the buttons.
STOP_BOXES_JS = """() => { const s = D.stops[zmStop], b = L.latLngBounds(s.bounds);
  const a = zmMap.latLngToContainerPoint(b.getNorthWest()), c = zmMap.latLngToContainerPoint(b.getSouthEast());
  const box = id => { const r = document.getElementById(id).getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; };
  return {stop: [a.x, a.y, c.x, c.y], panel: box('panel'), legend: box('legend'), nav: box('nav'),
          legendPx: parseFloat(getComputedStyle(document.getElementById('legend')).fontSize),
          zoneLabels: document.querySelectorAll('.zm-zone-label').length,
          stopLabel: (document.querySelector('.zm-stop-label') || {}).textContent || ''}; }"""


# In the tour's frame: watch for the end of the next flight (Leaflet's moveend, fired once when a flight ends,
# after its zoomend); FLOWN_JS holds once it has ended.
WATCH_FLIGHT_JS = "() => { window.zmEnds = 0; zmMap.once('moveend', () => { window.zmEnds = 1; }); }"
FLOWN_JS = "window.zmEnds === 1"


def next_stop_flown_to(page, key: str, n: int) -> None:
    """Press ``key`` and wait until the tour has shown stop ``n`` and its flight there has ended."""
    page.evaluate(WATCH_FLIGHT_JS)
    page.keyboard.press(key)
    page.wait_for_function(f"window.zmStop === {n} && {FLOWN_JS}")


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_the_stop_card_never_covers_the_stop(playwright_browser, tour_file, sample, size):
    """Every stop's own extent is fitted clear of the card, the legend and the buttons; the zones and the stop's
    parcel or project are named; the legend is readable from the back of the room (≥ 24 px at 1920)."""
    tour = sample_tour()
    context = playwright_browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(tour_file.as_uri())
        page.wait_for_function("window.zmStop === 0")
        for n, stop in enumerate(tour.stops):
            if n:
                next_stop_flown_to(page, "ArrowRight", n)
            got = page.evaluate(STOP_BOXES_JS)
            for part in ("panel", "legend", "nav"):
                assert not _overlap(got["stop"], got[part]), (n, stop.title, part, got)
            if "zones" in stop.show:
                assert got["zoneLabels"] > 0, n
            if stop.layer != "zones":
                frame = sample.layer(stop.layer)
                key = "parcel_id" if stop.layer == "parcels" else "project_id"
                assert got["stopLabel"] == frame.loc[frame[key] == stop.ref, "name"].iloc[0], n
        if size[0] == 1920:
            assert got["legendPx"] >= 24, got["legendPx"]
        page.screenshot(path=str(artifact(f"tour-last-stop-{size[0]}.png")))
    finally:
        context.close()


def test_onepager_png_is_300_dpi_a4_with_the_map_down_the_page(renderer, sample):
    out = artifact("tour-onepager-300dpi.png")
    [(_x, y, w, h)] = render(onepager_html(sample_tour(), 2, sample), out, renderer, measure=".map svg")
    with Image.open(out) as image:
        assert image.size == A4_PX == (3508, 2480)
        assert [round(v) for v in image.info["dpi"]] == [300, 300]  # prints at A4 size
    assert y + h > 0.85 * A4_PX[1], (y, h)  # the map reaches the footer: no blank bottom third
    assert w > 0.6 * A4_PX[0]


# The map's circles, summary labels (text, box, shown) and visible zone names, in the page's pixels.
PROJECTS_SHOWN_JS = """() => { let circles = 0; zmMap.eachLayer(l => { circles += l instanceof L.CircleMarker; });
  const rect = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const shown = e => getComputedStyle(e).visibility !== 'hidden';
  return {zoom: zmMap.getZoom(), circles: circles,
    sums: [...document.querySelectorAll('.zm-tour-sum')].map(e => ({text: e.innerText, name: e.firstChild.textContent,
      box: rect(e), shown: shown(e)})),
    names: [...document.querySelectorAll('.zm-zone-label')].filter(shown).map(e => ({text: e.textContent,
      box: rect(e)})),
    legend: document.getElementById('legend').innerText, images: document.querySelectorAll('img[src="x"]').length}; }"""


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_many_projects_show_one_label_per_zone_until_the_projects_zoom(playwright_browser, tmp_path, size):
    """A tour of more projects than TOUR_MAX_POINTS: at a zone stop below zoom 12 no circle, one label per
    开发区 with its parks' projects counted in it, clear of the zone names (A's markup name shown as text, never
    run); from zoom 12 the circles, and below it again the labels."""
    from reports.tour_html import SUMMARY_NOTE
    from tests.tourdata import EXPECTED, HOSTILE, IN_TOUR, many_projects, many_projects_tour

    path = tmp_path / "many.html"
    path.write_text(tour_html(many_projects_tour(), many_projects()), encoding="utf-8")
    context = playwright_browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    errors, dialogs = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(path.as_uri())
        page.wait_for_function("window.zmStop === 0")
        page.wait_for_timeout(300)
        got = page.evaluate(PROJECTS_SHOWN_JS)
        assert got["zoom"] < 12 and got["circles"] == 0, got
        by_name = {s["name"]: s for s in got["sums"]}
        assert set(by_name) == {HOSTILE, "乙区"}, got["sums"]  # A (its park in it) and B; the markup is text
        for name, zone in ((HOSTILE, "A"), ("乙区", "B")):
            total, signed, started, producing = EXPECTED[zone]
            text = by_name[name]["text"]
            assert f"{total}个项目" in text and f"签约 {signed}" in text and f"开工 {started}" in text, text
            assert f"投产 {producing}" in text, text
        a = by_name[HOSTILE]
        assert a["shown"] and [n["text"] for n in got["names"]] == ["一号园区"]  # B's name is in its summary
        assert not _overlap(a["box"], got["names"][0]["box"]), (a, got["names"])
        assert SUMMARY_NOTE in got["legend"]
        page.screenshot(path=str(artifact(f"tour-summaries-{size[0]}.png")))

        page.evaluate("() => { zmMap.setZoom(12, {animate: false}); }")
        page.wait_for_function("zmMap.getZoom() === 12")
        got = page.evaluate(PROJECTS_SHOWN_JS)
        assert got["circles"] == IN_TOUR and got["sums"] == [], got["sums"]
        assert sorted(n["text"] for n in got["names"]) == ["一号园区", "乙区"]  # B's own name is back
        page.evaluate("() => { zmMap.setZoom(11, {animate: false}); }")
        page.wait_for_function("zmMap.getZoom() === 11")
        got = page.evaluate(PROJECTS_SHOWN_JS)
        assert got["circles"] == 0 and len(got["sums"]) == 2

        next_stop_flown_to(page, "End", 2)  # a project at zoom 15: circles
        got = page.evaluate(PROJECTS_SHOWN_JS)
        assert got["zoom"] == 15 and got["circles"] == IN_TOUR + 1 and got["sums"] == []  # and the stop's ring
        assert got["images"] == 0
    finally:
        context.close()
    assert errors == [] and dialogs == []
