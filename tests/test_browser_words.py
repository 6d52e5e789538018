"""Every word Chinese (#26): each page, for a visitor and for a signed-in editor (whose pages show the edit form,
the uploader and the sign-out), in the states where Streamlit shows its own English: on load, while a text box
holds typed text not yet applied, with the pointer on a table (its toolbar) and on a toolbar button, with a
drop-down list open, with a table's column menu open (and the pointer on each of its submenus), and on 数据管理
with a file chosen in the uploader, accepted or refused (the pointer on the refused file). Any Latin word in what
a user can read there fails, unless it is on the allow list (units, file formats, standards and proper names) or
is the data's own text (identifiers such as JK-56GW).

Streamlit 1.67 has no locale setting and no parameter for these texts (its issue 13500 for the uploader is open;
issue 8402: no option to remove a table's toolbar; nothing turns off or translates the column menu); how each is
handled is in ui/chrome.py.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest

from geodata.store import SAMPLE_PATH
from testing import harness
from tests.conftest import EDITOR, EDITOR_PASSWORD, artifact

pytestmark = pytest.mark.browser

PAGES = {"overview": "/", "supply": "/supply?sel=parcels:JK-56GW", "tracker": "/tracker", "idle": "/idle",
         "tour": "/tour", "data": "/data"}  # fmt: skip
# Words a Chinese user reads as they are: units, file formats and standards, and names.
ALLOWED = {
    "km", "GW", "MW", "MB", "KB", "GB", "dpi",  # units
    "Excel", "Word", "PNG", "PDF", "HTML", "CSV", "GeoJSON", "GeoPackage", "KML", "KMZ", "Shapefile", "WKT",
    "xlsx", "xls", "zip", "kmz", "kml", "gpkg", "geojson", "shp", "shx", "dbf", "prj", "cpg", "csv", "json", "docx",
    "GBK", "UTF", "EPSG", "CGCS", "OGC", "API", "ID", "GDAL", "PostGIS",  # formats and standards
    "ZDDM", "DZJGH", "DKBH", "DKMC", "QLR", "MJ", "YT", "ZT",  # field names in land offices' files
    "PageUp", "PageDown",  # keys
    "OpenStreetMap", "OSM", "Leaflet", "Esri", "Tianditu", "CARTO", "Google", "Earth",  # names
}  # fmt: skip
LATIN = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9]*[A-Za-z](?![A-Za-z0-9_])")
# What a user can read: the text shown in the page and its same-origin frames (in elements laid out larger
# than 1 px, not clipped away, not transparent, not in a 0 px font: the screen-reader-only "11 options
# available." is not shown, nor a text ui.chrome relabels),
# the placeholders (of empty boxes, unless transparent) and tooltips (title) of shown elements. Material icon
# ligatures ("upload", drawn as a glyph) are not text.
TEXT_JS = """() => {
  const out = [];
  const docs = [document, ...[...document.querySelectorAll('iframe')].map(f => {
    try { return f.contentDocument; } catch (e) { return null; } }).filter(Boolean)];
  const shown = e => {
    if (e.checkVisibility && !e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const r = e.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return false;
    const style = e.ownerDocument.defaultView.getComputedStyle(e);
    return !(style.clip && style.clip.startsWith('rect(0')) && style.color !== 'rgba(0, 0, 0, 0)'
      && parseFloat(style.fontSize) > 0;
  };
  const skip = '[data-testid="stIconMaterial"], .material-icons, .material-symbols-rounded, script, style, noscript';
  for (const d of docs) {
    if (!d.body) continue;
    const walker = d.createTreeWalker(d.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const e = n.parentElement, t = n.textContent.trim();
      if (t && e && !e.closest(skip) && shown(e)) out.push(t);
    }
    d.body.querySelectorAll('[placeholder], [title]').forEach(e => {
      if (!shown(e)) return;
      const style = e.ownerDocument.defaultView.getComputedStyle(e, '::placeholder');
      const hint = e.getAttribute('placeholder');
      if (hint && !e.value && style.color !== 'rgba(0, 0, 0, 0)') out.push(hint);
      const title = e.getAttribute('title');
      if (title && e.tagName !== 'IFRAME') out.push(title);  // an iframe's title names it for screen readers
    });
  }
  return out.join('\\n'); }"""


def data_words() -> set[str]:
    """Latin words in the sample's own text (identifiers like JK-56GW, names like 联东U谷): data, not interface."""
    words: set[str] = set()
    with closing(sqlite3.connect(SAMPLE_PATH)) as db:
        for table in ("zones", "parcels", "projects", "rounds", "chains", "zonemap_tours"):
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[2].upper() == "TEXT"]
            for column in columns:
                for (value,) in db.execute(f'SELECT DISTINCT "{column}" FROM {table} WHERE "{column}" IS NOT NULL'):
                    words |= set(LATIN.findall(str(value)))
    return words


def english(text: str, allowed: set[str]) -> list[str]:
    """The lines of ``text`` that hold a Latin word outside ``allowed``."""
    return [line for line in text.splitlines() if set(LATIN.findall(line)) - allowed]


@pytest.fixture(scope="module")
def server(editor_server):
    return editor_server


TOUR_SHOWN_JS = """() => [...document.querySelectorAll('iframe')].some(f => {
  try { return f.contentWindow.zmStop === 0; } catch (e) { return false; } })"""


def settle(page, name: str) -> None:
    """The page has run and drawn: its map (the tour's first stop, on 观摩会) and the rest around it."""
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=60_000)
    if name == "tour":
        page.wait_for_function(TOUR_SHOWN_JS, timeout=60_000)
    elif name != "data":
        harness.wait_for_map(page, timeout=60)
    harness.wait_for_run(page, start=0)


def sign_in(page) -> None:
    page.get_by_label("用户名").fill(EDITOR)
    page.get_by_label("密码", exact=True).fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text("已登录", exact=False).first.wait_for(timeout=30_000)


def visible(page, selector: str):
    return [e for e in page.locator(selector).all() if e.is_visible()]


def texts_in_every_state(page, column_menus: bool = True) -> dict[str, str]:
    """The page's readable text on load and in each state where Streamlit adds words of its own (a table's column
    menus, the same whoever reads them, when ``column_menus``)."""
    seen = {"on load": page.evaluate(TEXT_JS)}
    boxes = visible(page, '[data-testid="stTextInput"] input:not([type="password"])')
    boxes += visible(page, '[data-testid="stNumberInput"] input')
    for box in boxes[:1] + boxes[-1:]:  # typed, not yet applied: "Press Enter to apply" was shown here
        box.click()
        box.press("End")
        box.type("1")
        page.locator('[data-testid="InputInstructions"]').first.wait_for(state="attached", timeout=10_000)
        seen["typing"] = seen.get("typing", "") + page.evaluate(TEXT_JS)
        box.press("Backspace")
        page.keyboard.press("Tab")
        harness.wait_for_run(page)
    tables = visible(page, '[data-testid="stDataFrame"]')
    if tables:  # the table's toolbar shows on hover, each button's label as its tooltip
        tables[0].scroll_into_view_if_needed()
        tables[0].hover()
        page.wait_for_timeout(600)  # a tooltip's delay (the toolbar itself is hidden by ui.chrome)
        buttons = visible(page, '[data-testid="stElementToolbarButton"] button')
        labels = [b.get_attribute("aria-label") or "" for b in buttons]
        seen["table hovered"] = page.evaluate(TEXT_JS) + "\n" + "\n".join(labels)
        if column_menus:
            seen |= column_menu_texts(page, tables[0])
    for widget in ('[data-testid="stMultiSelect"]', '[data-testid="stSelectbox"]'):
        inputs = visible(page, f"{widget} input")
        if inputs:
            inputs[0].click()
            if inputs[0].get_attribute("aria-expanded") != "true":  # focused, not opened (after the column menu)
                inputs[0].press("ArrowDown")
            page.locator('[role="listbox"]:visible').first.wait_for(timeout=10_000)  # the list is open
            seen[f"{widget} open"] = page.evaluate(TEXT_JS)
            page.keyboard.press("Escape")
    return seen


COLUMN_MENU = '[data-testid="stDataFrameColumnMenu"]'
# A column's right border, where the pointer turns into the resize cursor: the table is a canvas, its header
# cells are not in the page's layout.
ON_BORDER_JS = "e => [...e.querySelectorAll('*')].some(x => getComputedStyle(x).cursor === 'col-resize')"


def open_column_menus(page, table, most: int = 3):
    """Open the column menu (the ⋮ at the right end of a header cell, painted on the canvas) of the table's first
    ``most`` columns in turn; yields after each opens, and closes it."""
    box = table.locator("canvas").first.bounding_box()
    y, x, opened = box["y"] + 17, 30, 0  # the header row; past the row-selection column
    while x < box["width"] - 4 and opened < most:
        page.mouse.move(box["x"] + x, y)
        if not table.evaluate(ON_BORDER_JS):
            x += 3
            continue
        end = x
        while end < box["width"] and table.evaluate(ON_BORDER_JS):  # the resize zone's far side
            end += 1
            page.mouse.move(box["x"] + end, y)
        aim = box["x"] + (x + end) / 2 - 17  # the menu's ⋮, just left of the border
        page.mouse.move(aim, y)
        page.mouse.click(aim, y)
        page.locator(COLUMN_MENU).wait_for(timeout=5000)
        page.wait_for_timeout(300)
        yield
        page.keyboard.press("Escape")
        page.locator(COLUMN_MENU).wait_for(state="detached", timeout=5000)
        opened, x = opened + 1, end + 3


def column_menu_texts(page, table) -> dict[str, str]:
    """The page's text with each of the first columns' menus open, and with the pointer on each shown submenu
    item (Streamlit's "Format" and "Statistics")."""
    seen: dict[str, str] = {}
    for _ in open_column_menus(page, table):
        seen["column menu"] = seen.get("column menu", "") + page.evaluate(TEXT_JS)
        for item in visible(page, f"{COLUMN_MENU} [aria-haspopup]"):
            item.hover()
            page.wait_for_timeout(400)
            seen["column submenu"] = seen.get("column submenu", "") + page.evaluate(TEXT_JS)
    assert seen, "no column menu opened"
    return seen


def chosen_file_texts(page, folder) -> dict[str, str]:
    """数据管理 as editor: the text with a file chosen in the uploader, and with a refused one (of a type the
    uploader does not take) under the pointer, where Streamlit says why in a tooltip."""
    accepted, refused = folder / "地块.csv", folder / "说明.docx"
    accepted.write_text("名称,经度,纬度\n甲,112.5,37.8\n", encoding="utf-8")
    refused.write_text("说明", encoding="utf-8")
    uploader = page.locator('[data-testid="stFileUploader"]').first
    seen = {}
    for path, state in ((accepted, "file chosen"), (refused, "file refused")):
        uploader.locator('input[type="file"]').set_input_files(path)
        chip = uploader.locator('[data-testid="stFileChip"]').filter(has_text=path.name)
        chip.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        chip.hover()
        page.wait_for_timeout(600)
        seen[state] = page.evaluate(TEXT_JS)
    assert page.locator('[data-testid="stTooltipErrorContent"]').is_visible()  # the refusal was on screen
    return seen


@pytest.mark.parametrize("name", list(PAGES))
def test_no_latin_word_outside_the_allow_list(server, playwright_browser, name, tmp_path):
    """Each page read as a visitor, then, signed in on the same page, as an editor."""
    allowed = ALLOWED | data_words()
    context = playwright_browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.external = []
    harness.block_external(page, page.external)
    try:
        page.goto(server + PAGES[name])
        settle(page, name)
        for who in ("visitor", "editor"):
            if who == "editor":
                sign_in(page)
                settle(page, name)
                if name == "supply":
                    page.get_by_text("编辑基于第", exact=False).first.wait_for(timeout=30_000)
                if name == "data":
                    page.locator('[data-testid="stFileUploader"]').first.wait_for(timeout=30_000)
            page.screenshot(path=artifact(f"words-{name}-{who}-1366.png"), full_page=True)
            seen = texts_in_every_state(page, column_menus=who == "visitor")
            if name == "data" and who == "editor":
                seen |= chosen_file_texts(page, tmp_path)
            found = {state: english(text, allowed) for state, text in seen.items()}
            bad = [f"{who}, {state}: {line[:120]}" for state, lines in found.items() for line in dict.fromkeys(lines)]
            assert not bad, "\n".join(bad)
        scale = page.evaluate(  # the maps' scale bar in metric units
            "() => [...document.querySelectorAll('iframe')].flatMap(f => { try { return [...f.contentDocument"
            ".querySelectorAll('.leaflet-control-scale-line')].map(e => e.textContent); } catch (e) { return []; } })"
        )
        assert all(re.fullmatch(r"\d+ k?m", s) for s in scale), scale
        assert page.external == []
    finally:
        context.close()


def test_screenshots_of_the_details_panel_and_the_edit_form(server, playwright_browser):
    """The zone card (labels, 链主企业, the folded 编码) and the grouped edit form with its confirmation beside it,
    at 1366×768, for test-artifacts/."""
    context = playwright_browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.external = []
    harness.block_external(page, page.external)
    try:
        page.goto(server + "/?sel=zones:SXZG-JZ")
        settle(page, "overview")
        card = page.locator('[data-testid="stColumn"]').filter(has_text="详情").last
        card.get_by_text("链主企业", exact=True).wait_for(timeout=30_000)
        assert "太重集团（高端装备制造）" in card.inner_text()
        assert "所在市代码" not in card.inner_text()  # folded away in 编码
        page.set_viewport_size({"width": 1366, "height": 1600})  # the whole card in one picture
        card.screenshot(path=artifact("details-zone-1366.png"))
        card.get_by_text("编码", exact=True).click()
        card.get_by_text("所在市代码", exact=True).wait_for(timeout=10_000)
        card.screenshot(path=artifact("details-zone-codes-open-1366.png"))
        page.set_viewport_size({"width": 1366, "height": 768})

        page.goto(server + PAGES["supply"])
        settle(page, "supply")
        sign_in(page)
        form = page.locator('[data-testid="stExpander"]').filter(has_text="编辑基于第 1 版")
        form.wait_for(timeout=30_000)
        form.get_by_label("备注").fill("现场核实")
        form.get_by_role("button", name="保存修改").click()
        done = page.get_by_text("已保存，现为第 2 版。")
        done.wait_for(timeout=30_000)
        box = done.bounding_box()
        assert box and 0 <= box["y"] <= 768  # beside the form, in view: not at the page top
        page.screenshot(path=artifact("editor-saved-1366x768.png"))  # what the editor sees after saving
        page.set_viewport_size({"width": 1366, "height": 2400})
        page.wait_for_timeout(800)
        page.locator('[data-testid="stExpander"]').filter(has_text="编辑基于第 2 版").screenshot(
            path=artifact("editor-form-1366.png")
        )
        assert page.external == []
    finally:
        context.close()


MENU_LABELS_JS = f"""() => [...document.querySelectorAll('{COLUMN_MENU} [role="menuitem"]')]
  .filter(e => e.checkVisibility()).map(e => getComputedStyle(e, '::after').content.replaceAll('"', ''))"""
HEADER_JS = "e => e.querySelector('tr[role=row]').textContent"  # the grid's accessible copy: ↑ or ↓ by a sorted column


@pytest.mark.parametrize("width,height", [(1366, 768)], ids=["1366x768"])  # the menu's CSS knows no window size
def test_a_column_menu_offers_the_two_sorts_in_chinese_and_a_header_click_still_sorts(
    server, playwright_browser, width, height
):
    """The column menu keeps its sort items, relabelled, and nothing else (ui/chrome.py); a click on a header
    sorts as before. Pictures of the open menu for test-artifacts/."""
    context = playwright_browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.external = []
    harness.block_external(page, page.external)
    try:
        page.goto(server + PAGES["supply"])
        settle(page, "supply")
        table = visible(page, '[data-testid="stDataFrame"]')[0]
        table.scroll_into_view_if_needed()
        box = table.locator("canvas").first.bounding_box()
        page.mouse.click(box["x"] + 70, box["y"] + 17)  # the first column's header, left of its ⋮
        page.wait_for_timeout(800)
        header = table.evaluate(HEADER_JS)
        assert "↑" in header and "↓" not in header, header
        menus = open_column_menus(page, table, most=1)
        next(menus)
        assert page.evaluate(MENU_LABELS_JS) == ["升序排列", "降序排列"]
        page.screenshot(path=artifact(f"column-menu-{width}x{height}.png"))
        menus.close()
        page.locator(COLUMN_MENU).get_by_role("menuitem").nth(1).click()  # 降序排列
        page.wait_for_timeout(800)
        header = table.evaluate(HEADER_JS)
        assert "↓" in header and "↑" not in header, header
        assert page.external == []
    finally:
        context.close()
