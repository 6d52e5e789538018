"""数据管理 in Chromium: a hostile file is checked and previewed without running anything it carries;
a bureau's ledger outside every zone with 用地用海分类 codes is walked through to an import."""

from __future__ import annotations

import re
import shutil
from types import SimpleNamespace

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from domain.scope import PROVINCE
from geodata.dataset import load_dataset
from geodata.store import SAMPLE_PATH, GpkgStore
from testing import harness
from tests import import_corpus
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
def editor_app(tmp_path_factory):
    """The app on a copy of the sample with one editor account (uploading is an edit step): url and data path."""
    from access import accounts

    folder = tmp_path_factory.mktemp("editor")
    shutil.copyfile(SAMPLE_PATH, folder / "data.gpkg")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "ITERATIONS", 1000)  # fast hashing in tests
        accounts.save_account("zhangsan", "张三", PASSWORD, folder / "accounts.toml", scope=PROVINCE)
    with harness.app_server(data=folder / "data.gpkg", env={"ZONEMAP_ACCOUNTS": str(folder / "accounts.toml")}) as url:
        yield SimpleNamespace(url=url, data=folder / "data.gpkg")


@pytest.fixture(scope="module")
def editor_server(editor_app):
    return editor_app.url


def _sign_in(page, url: str) -> None:
    page.goto(f"{url}/data")
    page.get_by_label("用户名").fill("zhangsan")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text("已登录").wait_for(timeout=60_000)


def _choose(page, label: str | re.Pattern, option: str, typed: str) -> None:
    """In the selectbox whose label matches ``label``, type ``typed`` (its list is virtual) and click ``option``."""
    field = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).get_by_role("combobox")
    field.click()
    field.fill(typed)
    choice = page.get_by_role("option", name=option, exact=True)
    try:
        choice.wait_for(timeout=3_000)
    except PlaywrightTimeout:
        field.press("ArrowDown")  # a list that opens only from the keyboard
    try:
        choice.click(timeout=10_000)
    except PlaywrightTimeout:  # the popover can reach below the window on a slow machine: pick it from the keyboard
        if choice.get_attribute("data-focused") != "true":
            raise
        field.press("Enter")


def test_visitors_get_no_upload_box(page, sample_server):
    page.goto(f"{sample_server}/data")
    page.get_by_text("需要编辑权限").wait_for(timeout=60_000)
    assert page.locator("input[type=file]").count() == 0


def test_hostile_upload_is_shown_as_text(page, editor_server, tmp_path):
    path = import_corpus.hostile_text(tmp_path, load_dataset(GpkgStore(SAMPLE_PATH)))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _sign_in(page, editor_server)
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


def test_a_user_picks_a_zone_and_maps_land_use_codes(page, editor_app, tmp_path):
    sample = load_dataset(GpkgStore(SAMPLE_PATH))
    path = import_corpus.bureau_far_codes(tmp_path, sample)  # no ids, no zone, 30 km from every zone, 1001/0702
    _sign_in(page, editor_app.url)
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_text("文件可以读取，但还不能导入：3 处需处理").wait_for(timeout=90_000)
    assert page.get_by_role("button", name="导入 3 条").is_disabled()
    _choose(page, "所属开发区（整个文件）", "晋中新兴产业园区（SXZG-JZ）", "晋中新兴")
    page.get_by_text("检查通过：可以导入 3 条地块").wait_for(timeout=90_000)
    code = page.get_by_role(
        "combobox", name=re.compile("^“0702”· 用地用海分类 0702 城镇社区服务设施用地")
    ).last  # a rerun may briefly show two
    expect(code).to_have_value("未填")  # a code without a counterpart starts as 未填
    expect(page.get_by_role("combobox", name=re.compile("^“1001”"))).to_have_value("工业用地")  # recognised
    _choose(page, re.compile("0702.*城镇社区服务设施用地"), "商服用地", "商服")
    expect(code).to_have_value("商服用地", timeout=90_000)
    page.get_by_text("检查通过：可以导入 3 条地块").wait_for(timeout=90_000)
    page.screenshot(path=str(artifact("data-import-zone-and-codes.png")), full_page=True)
    page.get_by_role("button", name="导入 3 条").click()
    page.get_by_text(re.compile("新增 3 条，更新 0 条，不变 0 条")).wait_for(timeout=90_000)
    parcels = GpkgStore(editor_app.data).read("parcels")
    new = parcels[parcels["name"].str.startswith("经开区", na=False)].sort_values("name")
    assert new["land_use"].tolist() == ["industrial_land", "commercial_land", "industrial_land"]
    assert set(new["zone_id"]) == {"SXZG-JZ"} and new["parcel_id"].str.startswith("SXZG-JZ-").all()
    assert page.errors == [] and page.external == []
