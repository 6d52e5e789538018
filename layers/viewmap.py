"""Folium layers for one view of a large dataset (see :mod:`layers.viewport` for what is chosen)."""

from __future__ import annotations

from html import escape

import folium
import numpy as np
import pandas as pd
from folium.utilities import JsCode

from domain.labels import label, stage_label
from layers import styles
from layers.features import feature_collection, geojson_layer, tip_html
from layers.overview import parcels_layer, project_tip, zones_layer
from layers.viewport import ViewResult, decimals_for, dominant, view_geometries

# Each cell's marker takes its label from the feature (sent once, not again in folium's style table).
CELL_JS = JsCode(
    "function (f, l) { l.setIcon(L.divIcon(Object.assign({}, l.options.icon.options, {html: f.properties.html}))); }"
)


def mu_text(mu: float) -> str:
    """A cell's area in few characters: ``850亩``, ``1.2万亩`` (亩 is the app's unit; 万亩 above ten thousand)."""
    return f"{mu / 10_000:,.1f}万亩" if mu >= 10_000 else f"{mu:,.0f}亩"


def cells_layer(cells: pd.DataFrame, kind: str, colors: list[str], top_labels: list[str], measure: str):
    """Aggregate cells as labelled markers at the cells' centres.

    Parcels: a box with the cell's 宗 and 亩, its border in the colour of the class that
    covers the most 亩 (``measure`` names the classification, e.g. 供地阶段). Projects: a
    round badge on the box's upper right with the count, its border in the colour of the
    most frequent stage (on its own where a cell has projects only). The
    tooltip says the same in words; numbers only reach the HTML, every text is escaped.
    """
    features = []
    for r, color, top in zip(cells.itertuples(), colors, top_labels, strict=True):
        if kind == "parcels":
            html = (
                f'<div class="zm-cell zm-cell-p" style="--c:{escape(color)}"><b>{r.count:,}宗</b>{mu_text(r.mu)}</div>'
            )
            tip = tip_html(f"{r.count:,} 宗地块 · {r.mu:,.2f} 亩", f"面积最大的{measure}：{top}", "放大地图查看详情")
        else:
            html = f'<div class="zm-cell zm-cell-j" style="--c:{escape(color)}">{r.count:,}</div>'
            tip = tip_html(f"{r.count:,} 个项目 · {r.yi:,.2f} 亿元", f"个数最多的{measure}：{top}", "放大地图查看详情")
        features.append({
            "type": "Feature",
            "properties": {"layer": f"{kind}_cell", "id": "", "tip": tip, "html": html},
            "geometry": {"type": "Point", "coordinates": [round(r.cx, 5), round(r.cy, 5)]},
        })  # fmt: skip
    return geojson_layer(
        {"type": "FeatureCollection", "features": features},
        f"{label(kind)}（汇总）",
        lambda _f: {},
        # a zero-size icon at the cell centre; the label centres itself on it (CSS), whatever its width
        marker=folium.Marker(icon=folium.DivIcon(icon_size=(0, 0), icon_anchor=(0, 0), class_name="zm-cell-icon")),
        on_each_feature=CELL_JS,
    )


def _cell_colors(result: ViewResult, parcels: pd.DataFrame, projects: pd.DataFrame, parcel_style: str):
    """Border colour and label of each parcel cell (class with the most 亩) and project cell (most frequent stage)."""
    column, palette = styles.PARCEL_STYLES[parcel_style]
    values = parcels[column].to_numpy(dtype=object)[result.parcel_members] if column in parcels else []
    weight = parcels["area_mu"].to_numpy(dtype=float)[result.parcel_members]
    top = dominant(result.parcel_cell_of, values if len(values) else np.full(len(weight), None), np.nan_to_num(weight),
                   len(result.parcel_cells))  # fmt: skip
    parcel = ([palette.get(v, styles.MISSING) for v in top], [label(v) if v else "未填" for v in top])
    stages = projects["stage"].to_numpy(dtype=object)[result.project_members]
    top = dominant(result.project_cell_of, stages, np.ones(len(stages)), len(result.project_cells))
    project = ([styles.stage_color(v) for v in top], [stage_label(v) if v else "未填" for v in top])
    return parcel, project


def projects_points(projects: pd.DataFrame) -> folium.GeoJson:
    return geojson_layer(
        feature_collection(projects, "projects", project_tip, keep=("stage",), decimals=5),
        label("projects"),
        lambda f: (
            {"radius": 7, "color": "#ffffff", "weight": 1.5, "fillOpacity": 0.95}
            | {"fillColor": styles.stage_color(f["properties"]["stage"])}
        ),
        marker=folium.CircleMarker(radius=7, fill=True),
    )


def view_group(zones: pd.DataFrame, parcels: pd.DataFrame, projects: pd.DataFrame, result: ViewResult,
               parcel_style: str) -> folium.FeatureGroup:  # fmt: skip
    """The dynamic layer for one view: zones, parcels (shapes or cells), projects (points or cells).

    ``parcels`` and ``projects`` are the full frames the index was built on; the result's positions index them.
    """
    group = folium.FeatureGroup(name="当前视图")
    zoom = result.view.zoom
    zones = zones.copy()
    zones["geometry"] = view_geometries(zones.geometry.values, zoom)
    zones_layer(zones, decimals=decimals_for(zoom)).add_to(group)
    if len(result.parcels):
        shown = parcels.iloc[result.parcels].copy()
        shown["geometry"] = view_geometries(shown.geometry.values, zoom)
        parcels_layer(shown, parcel_style, decimals=decimals_for(zoom)).add_to(group)
    (parcel_colors, parcel_tops), (project_colors, project_tops) = _cell_colors(result, parcels, projects, parcel_style)
    measure = styles.PARCEL_STYLE_NAMES[parcel_style]
    if len(result.parcel_cells):
        cells_layer(result.parcel_cells, "parcels", parcel_colors, parcel_tops, measure).add_to(group)
    if len(result.projects):
        projects_points(projects.iloc[result.projects]).add_to(group)
    if len(result.project_cells):
        cells_layer(result.project_cells, "projects", project_colors, project_tops, "阶段").add_to(group)
    return group
