"""The 通报's map: cities shaded by new 签约投资 in the period, as SVG (PDF/HTML) or a PNG (Word, via chromium).

Classes: no signing (grey), then the cities with signings split into three equal
groups by their 签约投资 (dark: the top third). The admin layer gives the outlines; a
bulletin scoped to one city still shows the province, its city named.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path

import pandas as pd

from layers.svgmap import svg_map
from stats.bulletin import Bulletin

log = logging.getLogger(__name__)
SHADES = {"none": "#e6e6e6", "low": "#c6dbef", "mid": "#6baed6", "high": "#08519c"}
SHADE_NAMES = {"none": "本期无签约", "low": "较少", "mid": "中等", "high": "较多"}


def city_shades(b: Bulletin) -> dict[str, str]:
    """City name → shade key by 签约投资 (亿元) in the period."""
    invest = dict(zip(b.cities["市"], b.cities["签约投资（亿元）"], strict=True)) if len(b.cities) else {}
    signed = sorted(((v, k) for k, v in invest.items() if v > 0), reverse=True)
    out = {k: "none" for k in invest}
    for i, (_, city) in enumerate(signed):  # the top third darkest; a lone city with signings is the darkest
        out[city] = ("high", "mid", "low")[min(2, i * 3 // len(signed))]
    return out


def bulletin_svg(b: Bulletin, admin: pd.DataFrame) -> str:
    cities = admin[admin["level"] == "city"].copy()
    if cities.empty:
        return ""
    shades = city_shades(b)
    cities["shade"] = cities["name"].map(shades).fillna("none")
    empty = cities.iloc[0:0]
    svg = svg_map(empty, cities, SHADES, "shade", width=560, height=820, pad=0.03)
    legend = "".join(
        f'<span><i style="background:{color}"></i>{escape(SHADE_NAMES[key])}</span>' for key, color in SHADES.items()
    )
    return f"<figure class='map'>{svg}<figcaption>各市本期新签约投资：{legend}</figcaption></figure>"


MAP_CSS = """
figure.map { margin: 3mm auto; text-align: center; } figure.map svg { width: 110mm; height: auto; }
figcaption span { margin: 0 2mm; } figcaption i { display: inline-block; width: 4mm; height: 3mm; margin-right: 1mm; }
"""


PNG_CSS = "figure.map svg { width: auto; height: 180mm; } figcaption { font-size: 16pt; }"


def bulletin_png(b: Bulletin, admin: pd.DataFrame, out: Path) -> Path | None:
    """The map as a PNG for Word; None (logged) when there is no chromium or no outline."""
    from reports.tour_onepager import render

    figure = bulletin_svg(b, admin)
    if not figure:
        return None
    style = f"body{{margin:0;font-family:'WenQuanYi Zen Hei','Noto Sans CJK SC',sans-serif}}{MAP_CSS}{PNG_CSS}"
    html = f"<!doctype html><meta charset='utf-8'><style>{style}</style><body><h1 id='title' hidden>map</h1>{figure}"
    try:
        render(html, out, measure="#title")
    except RuntimeError as exc:  # no chromium on this machine: the bulletin goes without its map
        log.warning("bulletin map not drawn: %s", exc)
        return None
    return out
