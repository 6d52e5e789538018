"""The map for large data: every filtered record from the app's vector tiles, summaries by 市 and 开发区 above them.

Pan and zoom stay in the browser (st_folium returns only the clicked point);
a click is resolved on the server to the record under it (:mod:`layers.pick`)
and becomes the page's selection through :func:`ui.mapview.take_click`. When
the app cannot serve the tiles (Leaflet.VectorGrid not fetched, or the OGC API
switched off) the map falls back to the older view-by-view drawing with grid
cells below zoom 13 (:func:`show_cells_map`), with a warning in the log.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence
from functools import partial

import folium
import pandas as pd
import streamlit as st

from geodata.dataset import Dataset
from geodata.query import Filters
from geodata.query import View as FilteredView
from geodata.settings import ogc_api_enabled
from layers.assets import STATIC_DIR, vectorgrid_ready
from layers.controls import FitView, Legend
from layers.overview import RETURNED_OBJECTS, SHANXI_BOUNDS, add_legend, base_map, build_map
from layers.pick import PROJECT_ZOOM, Picker
from layers.styles import PARCEL_STYLES, ZONE_TYPE_COLORS, legend_html
from layers.tilemap import ABOVE_TILES, Summaries, TileMap, class_table, tables_file, tile_url
from layers.viewmap import view_group
from layers.viewport import DETAIL_ZOOM, View, ViewResult, snap_view
from stats.mapsummary import by_city, by_zone
from ui.mapview import PICK_SUFFIX, draw, selection_layer, show_map
from ui.viewcache import _admin_url, _views, is_large

log = logging.getLogger(__name__)
VIEW_OBJECTS = [*RETURNED_OBJECTS, "bounds", "zoom"]
TILE_OBJECTS = ["last_clicked"]  # no bounds or zoom: panning and zooming never rerun the page
MAP_PX = (900, 640)  # the map's size on a laptop screen, for the first view before the browser reports its own


def first_view(bounds: list) -> View:
    """The view that fitting ``bounds`` into the map gives, before the browser reports one."""
    (_, w), (_, e) = bounds
    lon_span = max(e - w, 1e-6)
    zoom = math.floor(math.log2(360 * MAP_PX[0] / 256 / lon_span))
    return snap_view(bounds, min(zoom, 18))


def tiles_available() -> bool:
    """Whether this app can draw from vector tiles (the plugin fetched, the OGC API on)."""
    if not vectorgrid_ready():
        _warn_no_tiles()
        return False
    return ogc_api_enabled()


@functools.cache
def _warn_no_tiles() -> None:
    log.warning("Leaflet.VectorGrid is not served (run `make setup`): large data drawn as grid cells")


def tile_filters(layer: str, filters: Filters) -> dict[str, str]:
    """The page filters a layer's tiles accept as they are (one chosen value), to send fewer shapes.

    Only exact equivalents: the class table (see :mod:`layers.tilemap`) decides what is drawn in any case.
    """
    one = {
        "city_adcode": filters.cities,
        "chain": filters.chains if layer != "zones" else (),  # zones: lead OR hold the chain (geodata.query)
        "zone_type": filters.zone_types if layer == "zones" else (),
        "land_use": filters.land_uses if layer == "parcels" else (),
        "stage": filters.stages if layer == "projects" else (),
        "round_id": filters.round_ids if layer == "projects" else (),
    }
    return {name: values[0] for name, values in one.items() if len(values) == 1}


@st.cache_resource(show_spinner="正在建立空间索引…", max_entries=2)
def _picker(geometry_version: str, _data: Dataset) -> Picker:
    return Picker(_data.zones, _data.parcels, _data.projects)


@st.cache_resource(max_entries=16)
def _drawn(key: str, _data: Dataset, _filtered: FilteredView, _drawn: pd.DataFrame, _projects: pd.DataFrame,
           parcel_style: str, _flagged: pd.Series | None = None):  # fmt: skip
    """The class tables' file and the summary tables for one data version, filter, style and page (``key``):
    about a second at 100 000 parcels, so not again on a click's rerun."""
    column, palette = PARCEL_STYLES[parcel_style]
    tables = {
        "zones": class_table(_filtered.zones["zone_id"], None, ZONE_TYPE_COLORS),
        "parcels": class_table(_drawn["parcel_id"], _drawn.get(column), palette),
        "projects": class_table(_projects["project_id"], None, {}),
    }
    return (tables_file(tables), by_city(_data.admin, _drawn, _projects, _flagged),
            by_zone(_data.zones, _drawn, _projects, _flagged))  # fmt: skip


def _pick(picker: Picker, masks: dict, lat: float, lng: float, zoom: float | None):
    return picker.pick(lat, lng, zoom, **masks)


def show_tile_map(data: Dataset, filtered: FilteredView, map_key: str, parcel_style: str, basemap: str = "admin",
                  token: str | None = None, focus: list | None = None, selection=None,
                  parcels: pd.DataFrame | None = None, height: int = 640, overlays: list | None = None,
                  legend_open: bool = True, projects: bool = True,
                  flagged: pd.Series | None = None) -> None:  # fmt: skip
    """Every filtered record from vector tiles, coloured by ``parcel_style`` from ``parcels`` (default
    ``data.parcels``; aligned with it, e.g. with the idle page's ``idle_class``), summaries above them
    (counting 三未 where ``flagged``, a boolean per project, is given)."""
    column = PARCEL_STYLES[parcel_style][0]
    drawn = (data.parcels if parcels is None else parcels).loc[filtered.parcels.index]
    shown_projects = filtered.projects if projects else filtered.projects.iloc[:0]
    own = "" if column in data.parcels else str(pd.util.hash_pandas_object(drawn[column], index=False).sum())
    if flagged is not None:
        own += "|" + str(pd.util.hash_pandas_object(flagged, index=True).sum())
    key = f"{data.version}|{filtered.filters!r}|{parcel_style}|{projects}|{own}"
    tables_url, cities, zones = _drawn(key, data, filtered, drawn, shown_projects, parcel_style, flagged)
    if not (STATIC_DIR / "data" / tables_url.rsplit("/", 1)[-1]).exists():  # removed since (static/ cleaned)
        _drawn.clear()
        tables_url, cities, zones = _drawn(key, data, filtered, drawn, shown_projects, parcel_style, flagged)
    urls = {layer: tile_url(layer, data.version, tile_filters(layer, filtered.filters))
            for layer in ("zones", "parcels", "projects")}  # fmt: skip
    fmap = base_map(data.admin, basemap, token, admin_url=_admin_url(data.version, data))
    Legend(legend_html(parcel_style, projects=projects, summaries=True), open_=legend_open).add_to(fmap)
    FitView(focus or SHANXI_BOUNDS).add_to(fmap)
    TileMap(urls, tables_url, projects=projects).add_to(fmap)
    Summaries(cities, zones).add_to(fmap)
    masks = {
        "parcels": data.parcels.index.isin(drawn.index),
        "zones": data.zones.index.isin(filtered.zones.index),
        "projects": data.projects.index.isin(shown_projects.index),
    }
    st.session_state[map_key + PICK_SUFFIX] = partial(_pick, _picker(data.geometry_version, data), masks)
    groups = list(overlays or [])
    if (highlight := selection_layer(data, selection, in_url=True)) is not None:
        groups.append(highlight)
    for group in groups:  # the page's rings and the selection's outline above the tile panes
        _above_tiles(group)
    draw(fmap, key=map_key, height=height, use_container_width=True, returned_objects=TILE_OBJECTS,
         feature_group_to_add=groups or None)  # fmt: skip
    st.caption(
        f"地图显示全部筛选结果的实际形状：{len(drawn):,} 宗地块、{len(shown_projects):,} 个项目"
        f"（项目在 {PROJECT_ZOOM} 级以上显示为圆点；缩小时标注各市、各开发区的宗数、亩数与项目数）。"
    )


def _above_tiles(group: folium.FeatureGroup) -> None:
    """Draw a feature group's GeoJSON layers in the pane above the tiles (:class:`layers.tilemap.TileMap`)."""
    for child in group._children.values():
        if isinstance(child, folium.GeoJson):
            child.options["pane"] = ABOVE_TILES
            if child.marker is not None:
                child.marker.options["pane"] = ABOVE_TILES


def show_view_map(data: Dataset, filtered: FilteredView, map_key: str, parcel_style: str, basemap: str = "admin",
                  token: str | None = None, focus: list | None = None, selection=None,
                  parcels: pd.DataFrame | None = None, height: int = 640,
                  overlays: list | None = None, legend_open: bool = True, projects: bool = True,
                  flagged: pd.Series | None = None) -> None:  # fmt: skip
    """The large-data map: from vector tiles (:func:`show_tile_map`), or grid cells when tiles cannot be served."""
    args = (data, filtered, map_key, parcel_style, basemap, token, focus, selection, parcels, height, overlays,
            legend_open)  # fmt: skip
    if tiles_available():
        show_tile_map(*args, projects=projects, flagged=flagged)
    else:
        show_cells_map(*args)


def show_cells_map(data: Dataset, filtered: FilteredView, map_key: str, parcel_style: str, basemap: str = "admin",
                   token: str | None = None, focus: list | None = None, selection=None,
                   parcels: pd.DataFrame | None = None, height: int = 640,
                   overlays: list | None = None, legend_open: bool = True) -> ViewResult:  # fmt: skip
    """The fallback: a fixed base, and the current view's layer added without reloading it.

    Every page's map at province scale: ``filtered`` says which records show; ``parcels``
    (aligned with ``data.parcels``, e.g. with a page's own ``idle_class`` column) is what
    parcels are drawn and coloured from (default ``data.parcels``); ``overlays`` are a page's own
    feature groups (三未 rings, match candidates) drawn over it. ``legend_open=False`` starts the
    legend folded (maps beside a table, where it would cover half the map).
    """
    state = st.session_state.get(map_key) or {}
    bounds, zoom = state.get("bounds"), state.get("zoom")
    view = snap_view(bounds, zoom) if bounds and zoom is not None else first_view(focus or SHANXI_BOUNDS)
    result = _views(data.geometry_version, data).result(data, filtered, view)
    fmap = base_map(data.admin, basemap, token, admin_url=_admin_url(data.version, data))
    add_legend(fmap, parcel_style, cells=True, open_=legend_open)
    FitView(focus or SHANXI_BOUNDS).add_to(fmap)
    drawn = data.parcels if parcels is None else parcels
    groups = [view_group(filtered.zones, drawn, data.projects, result, parcel_style), *(overlays or [])]
    if (highlight := selection_layer(data, selection, in_url=True)) is not None:
        groups.append(highlight)
    draw(fmap, key=map_key, height=height, use_container_width=True, returned_objects=VIEW_OBJECTS,
              feature_group_to_add=groups)  # fmt: skip
    shapes = "地块形状" if len(result.parcels) else f"按网格汇总（放大到 {DETAIL_ZOOM} 级以上显示地块形状）"
    st.caption(
        f"数据量大，地图只绘制当前视图：视图内 {result.parcels_in_view:,} 宗地块（{shapes}）、"
        f"{result.projects_in_view:,} 个项目；上方统计为全部筛选结果。"
    )
    return result


def page_map(data: Dataset, view: FilteredView, map_key: str, parcel_style: str, selection=None, *,
             parcels: pd.DataFrame | None = None, projects: bool = True, overlays: Sequence = (),
             height: int = 520, legend_open: bool = False, flagged: pd.Series | None = None) -> None:  # fmt: skip
    """A page's map beside its table: every filtered record drawn for small data, the viewport map for large.

    ``parcels``: the page's parcels (the view's, plus e.g. its ``idle_class``) drawn and coloured
    by ``parcel_style``; ``projects``: whether the view's projects are drawn; ``overlays``: the
    page's own feature groups (三未 rings); ``flagged``: per project whether it is flagged 三未 (the large
    map's labels count them). A click on the map selects (see :func:`ui.mapview.take_click`).
    """
    shown = view.parcels if parcels is None else parcels
    if is_large(data):
        column = PARCEL_STYLES[parcel_style][0]
        drawn = data.parcels
        if column not in drawn:  # a page's own class: aligned with the whole dataset for the index
            drawn = drawn.assign(**{column: shown[column].reindex(drawn.index)})
        show_view_map(data, view, map_key, parcel_style, selection=selection, parcels=drawn, height=height,
                      overlays=list(overlays), legend_open=legend_open, projects=projects, flagged=flagged)  # fmt: skip
        return
    layers = {"admin": view.admin, "zones": view.zones, "parcels": shown}
    if projects:
        layers["projects"] = view.projects
    fmap = build_map(layers, parcel_style=parcel_style, extra=overlays, legend_open=legend_open)
    show_map(fmap, data, map_key, selection, height=height)
