"""A province-scale store in headless Chromium: aggregates at low zoom, exactly the view's parcels when zoomed in."""

from __future__ import annotations

import re

import numpy as np
import pytest

from geodata.dataset import load_dataset
from geodata.store import GpkgStore
from geodata.synth import write_synth
from layers.viewport import snap_view
from testing import harness
from tests.conftest import artifact

pytestmark = pytest.mark.browser
MAP_JS = """() => [...document.querySelectorAll('iframe')].map(f => f.contentWindow)
  .find(w => w && w.map_div).map_div"""
SET_VIEW_JS = "([lat, lng, z]) => { (" + MAP_JS + ")().setView([lat, lng], z, {animate: false}); return true; }"
BOUNDS_JS = (
    "() => { const m = ("
    + MAP_JS
    + ")(); const b = m.getBounds(); return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast(), m.getZoom()]; }"
)


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "province.gpkg"
    write_synth(path, 12000, 2500, seed=3)
    return path


def wait_until(page, predicate, timeout=60):
    deadline = harness.time.monotonic() + timeout
    while harness.time.monotonic() < deadline:
        counts = harness.leaflet_counts(page)
        if predicate(counts["layers"]):
            page.wait_for_timeout(800)
            again = harness.leaflet_counts(page)
            if again == harness.leaflet_counts(page) and predicate(again["layers"]):
                return again["layers"]
        page.wait_for_timeout(300)
    page.screenshot(path=str(artifact("scale-timeout.png")))
    counts = harness.leaflet_counts(page)
    raise AssertionError(f"map never reached the expected state: {counts}{harness.diagnosis(page)}")


def test_large_data_is_drawn_by_view(page, big_store):
    data = load_dataset(GpkgStore(big_store))
    with harness.app_server(data=big_store) as url:
        page.goto(url)
        layers = wait_until(page, lambda drawn: drawn.get("parcels_cell", 0) > 0)
        assert layers.get("parcels", 0) == 0  # the province view sends cells, not 12 000 shapes
        assert layers["admin"] == (data.admin["level"] != "province").sum()  # the base, fetched from localhost
        assert page.get_by_text("12,000", exact=True).count() == 1  # the strip counts everything filtered
        page.screenshot(path=str(artifact("scale-province.png")))

        centre = data.parcels[data.parcels["zone_id"] == "JCJK"].geometry.union_all().centroid
        page.evaluate(SET_VIEW_JS, [centre.y, centre.x, 16])
        layers = wait_until(page, lambda drawn: drawn.get("parcels", 0) > 0)
        s, w, n, e, z = page.evaluate(BOUNDS_JS)
        view = snap_view([[s, w], [n, e]], z)
        truth = int(np.count_nonzero(data.parcels.geometry.intersects(view.box).to_numpy()))
        assert layers["parcels"] == truth and layers.get("parcels_cell", 0) == 0
        page.screenshot(path=str(artifact("scale-zone.png")))
    assert page.external == [] and page.errors == []


@pytest.fixture(scope="module")
def big_server(big_store):
    with harness.app_server(data=big_store) as url:
        yield url


TRACEBACK = re.compile(r"Traceback|File \"/|\b[A-Z]\w*(Error|Exception)\b|StreamlitAPIException|/work/|/tmp/")


@pytest.mark.parametrize(
    ("path", "drawn_as"),
    [
        ("", "parcels_cell"),  # 总览地图: grid cells for 12 000 parcels
        ("supply", "parcels_cell"),  # 标准地供给
        ("tracker", "projects"),  # 三个一批: the projects in view (up to 1 500 drawn as points)
        ("idle", "parcels_cell"),  # 闲置土地盘活
        ("tour", "projects"),  # 观摩会: the tour's own map, zones and projects at its first stop
    ],
)
def test_every_page_draws_its_map_at_province_scale(page, big_server, path, drawn_as):
    page.goto(f"{big_server}/{path}")
    layers = wait_until(page, lambda drawn: drawn.get(drawn_as, 0) > 0)
    assert layers.get("parcels", 0) <= 4000  # never every parcel
    page.screenshot(path=str(artifact(f"scale-page-{path or 'overview'}.png")))
    text = page.locator("body").inner_text()
    assert not TRACEBACK.search(text), TRACEBACK.search(text)
    assert page.external == [] and page.errors == []
