"""Map of the 开发区年度考核: each 开发区 filled by its class (A/B/C/D, or grey: 不定级), with a legend.

A zone's tooltip gives its name, class, total and rank (escaped); schematic
outlines say so, in the tooltip and in the legend, as on every other map.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

import folium
import pandas as pd

from domain.evaluation import NO_CLASS, class_label
from layers.controls import FitView, Legend
from layers.features import feature_collection, geojson_layer, tip_html
from layers.overview import base_map, data_bounds
from layers.styles import EVALUATION_COLORS, MISSING, legend_html_rows

DOT = {"radius": 7, "color": "#ffffff", "weight": 1.5, "fillOpacity": 0.95}
SCHEMATIC_NOTE = "开发区边界为示意（字段“边界来源”= 示意），不是审批四至范围"


def _style(grade: str) -> dict:
    color = EVALUATION_COLORS.get(grade, MISSING)
    return {"color": "#424242", "weight": 1.2, "fillColor": color, "fillOpacity": 0.75}


def evaluation_map(admin: pd.DataFrame, zones: pd.DataFrame, results: Mapping[str, Mapping], year: int) -> folium.Map:
    """``zones`` (the 开发区 evaluated) coloured by ``results[zone_id]["grade"]``; tooltips from ``results``."""
    shown = zones[zones["zone_id"].isin(results.keys())]
    fmap = base_map(admin)  # carries SafeTooltips

    def tip(r: Mapping) -> str:
        res = results[r["zone_id"]]
        total = "—" if res["total"] is None else f"{res['total']:.1f} 分"
        rank = "" if res["rank"] is None else f"第 {res['rank']} 名"
        sketch = "边界为示意" if r.get("outline_source") == "schematic" else ""
        return tip_html(r["name"], f"{year}年 {class_label(res['grade'])} · {total} {rank}".strip(), sketch)

    fc = feature_collection(shown, "zones", tip)
    for feature in fc["features"]:
        feature["properties"]["grade"] = results[feature["properties"]["id"]]["grade"]
    geojson_layer(fc, "开发区考核类别", lambda f: _style(f["properties"]["grade"])).add_to(fmap)
    # Zones are a few km across: at the province's scale a dot of the class colour marks each one.
    dots = dict(fc)
    dots["features"] = [
        {**f, "geometry": p.__geo_interface__}
        for f, p in zip(fc["features"], shown.geometry.representative_point(), strict=True)
    ]
    geojson_layer(
        dots,
        "开发区考核类别（点）",
        lambda f: {
            **_style(f["properties"]["grade"]),
            "radius": 7,
            "color": "#ffffff",
            "weight": 1.5,
            "fillOpacity": 0.95,
        },
        marker=folium.CircleMarker(radius=7, fill=True),  # folium leaves a style's "fill" out
        control=False,
    ).add_to(fmap)
    rows = [(EVALUATION_COLORS[g], class_label(g), "box") for g in ("A", "B", "C", "D", NO_CLASS)]
    Legend(legend_html_rows([(f"{year}年考核类别（可配置，非官方办法）", rows)]) + _note(), open_=True).add_to(fmap)
    FitView(data_bounds({"zones": shown}), None).add_to(fmap)
    return fmap


def _note() -> str:
    return f'<div class="zm-legend-title">{escape(SCHEMATIC_NOTE)}</div>'
