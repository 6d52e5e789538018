"""The map component shared by pages: draw a folium map, read clicks, outline the selection."""

from __future__ import annotations

import folium
import streamlit as st

from geodata.dataset import Dataset
from layers.controls import UrlSelection
from layers.overview import RETURNED_OBJECTS, clicked_record, highlight_group
from ui.chrome import FIT_RESERVES
from ui.urlstate import encode_selection

PICK_SUFFIX = "__pick"  # session key (after the map's) of the function that finds a clicked point's record


def draw(fmap: folium.Map, **kwargs):
    """``streamlit_folium.st_folium(fmap, **kwargs)``, imported here in the page run: Streamlit registers its
    component only when the module declaring it is imported inside a page run (see :mod:`ui.boot`)."""
    from streamlit_folium import st_folium

    return st_folium(fmap, **kwargs)


def take_click(map_key: str, state_key: str = "selected") -> None:
    """Make a new map click the selection (``st.session_state[state_key]``).

    A click reruns the script with the map's value already in session state, so
    calling this before drawing lets the outline and the panels show the same
    record in that run.
    """
    value = st.session_state.get(map_key)
    clicked = clicked_record(value)
    point = (value or {}).get("last_clicked") if clicked is None else None
    if point and (pick := st.session_state.get(map_key + PICK_SUFFIX)) is not None:
        # a vector-tile map (ui.bigmap) returns the clicked point: its record is found on the server
        clicked = pick(point.get("lat"), point.get("lng"), point.get("zoom"))
        mark = (clicked, point.get("lat"), point.get("lng"))  # a new click on the same record selects it again
    else:
        mark = clicked
    seen = f"{map_key}__clicked"
    if clicked and mark != st.session_state.get(seen):
        st.session_state[seen] = mark
        st.session_state[state_key] = clicked


def selection_layer(
    data: Dataset, selection: tuple[str, str] | None, in_url: bool, lifted: bool = False
) -> folium.FeatureGroup | None:
    """The selection's outline; with ``in_url`` it also writes the selection into the page address.

    ``lifted``: the map draws project markers above their point (:func:`layers.overview.build_map`).
    """
    group = highlight_group(data, selection, lifted)
    if in_url:
        group = group or folium.FeatureGroup(name="选中")
        UrlSelection(encode_selection(selection)).add_to(group)
    return group


def _groups(overlays: list | None, selection: folium.FeatureGroup | None):
    """What st_folium adds without redrawing: None, one group or a list (as it accepts them)."""
    groups = [g for g in (*(overlays or []), selection) if g is not None]
    return None if not groups else groups[0] if len(groups) == 1 else groups


def show_map(
    fmap: folium.Map,
    data: Dataset,
    map_key: str,
    selection: tuple[str, str] | None,
    height: int = 640,
    in_url: bool = False,
    overlays: list | None = None,
    fit: int | None = None,
):
    """Render ``fmap``; the selection is outlined as an added layer (no map redraw when it changes).

    ``in_url``: the page's main map keeps the selection in the address (see :mod:`ui.urlstate`).
    ``fit``: the map's frame is as tall as the browser window less ``fit`` pixels (one of
    :data:`ui.chrome.FIT_RESERVES`: what the page shows above the map), so that it ends within the
    first screen on a small one and fills a large one; ``height`` is then only the first draw's.
    """
    if fit is not None and fit not in FIT_RESERVES:
        raise ValueError(f"fit={fit}: not one of {FIT_RESERVES}")
    with st.container(key=f"zm_fit_{fit}_{map_key}" if fit else None):
        draw(
            fmap,
            key=map_key,
            height=height,
            use_container_width=True,
            returned_objects=RETURNED_OBJECTS,
            feature_group_to_add=_groups(overlays, selection_layer(data, selection, in_url, lifted=True)),
        )
