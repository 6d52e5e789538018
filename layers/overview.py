"""The 总览地图 map: admin base, zones, parcels and projects, with tooltips and click-through.

Every feature sent to the browser carries only ``layer``, ``id`` and an escaped
``tip`` (tooltip HTML) plus what its style needs; a click comes back from
streamlit-folium as ``last_active_drawing`` (the clicked feature), which
:func:`clicked_record` turns into ``(layer, id)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

import folium
import numpy as np
import pandas as pd

from domain.labels import label, stage_label
from geodata.schema import SCHEMAS
from layers import styles
from layers.assets import offline_cluster, offline_map
from layers.basemaps import OFFLINE, tile_layers
from layers.controls import (
    PIN_LIFT_PX,
    FillFrame,
    FitView,
    Legend,
    MetricScale,
    PointerFixes,
    SafeTooltips,
    UrlView,
)
from layers.features import ADMIN_DECIMALS, COORD_DECIMALS, feature_collection, geojson_layer, tip_html

RETURNED_OBJECTS = ["last_active_drawing"]
SHANXI_BOUNDS = [[34.57, 110.23], [40.74, 114.56]]
CLICKABLE = ("zones", "parcels", "projects")


def _num(value, unit: str, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "未披露"
    return f"{value:,.{digits}f} {unit}"


def _zone_tip(r: Mapping) -> str:
    sketch = "边界为示意" if r.get("outline_source") == "schematic" else ""
    return tip_html(r["name"], f"{label(r['zone_type'])} · {label(r['level'])}", sketch)


def _parcel_tip(r: Mapping) -> str:
    std = "标准地 · " if r.get("is_standard_land") else ""
    return tip_html(
        r["name"],
        f"{std}{_num(r.get('area_mu'), '亩')}",
        f"{label(r.get('pipeline_stage') or r['supply_status'])} · {label(r.get('readiness'))}",
        "示例数据" if r.get("source") == "示例" else "",
    )


def project_tip(r: Mapping) -> str:
    leader = " · 链主" if r.get("is_chain_leader") else ""
    return tip_html(
        r["name"],
        f"{stage_label(r['stage'])}{leader} · {_num(r.get('investment_yi'), '亿元')}",
        r.get("chain") or label("unassigned_chain"),
    )


def _admin_layers(fmap: folium.Map, admin: pd.DataFrame) -> None:
    base = folium.FeatureGroup(name=label("admin"), control=True).add_to(fmap)
    counties = admin[admin["level"] == "county"]
    cities = admin[admin["level"] == "city"]
    geojson_layer(
        feature_collection(counties, "admin", lambda r: tip_html(r["name"]), decimals=ADMIN_DECIMALS),
        "县级行政区",
        lambda _f: styles.COUNTY_LINE,
    ).add_to(base)
    folium.GeoJson(
        feature_collection(cities, "admin", lambda r: "", decimals=ADMIN_DECIMALS),
        name="市界",
        style_function=lambda _f: styles.CITY_LINE,
    ).add_to(base)
    for name, point in zip(cities["name"], cities.geometry.representative_point(), strict=True):
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(html=f'<div class="zm-label">{escape(name)}</div>'),
            interactive=False,
        ).add_to(base)


def base_map(
    admin: pd.DataFrame,
    basemap: str = OFFLINE,
    tianditu_token: str | None = None,
    admin_url: str | None = None,
    inline_admin: bool = False,
) -> folium.Map:
    """The map without data layers: canvas rendering, tiles or the offline admin base, a metric scale.

    The admin base is a file the browser fetches once (``admin_url``, by default
    :func:`layers.adminbase.shared_admin_url`), or with ``inline_admin`` part of the
    map's script. Online tiles that cannot be reached are replaced by the offline
    base, with a note (see :class:`layers.adminbase.AdminFromFile`).
    """
    from layers.adminbase import AdminFromFile, shared_admin_url

    fmap = offline_map(tiles=None, prefer_canvas=True, control_scale=False, zoom_snap=0.5)
    fmap.options.update(minZoom=5, maxZoom=19)  # without tiles folium sets neither; MarkerCluster needs maxZoom
    MetricScale().add_to(fmap)
    SafeTooltips().add_to(fmap)
    PointerFixes().add_to(fmap)
    FillFrame().add_to(fmap)
    tiles = tile_layers(basemap, tianditu_token)
    for tile in tiles:
        tile.add_to(fmap)
    if inline_admin and not tiles:
        _admin_layers(fmap, admin)
    else:
        AdminFromFile(admin_url or shared_admin_url(admin), fallback=bool(tiles)).add_to(fmap)
    return fmap


def zones_layer(zones: pd.DataFrame, decimals: int = COORD_DECIMALS) -> folium.GeoJson:
    return geojson_layer(
        feature_collection(zones, "zones", _zone_tip, keep=("zone_type",), decimals=decimals),
        label("zones"),
        lambda f: styles.zone_style(f["properties"]["zone_type"]),
    )


def parcels_layer(parcels: pd.DataFrame, parcel_style: str, decimals: int = COORD_DECIMALS) -> folium.GeoJson:
    column = styles.PARCEL_STYLES[parcel_style][0]
    return geojson_layer(
        feature_collection(parcels, "parcels", _parcel_tip, keep=(column,), decimals=decimals),
        label("parcels"),
        lambda f: styles.parcel_style(f["properties"][column], parcel_style),
    )


def add_legend(fmap: folium.Map, parcel_style: str, projects: bool = True, open_: bool = True,
               cells: bool = False) -> None:  # fmt: skip
    Legend(styles.legend_html(parcel_style, projects=projects, cells=cells), open_=open_).add_to(fmap)


def build_map(
    layers: Mapping[str, pd.DataFrame],
    *,
    parcel_style: str = "supply_status",
    basemap: str = OFFLINE,
    tianditu_token: str | None = None,
    focus_bounds: list | None = None,
    view: tuple[float, float, float] | None = None,
    extra: Sequence[folium.FeatureGroup] = (),
    legend_open: bool = True,
    url_view: bool = False,
) -> folium.Map:
    """The map of the (already filtered) ``layers``: admin, zones, parcels and, if given, projects.

    The map shows ``view`` (lat, lng, zoom) when given, else fits ``focus_bounds`` or
    the features, clear of the legend and layer list. ``url_view`` keeps the view in
    the page address (shared links). ``extra`` overlays are added before the layer
    control, which must come after every layer it lists.
    """
    fmap = base_map(layers["admin"], basemap, tianditu_token)
    zones_layer(layers["zones"]).add_to(fmap)
    parcels_layer(layers["parcels"], parcel_style).add_to(fmap)
    if "projects" in layers:
        _project_layer(fmap, layers["projects"])
    for group in extra:
        group.add_to(fmap)
    add_legend(fmap, parcel_style, projects="projects" in layers, open_=legend_open)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    FitView(focus_bounds or data_bounds(layers), None if focus_bounds else view).add_to(fmap)
    if url_view:
        UrlView().add_to(fmap)
    return fmap


def _project_layer(fmap: folium.Map, projects: pd.DataFrame) -> None:
    cluster = offline_cluster(name=label("projects"), options={"disableClusteringAtZoom": 12, "maxClusterRadius": 40})
    cluster.add_to(fmap)
    geojson_layer(
        feature_collection(projects, "projects", project_tip, keep=("stage",)),
        label("projects"),
        lambda f: (
            {"radius": 7, "color": "#ffffff", "weight": 1.5, "fillOpacity": 0.95, "zmLift": PIN_LIFT_PX}
            | {"fillColor": styles.stage_color(f["properties"]["stage"])}
        ),
        marker=folium.CircleMarker(radius=7, fill=True),
        control=False,
    ).add_to(cluster)


def data_bounds(layers: Mapping[str, pd.DataFrame]) -> list:
    """[[south, west], [north, east]] of zones, parcels and projects (Shanxi if none)."""
    frames = [layers[k] for k in CLICKABLE if k in layers and len(layers[k])]
    if not frames:
        return SHANXI_BOUNDS
    boxes = np.array([f.total_bounds for f in frames])
    return [[boxes[:, 1].min(), boxes[:, 0].min()], [boxes[:, 3].max(), boxes[:, 2].max()]]


def clicked_record(result: Mapping | None) -> tuple[str, str] | None:
    """``(layer, id)`` of the feature the user clicked, from st_folium's return value."""
    feature = (result or {}).get("last_active_drawing") or {}
    props = feature.get("properties") or {}
    layer, record_id = props.get("layer"), props.get("id")
    if layer in CLICKABLE and record_id:
        return str(layer), str(record_id)
    return None


def record_bounds(data, layer: str, record_id: str, pad_deg: float = 0.004) -> list | None:
    """Bounds to zoom to for one record (points get a small pad)."""
    frame = data.layer(layer)
    hit = frame[frame[SCHEMAS[layer].key] == record_id]
    if hit.empty:
        return None
    w, s, e, n = hit.total_bounds
    return [[s - pad_deg, w - pad_deg], [n + pad_deg, e + pad_deg]]


def highlight_group(data, selection: tuple[str, str] | None, lifted: bool = True) -> folium.FeatureGroup | None:
    """An outline around the selected record, added without redrawing the map; clicks go through it.

    ``lifted``: a project's ring goes around its marker drawn :data:`layers.controls.PIN_LIFT_PX` above its
    point (the maps of :func:`build_map`); without, around the point itself.
    """
    if not selection:
        return None
    layer, record_id = selection
    frame = data.layer(layer)
    hit = frame[frame[SCHEMAS[layer].key] == record_id]
    if hit.empty:
        return None
    group = folium.FeatureGroup(name="选中")
    geom = hit.geometry.iloc[0]
    # never catches a click or hover meant for the features under it (canvas hit-testing reads the option)
    style = styles.HIGHLIGHT | {"interactive": False}
    marker = None
    if geom.geom_type == "Point":  # a project: around its marker, drawn above the point (see PointerFixes)
        marker = folium.CircleMarker(radius=13)
        style |= {"zmLift": PIN_LIFT_PX, "zmStem": False} if lifted else {}
    folium.GeoJson(geom.__geo_interface__, style_function=lambda _f: style, marker=marker, interactive=False).add_to(
        group
    )
    return group


PENDING = {"color": "#e67e22", "weight": 3, "dashArray": "6 4", "fill": False, "interactive": False}


def pending_group(parcels, ids) -> folium.FeatureGroup | None:
    """A dashed orange outline around parcels with changes waiting for review (待审核); clicks go through it."""
    hit = parcels[parcels["parcel_id"].isin(set(ids))]
    if hit.empty:
        return None
    group = folium.FeatureGroup(name="待审核")
    shapes = {"type": "GeometryCollection", "geometries": [g.__geo_interface__ for g in hit.geometry]}
    folium.GeoJson(shapes, style_function=lambda _f: PENDING, interactive=False).add_to(group)
    return group
