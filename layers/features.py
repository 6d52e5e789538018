"""GeoJSON features as every map layer sends them: rounded coordinates, ``layer``, ``id`` and an escaped ``tip``.

The building blocks of the map layers (:mod:`layers.overview`, :mod:`layers.adminbase`,
:mod:`layers.viewmap`, :mod:`layers.tracker`); nothing here knows about a page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

import folium
import numpy as np
import pandas as pd
import shapely

from geodata.schema import SCHEMAS

COORD_DECIMALS = 6  # ≈ 0.1 m: more than any screen shows
ADMIN_DECIMALS = 4  # ≈ 10 m: the admin outlines are simplified to 0.0003° (≈ 30 m) anyway


def tip_html(title: str, *lines: str) -> str:
    """Tooltip HTML: every part escaped, lines joined by <br>."""
    body = "".join(f"<br>{escape(line)}" for line in lines if line)
    return f"<b>{escape(title)}</b>{body}"


def feature_collection(
    frame: pd.DataFrame, layer: str, tip: Callable[[Mapping], str], keep=(), decimals: int = COORD_DECIMALS
) -> dict:
    """A GeoJSON FeatureCollection of ``frame`` with rounded coordinates and minimal properties."""
    key = SCHEMAS[layer].key
    geoms = shapely.transform(np.asarray(frame.geometry.values), lambda xy: np.round(xy, decimals))
    features = []
    for geom, record in zip(geoms, frame.drop(columns="geometry").to_dict("records"), strict=True):
        props = {"layer": layer, "id": str(record[key]), "tip": tip(record)}
        props.update({k: record.get(k) for k in keep})
        features.append(
            {"type": "Feature", "id": f"{layer}:{record[key]}", "properties": props, "geometry": geom.__geo_interface__}
        )
    return {"type": "FeatureCollection", "features": features}


def geojson_layer(fc: dict, name: str, style: Callable[[dict], dict], **kwargs) -> folium.GeoJson:
    """A clickable GeoJson layer whose tooltip is each feature's pre-escaped ``tip``."""
    return folium.GeoJson(
        fc,
        name=name,
        style_function=style,
        highlight_function=lambda _f: {"weight": 3, "color": "#00bcd4"},
        # folium checks tooltip fields against the features: an empty layer (everything filtered out) has none
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True) if fc["features"] else None,
        zoom_on_click=False,
        **kwargs,
    )
