"""数据管理 in Chromium: a hostile file is checked and previewed without running anything it carries."""

from __future__ import annotations

import shutil

import pytest

from geodata.dataset import load_dataset
from geodata.store import SAMPLE_PATH, GpkgStore
from tests import harness, import_corpus
from tests.conftest import artifact

pytestmark = pytest.mark.browser
PASSWORD = "browser-editor-1"
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


@pytest.fixture(scope="module")
def editor_server(tmp_path_factory):
    """The app on a copy of the sample with one editor account (uploading is an edit step)."""
    from geodata import accounts

    folder = tmp_path_factory.mktemp("editor")
    shutil.copyfile(SAMPLE_PATH, folder / "data.gpkg")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "ITERATIONS", 1000)  # fast hashing in tests
        accounts.save_account("zhangsan", "张三", PASSWORD, folder / "accounts.toml")
    with harness.app_server(data=folder / "data.gpkg", env={"ZONEMAP_ACCOUNTS": str(folder / "accounts.toml")}) as url:
        yield url


def test_visitors_get_no_upload_box(page, sample_server):
    page.goto(f"{sample_server}/data")
    page.get_by_text("需要编辑权限").wait_for(timeout=60_000)
    assert page.locator("input[type=file]").count() == 0


def test_hostile_upload_is_shown_as_text(page, editor_server, tmp_path):
    path = import_corpus.hostile_text(tmp_path, load_dataset(GpkgStore(SAMPLE_PATH)))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{editor_server}/data")
    page.get_by_label("用户名").fill("zhangsan")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录").wait_for(timeout=60_000)
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
