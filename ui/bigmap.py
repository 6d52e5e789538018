"""The overview map for large data: the view's features only, fetched as the user pans and zooms."""

from __future__ import annotations

import math
import threading
from functools import lru_cache

import numpy as np
import streamlit as st

from geodata.dataset import Dataset
from geodata.query import View as FilteredView
from layers.adminbase import admin_file
from layers.controls import FitView
from layers.overview import RETURNED_OBJECTS, SHANXI_BOUNDS, add_legend, base_map
from layers.viewmap import view_group
from layers.viewport import DETAIL_ZOOM, LARGE, View, ViewIndex, ViewResult, query_view, snap_view
from ui.mapview import selection_layer

VIEW_OBJECTS = [*RETURNED_OBJECTS, "bounds", "zoom"]
MAP_PX = (900, 640)  # the map's size on a laptop screen, for the first view before the browser reports its own


def is_large(data: Dataset) -> bool:
    """Whether drawing everything would stall the browser (see :data:`layers.viewport.LARGE`)."""
    return len(data.parcels) + len(data.projects) > LARGE


class _Views:
    """The spatial index of one geometry version, and its answers per (data version, filters, view).

    An attribute edit gives a new data version but the same shapes: the index
    is kept and only its per-record figures (亩, 亿元) are refreshed.
    """

    def __init__(self, data: Dataset):
        self.index = ViewIndex(data.parcels, data.projects)
        self.version = data.version
        self.query = lru_cache(maxsize=256)(self._query)
        self.masks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.lock = threading.Lock()  # sessions share this object

    def _query(self, filter_key: str, view: View) -> ViewResult:
        parcel_mask, project_mask = self.masks[filter_key]
        return query_view(self.index, parcel_mask, project_mask, view)

    def result(self, data: Dataset, filtered: FilteredView, view: View) -> ViewResult:
        with self.lock:
            return self._result(data, filtered, view)

    def _result(self, data: Dataset, filtered: FilteredView, view: View) -> ViewResult:
        if data.version != self.version:  # same shapes, newer attributes: refresh figures, forget answers
            self.index.refresh(data.parcels, data.projects)
            self.version = data.version
            self.masks.clear()
            self.query.cache_clear()
        key = repr(filtered.filters)
        if key not in self.masks:
            if len(self.masks) > 64:
                self.masks.clear()
                self.query.cache_clear()
            self.masks[key] = (
                data.parcels.index.isin(filtered.parcels.index),
                data.projects.index.isin(filtered.projects.index),
            )
        return self.query(key, view)


@st.cache_resource(show_spinner="正在建立空间索引…", max_entries=2)
def _views(geometry_version: str, _data: Dataset) -> _Views:
    return _Views(_data)


@st.cache_resource(max_entries=2)
def _admin_url(version: str, _data: Dataset) -> str:
    return admin_file(_data.admin)


def prepare_views(data: Dataset) -> None:
    """Build the spatial index and the admin file of a large dataset now (warm start)."""
    if is_large(data):
        _views(data.geometry_version, data)
        _admin_url(data.version, data)


def first_view(bounds: list) -> View:
    """The view that fitting ``bounds`` into the map gives, before the browser reports one."""
    (_, w), (_, e) = bounds
    lon_span = max(e - w, 1e-6)
    zoom = math.floor(math.log2(360 * MAP_PX[0] / 256 / lon_span))
    return snap_view(bounds, min(zoom, 18))


def show_view_map(data: Dataset, filtered: FilteredView, map_key: str, parcel_style: str, basemap: str,
                  token: str | None, focus: list | None, selection) -> ViewResult:  # fmt: skip
    """Draw the map: a fixed base, and the current view's layer added without reloading it."""
    # Imported here, not at the top: ui.warm imports this module at server start, outside any page run, and
    # a custom component declared there is not served (404) to the pages.
    from streamlit_folium import st_folium

    state = st.session_state.get(map_key) or {}
    bounds, zoom = state.get("bounds"), state.get("zoom")
    view = snap_view(bounds, zoom) if bounds and zoom is not None else first_view(focus or SHANXI_BOUNDS)
    result = _views(data.geometry_version, data).result(data, filtered, view)
    fmap = base_map(data.admin, basemap, token, admin_url=_admin_url(data.version, data))
    add_legend(fmap, parcel_style)
    FitView(focus or SHANXI_BOUNDS).add_to(fmap)
    groups = [view_group(filtered.zones, data.parcels, data.projects, result, parcel_style)]
    if (highlight := selection_layer(data, selection, in_url=True)) is not None:
        groups.append(highlight)
    st_folium(fmap, key=map_key, height=640, use_container_width=True, returned_objects=VIEW_OBJECTS,
              feature_group_to_add=groups)  # fmt: skip
    shapes = "地块形状" if len(result.parcels) else f"按网格汇总（放大到 {DETAIL_ZOOM} 级以上显示地块形状）"
    st.caption(
        f"数据量大，地图只绘制当前视图：视图内 {result.parcels_in_view:,} 宗地块（{shapes}）、"
        f"{result.projects_in_view:,} 个项目；上方统计为全部筛选结果。"
    )
    return result
