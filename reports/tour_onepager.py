"""A print-ready one-pager per tour stop (A4 landscape): map on the admin base, legend, scale bar, north arrow, figures.

:func:`onepager_html` is a self-contained page (inline SVG map, CJK font stack,
no script); :func:`render` turns it into a PNG with headless Chromium
(Debian's ``chromium``, as in the tests) at 150 dpi, :func:`render` also to a PDF.
"""

from __future__ import annotations

import shutil
from html import escape
from pathlib import Path

import pandas as pd

from domain.clock import beijing_today
from domain.labels import label, stage_label
from domain.tours import Stop, Tour
from geodata.dataset import Dataset
from geodata.query import zone_family
from geodata.schema import SCHEMAS
from geodata.tours import stop_figures
from layers.styles import PIPELINE_COLORS, STAGE_COLORS
from layers.svgmap import svg_map

_RECTS_JS = "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })"
A4_PX = (1754, 1240)  # 297 × 210 mm at 150 dpi
CSS = """
@page { size: A4 landscape; margin: 0; }
html, body { margin: 0; width: 297mm; height: 210mm; font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC",
  "Microsoft YaHei", "PingFang SC", sans-serif; color: #1d2a36; }
.page { box-sizing: border-box; width: 297mm; height: 210mm; padding: 10mm 12mm; display: grid;
  grid-template-columns: 1fr 78mm; grid-template-rows: auto 1fr auto; gap: 4mm 8mm; }
header { grid-column: 1 / 3; border-bottom: 1.2mm solid #1e88e5; padding-bottom: 2mm; }
.tour { font-size: 11pt; color: #556; } h1 { font-size: 22pt; margin: 1mm 0 0; }
.map svg { width: 100%; height: auto; border: 0.3mm solid #999; }
aside dl { display: grid; grid-template-columns: auto 1fr; gap: 2.5mm 4mm; font-size: 13pt; margin: 0; }
aside dt { color: #556; } aside dd { margin: 0; font-weight: 700; }
.note { font-size: 12pt; margin-top: 5mm; line-height: 1.5; }
.legend { font-size: 10pt; margin-top: 6mm; } .legend i { display: inline-block; width: 4mm; height: 3mm;
  margin: 0 1.5mm 0 3mm; border: 0.2mm solid #444; } .legend span { white-space: nowrap; }
footer { grid-column: 1 / 3; font-size: 9pt; color: #667; display: flex; justify-content: space-between; }
"""


def _stop_features(stop: Stop, data: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Zones to outline and the parcels + projects around the stop's record, with a colour key column."""
    frame = data.layer(stop.layer)
    rec = frame[frame[SCHEMAS[stop.layer].key] == stop.ref].iloc[0]
    zone_id = stop.ref if stop.layer == "zones" else rec["zone_id"]
    family = zone_family(data.zones, (zone_id,))
    zones = data.zones[data.zones["zone_id"].isin(family)]
    parents = set(zones["parent_id"].dropna())  # a parent's outline wraps its parks: label the parks only
    zones = zones.assign(label=zones["short_name"].where(~zones["zone_id"].isin(parents), ""))
    parcels = data.parcels[data.parcels["zone_id"].isin(family)].assign(key=lambda f: f["pipeline_stage"])
    projects = data.projects[data.projects["zone_id"].isin(family)].assign(key=lambda f: "stage:" + f["stage"])
    shown = [parcels if "parcels" in stop.show else parcels.iloc[0:0]]
    shown.append(projects if "projects" in stop.show else projects.iloc[0:0])
    if stop.layer != "zones":  # a parcel or project: fit to it and its neighbours
        target = rec.geometry.buffer(0.01)
        shown = [f[f.intersects(target)] for f in shown]
    return zones, pd.concat([f[["name", "key", "geometry"]] for f in shown], ignore_index=True)


def onepager_html(tour: Tour, index: int, data: Dataset) -> str:
    """Stop ``index`` (0-based) of ``tour`` as one A4 landscape page."""
    stop = tour.stops[index]
    zones, features = _stop_features(stop, data)
    record = data.layer(stop.layer)
    name = str(record.loc[record[SCHEMAS[stop.layer].key] == stop.ref, "name"].iloc[0])
    colors = dict(PIPELINE_COLORS) | {f"stage:{k}": c for k, c in STAGE_COLORS.items()}
    base = data.admin[data.admin["level"].isin(["city", "county"])]
    drawn = svg_map(
        zones,
        features,
        colors,
        "key",
        width=1000,
        height=640,
        pad=0.25,
        label_names={name},
        zone_label="label",
        base=base,
    )
    figures = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in stop_figures(stop, data))
    legend = "".join(
        f"<span><i style='background:{c}'></i>{escape(label(k))}</span>" for k, c in PIPELINE_COLORS.items()
    )
    legend += "<br>" + "".join(
        f"<span><i style='background:{c};border-radius:50%'></i>项目·{escape(stage_label(k))}</span>"
        for k, c in STAGE_COLORS.items()
    )
    note = f"<div class='note'>{escape(stop.note)}</div>" if stop.note else ""
    today = beijing_today()
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{escape(stop.title)}</title><style>{CSS}</style></head><body><div class='page'>"
        f"<header><div class='tour'>{escape(tour.title)} · 第 {index + 1} / {len(tour.stops)} 站</div>"
        f"<h1 id='title'>{''.join(f'<span>{escape(ch)}</span>' for ch in stop.title)}</h1></header>"
        f"<div class='map'>{drawn}</div>"
        f"<aside><dl>{figures}</dl>{note}<div class='legend'>{legend}<br>开发区边界（虚线）、地块形状与项目位置为示意"
        "</div></aside>"
        f"<footer><span>{escape(label(stop.layer))}：{escape(name)}</span>"
        f"<span>开发区一张图 · {today.year}年{today.month}月{today.day}日生成</span></footer>"
        "</div></body></html>"
    )


def render(html: str, out: Path, browser=None, measure: str = "#title span") -> list[tuple]:
    """Render ``html`` with headless Chromium (every request blocked) to ``out``.

    A ``.pdf`` gets a vector A4 landscape page; anything else a PNG of
    :data:`A4_PX` pixels (150 dpi). Returns the boxes (x, y, width, height in
    PNG pixels) of the elements matching ``measure`` — by default each
    character of the title — so callers can check what was drawn there.
    ``browser`` is an open Playwright browser to reuse; without it Debian's
    chromium is started for this one page.
    """
    if browser is not None:
        return _render(browser, html, Path(out), measure)
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if not chromium:
        raise RuntimeError(
            "本机无法生成 PNG/PDF：需要 Debian 的 chromium 包和 playwright（make run 会尝试安装）。"
            "可改用“下载打印版 HTML”，在浏览器中打印为 PDF（A4 横向）。"
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            return _render(browser, html, Path(out), measure)
        finally:
            browser.close()


def _render(browser, html: str, out: Path, measure: str) -> list[tuple]:
    scale = A4_PX[0] / 1123  # A4 at CSS 96 dpi is 1123 × 794 px
    page = browser.new_page(viewport={"width": 1123, "height": 794}, device_scale_factor=scale)
    try:
        page.route("**/*", lambda r: r.abort())  # nothing to fetch: the page is self-contained
        page.set_content(html, wait_until="load")
        if out.suffix.lower() == ".pdf":
            page.pdf(path=str(out), prefer_css_page_size=True, print_background=True)
        else:
            page.screenshot(path=str(out), full_page=False)
        rects = page.eval_on_selector_all(measure, _RECTS_JS)
    finally:
        page.close()
    return [tuple(round(v * scale) for v in r) for r in rects]
