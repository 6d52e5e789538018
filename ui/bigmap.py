"""The overview map for large data: the view's features only, fetched as the user pans and zooms."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from geodata.dataset import Dataset
from geodata.query import View as FilteredView
from layers.controls import FitView
from layers.overview import RETURNED_OBJECTS, SHANXI_BOUNDS, add_legend, base_map, build_map
from layers.styles import PARCEL_STYLES
from layers.viewmap import view_group
from layers.viewport import DETAIL_ZOOM, View, ViewResult, snap_view
from ui.mapview import draw, selection_layer, show_map
from ui.viewcache import _admin_url, _views, is_large

VIEW_OBJECTS = [*RETURNED_OBJECTS, "bounds", "zoom"]
MAP_PX = (900, 640)  # the map's size on a laptop screen, for the first view before the browser reports its own


def first_view(bounds: list) -> View:
    """The view that fitting ``bounds`` into the map gives, before the browser reports one."""
    (_, w), (_, e) = bounds
    lon_span = max(e - w, 1e-6)
    zoom = math.floor(math.log2(360 * MAP_PX[0] / 256 / lon_span))
    return snap_view(bounds, min(zoom, 18))


def show_view_map(data: Dataset, filtered: FilteredView, map_key: str, parcel_style: str, basemap: str = "admin",
                  token: str | None = None, focus: list | None = None, selection=None,
                  parcels: pd.DataFrame | None = None, height: int = 640,
                  overlays: list | None = None, legend_open: bool = True) -> ViewResult:  # fmt: skip
    """Draw the map: a fixed base, and the current view's layer added without reloading it.

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
             height: int = 520, legend_open: bool = False) -> None:  # fmt: skip
    """A page's map beside its table: every filtered record drawn for small data, the viewport map for large.

    ``parcels``: the page's parcels (the view's, plus e.g. its ``idle_class``) drawn and coloured
    by ``parcel_style``; ``projects``: whether the view's projects are drawn; ``overlays``: the
    page's own feature groups (三未 rings). A click on the map selects (see :func:`ui.mapview.take_click`).
    """
    shown = view.parcels if parcels is None else parcels
    if is_large(data):
        column = PARCEL_STYLES[parcel_style][0]
        drawn = data.parcels
        if column not in drawn:  # a page's own class: aligned with the whole dataset for the index
            drawn = drawn.assign(**{column: shown[column].reindex(drawn.index)})
        show_view_map(data, view, map_key, parcel_style, selection=selection, parcels=drawn, height=height,
                      overlays=list(overlays), legend_open=legend_open)  # fmt: skip
        return
    layers = {"admin": view.admin, "zones": view.zones, "parcels": shown}
    if projects:
        layers["projects"] = view.projects
    fmap = build_map(layers, parcel_style=parcel_style, extra=overlays, legend_open=legend_open)
    show_map(fmap, data, map_key, selection, height=height)
