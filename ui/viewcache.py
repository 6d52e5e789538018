"""The spatial index of the large-data map, cached per process: no map component here.

:mod:`ui.warm` builds it at server start, outside any page run; a custom
component (streamlit-folium) imported there would not be served to the pages,
so this module imports none and :mod:`ui.bigmap` draws the map.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np
import streamlit as st

from geodata.dataset import Dataset
from geodata.query import View as FilteredView
from layers.adminbase import admin_file
from layers.viewport import LARGE, View, ViewIndex, ViewResult, query_view


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
