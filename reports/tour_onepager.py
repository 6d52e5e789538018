"""A print-ready one-pager per tour stop (A4 landscape): map on the admin base, legend, scale bar, north arrow, figures.

:func:`onepager_html` is a self-contained page (inline SVG map, CJK font stack,
no script); :func:`render` turns it into a PNG at 300 dpi (its pHYs chunk says so), or a PDF, in the
server's one shared headless Chromium (:mod:`reports.renderer`). The map fills the page's height beside
the figures (no blank bottom third), and labels are at print size, never over a project marker.
"""

from __future__ import annotations

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
from reports.renderer import Renderer, shared_renderer

DPI = 300
A4_PX = (3508, 2480)  # 297 × 210 mm at 300 dpi; A4 at CSS 96 dpi is 1123 × 794 px
MAP_PX = (1000, 860)  # the map's cell: 187 × 161 mm (the page less margins, header, footer and the figures)
CSS = """
@page { size: A4 landscape; margin: 0; }
html, body { margin: 0; width: 297mm; height: 210mm; font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC",
  "Microsoft YaHei", "PingFang SC", sans-serif; color: #1d2a36; }
.page { box-sizing: border-box; width: 297mm; height: 210mm; padding: 10mm 12mm; display: grid;
  grid-template-columns: 1fr 78mm; grid-template-rows: auto 1fr auto; gap: 4mm 8mm; }
header { grid-column: 1 / 3; border-bottom: 1.2mm solid #1e88e5; padding-bottom: 2mm; }
.tour { font-size: 11pt; color: #556; } h1 { font-size: 22pt; margin: 1mm 0 0; }
.map { min-height: 0; } .map svg { display: block; width: 100%; height: 100%; border: 0.3mm solid #999;
  box-sizing: border-box; }
aside dl { display: grid; grid-template-columns: auto 1fr; gap: 3mm 4mm; font-size: 15pt; margin: 0; }
aside dt { color: #556; } aside dd { margin: 0; font-weight: 700; }
.note { font-size: 13pt; margin-top: 6mm; line-height: 1.5; }
.legend { font-size: 11pt; margin-top: 8mm; line-height: 1.9; } .legend i { display: inline-block; width: 4.5mm;
  height: 3.5mm; margin: 0 1.5mm 0 0; border: 0.2mm solid #444; vertical-align: -0.4mm; }
.legend span { white-space: nowrap; display: inline-block; width: 36mm; } .legend b { display: block; }
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
        width=MAP_PX[0],
        height=MAP_PX[1],
        pad=0.12,
        label_names={name},
        zone_label="label",
        base=base,
        label_size=17,
    )
    figures = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in stop_figures(stop, data))
    legend = "<b>地块·供地阶段</b>" + "".join(
        f"<span><i style='background:{c}'></i>{escape(label(k))}</span>" for k, c in PIPELINE_COLORS.items()
    )
    legend += "<b>项目</b>" + "".join(
        f"<span><i style='background:{c};border-radius:50%'></i>{escape(stage_label(k))}</span>"
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


def render(html: str, out: Path, renderer: Renderer | None = None, measure: str = "#title span") -> list[tuple]:
    """Render ``html`` to ``out`` in the shared headless Chromium (:mod:`reports.renderer`, network off).

    A ``.pdf`` gets a vector A4 landscape page; anything else a PNG of
    :data:`A4_PX` pixels marked 300 dpi. Returns the boxes (x, y, width, height in
    PNG pixels) of the elements matching ``measure`` — by default each
    character of the title — so callers can check what was drawn there.
    ``renderer`` defaults to the server's one (:func:`reports.renderer.shared_renderer`);
    raises :class:`reports.renderer.RenderError` (Chinese message) when busy or unable.
    """
    out = Path(out)
    boxes = (renderer or shared_renderer()).render(html, out, measure, scale=A4_PX[0] / 1123)
    if out.suffix.lower() != ".pdf":  # Chromium writes no resolution: say 300 dpi, so it prints at A4
        from PIL import Image

        with Image.open(out) as image:
            image.load()
        image.save(out, dpi=(DPI, DPI), optimize=False)
    return boxes
