"""What a shared link carries: page (the path), filters, the selected record and the map view.

The page is the URL path (``st.navigation``) and the filter widgets are bound to
query parameters named after their keys (``bind="query-params"``, see
:mod:`ui.filters`). This module adds the two things widgets do not hold:

- ``sel=parcels:JK-56GW`` — the selected zone, parcel or project;
- ``view=37.68610,112.73180,13`` — the map's centre and zoom.

Both are written into the address by the map in the browser
(:class:`layers.controls.UrlSelection`, :class:`layers.controls.UrlView`), so
panning never reruns the app and a Python-side write never replaces the address
with a stale copy. The encode/decode functions are pure; :func:`restore_selection`
and :func:`restored_view` read ``st.query_params`` when a link is opened: once per
session and page, on its first run; from then on what the user does wins.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

import streamlit as st

from layers.controls import SELECTION_PARAM, VIEW_PARAM

LAYERS = ("zones", "parcels", "projects")
_VIEW = re.compile(r"^\s*(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(\d+(?:\.\d+)?)\s*$")
MIN_ZOOM, MAX_ZOOM = 3.0, 19.0

View = tuple[float, float, float]


def encode_selection(selection: tuple[str, str] | None) -> str | None:
    """``("parcels", "JK-56GW")`` → ``"parcels:JK-56GW"``; nothing selected → None."""
    if not selection:
        return None
    layer, record_id = selection
    return f"{layer}:{record_id}"


def decode_selection(text: object, layers: tuple[str, ...] = LAYERS) -> tuple[str, str] | None:
    """``"parcels:JK-56GW"`` → ``("parcels", "JK-56GW")``; anything else (unknown layer, no id) → None."""
    if not isinstance(text, str) or ":" not in text:
        return None
    layer, record_id = text.split(":", 1)
    record_id = record_id.strip()
    if layer not in layers or not record_id:
        return None
    return layer, record_id


def encode_view(lat: float, lng: float, zoom: float) -> str:
    """The map view as the map writes it: ``"37.68610,112.73180,13"`` (5 decimals ≈ 1 m)."""
    return f"{lat:.5f},{lng:.5f},{round(zoom, 2):g}"


def decode_view(text: object) -> View | None:
    """``"37.6861,112.7318,13"`` → ``(37.6861, 112.7318, 13.0)``; malformed or out of range → None."""
    m = _VIEW.match(text) if isinstance(text, str) else None
    if not m:
        return None
    lat, lng, zoom = (float(g) for g in m.groups())
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or any(math.isnan(v) for v in (lat, lng, zoom)):
        return None
    return lat, lng, min(max(zoom, MIN_ZOOM), MAX_ZOOM)


def _first(params: Mapping, name: str) -> str | None:
    value = params.get(name)
    return value if isinstance(value, str) else None


def _opened(page_key: str) -> bool:
    """True the first time a page asks in this session (the moment a link is applied)."""
    marker = f"_url_opened_{page_key}"
    first = marker not in st.session_state
    st.session_state[marker] = True
    return not first


def restore_selection(state_key: str, exists: Callable[[tuple[str, str]], bool]) -> None:
    """On the page's first run, take the link's ``sel`` as the selection if that record ``exists``."""
    if _opened(f"sel_{state_key}") or st.session_state.get(state_key):
        return
    selection = decode_selection(_first(st.query_params, SELECTION_PARAM))
    if selection and exists(selection):
        st.session_state[state_key] = selection


def restored_view(page_key: str, filter_key: object) -> View | None:
    """The link's map view, for as long as the filters stay as the link set them.

    Read on the page's first run; a later filter change fits the map to the
    filtered features again (the view is forgotten).
    """
    slot = f"_url_view_{page_key}"
    if not _opened(f"view_{page_key}"):
        view = decode_view(_first(st.query_params, VIEW_PARAM))
        st.session_state[slot] = (repr(filter_key), view) if view else None
    kept = st.session_state.get(slot)
    if not kept:
        return None
    if kept[0] != repr(filter_key):
        st.session_state[slot] = None
        return None
    return kept[1]
