"""数据管理 in Chromium: a hostile file is checked and previewed without running anything it carries."""

from __future__ import annotations

import pytest

from geodata.dataset import load_dataset
from geodata.store import SAMPLE_PATH, GpkgStore
from tests import harness, import_corpus
from tests.conftest import artifact

pytestmark = pytest.mark.browser
POINT_JS = """(id) => {
  const f = [...document.querySelectorAll('iframe')].find(f => f.contentWindow && f.contentWindow.map_div);
  const m = f.contentWindow.map_div; let hit = null;
  const visit = l => { const p = l.feature && l.feature.properties;
    if (p && p.layer === 'parcels' && p.id === id) hit = l; if (l.eachLayer) l.eachLayer(visit); };
  m.eachLayer(visit);
  m.setView(hit.getBounds().getCenter(), 16, {animate: false}); f.scrollIntoView({block: 'center'});
  const pt = m.latLngToContainerPoint(hit.getBounds().getCenter()); const r = f.getBoundingClientRect();
  return [r.left + pt.x, r.top + pt.y]; }"""
TOOLTIP_JS = """() => [...document.querySelectorAll('iframe')].map(f => f.contentDocument)
  .flatMap(d => [...d.querySelectorAll('.leaflet-tooltip')]).map(t => t.textContent).join('|')"""


def test_hostile_upload_is_shown_as_text(page, sample_server, tmp_path):
    path = import_corpus.hostile_text(tmp_path, load_dataset(GpkgStore(SAMPLE_PATH)))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{sample_server}/data")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_text("检查通过：可以导入 3 条地块").wait_for(timeout=60_000)
    counts = harness.wait_for_map(page, timeout=60)
    assert counts["layers"].get("parcels") == 3  # the preview map
    page.mouse.move(*page.evaluate(POINT_JS, "JZ-000"))  # hover the hostile parcel: its tooltip opens
    page.wait_for_timeout(500)
    tooltip = page.evaluate(TOOLTIP_JS)
    assert "恶意地块" in tooltip and "<img" in tooltip  # shown as text, not markup
    frames = [f for f in page.frames if f != page.main_frame]
    injected = sum(f.evaluate("document.querySelectorAll('img[src=\"x\"]').length") for f in frames)
    assert injected == 0 and page.locator('img[src="x"]').count() == 0
    page.screenshot(path=str(artifact("data-import-hostile.png")), full_page=True)
    assert dialogs == [] and page.external == [] and page.errors == []
