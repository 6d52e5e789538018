"""Folium layers for one view of a large dataset (see :mod:`layers.viewport` for what is chosen)."""

from __future__ import annotations

import math

import folium
import pandas as pd

from domain.labels import label
from layers import styles
from layers.overview import geojson_layer, parcels_layer, project_tip, tip_html, zones_layer
from layers.viewport import ViewResult, decimals_for, view_geometries

CELL_STYLE = {"color": "#ffffff", "weight": 1.5, "fillOpacity": 0.8}


def cells_layer(cells: pd.DataFrame, kind: str, color: str, unit_column: str, unit: str) -> folium.GeoJson:
    """One circle per aggregate cell, its radius growing with the count; the tooltip gives count and total."""
    features = []
    for r in cells.itertuples():
        tip = tip_html(f"{r.count:,} {'宗地块' if kind == 'parcels' else '个项目'}",
                       f"{getattr(r, unit_column):,.2f} {unit}", "放大地图查看详情")  # fmt: skip
        features.append({
            "type": "Feature",
            "properties": {"layer": f"{kind}_cell", "id": "", "tip": tip, "r": min(28, 5 + 2.2 * math.log2(r.count))},
            "geometry": {"type": "Point", "coordinates": [round(r.lon, 5), round(r.lat, 5)]},
        })  # fmt: skip
    return geojson_layer(
        {"type": "FeatureCollection", "features": features},
        f"{label(kind)}（汇总）",
        lambda f: CELL_STYLE | {"fillColor": color, "radius": f["properties"]["r"]},
        marker=folium.CircleMarker(radius=8, fill=True),
    )


def projects_points(projects: pd.DataFrame) -> folium.GeoJson:
    from layers.overview import feature_collection

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
    if len(result.parcel_cells):
        cells_layer(result.parcel_cells, "parcels", "#5c6bc0", "mu", "亩").add_to(group)
    if len(result.projects):
        projects_points(projects.iloc[result.projects]).add_to(group)
    if len(result.project_cells):
        cells_layer(result.project_cells, "projects", "#d81b60", "yi", "亿元").add_to(group)
    return group
