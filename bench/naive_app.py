"""Baseline for bench/map_scale.py: one folium map with every filtered parcel and project, as folium draws it.

The same data, filters and map builder as zonemap's small-data path (layers.overview.build_map), without the
viewport: what a Streamlit + folium app does when it hands the whole layer to the browser.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st
from streamlit_folium import st_folium

from geodata.query import apply_filters
from layers.overview import build_map
from ui.data import get_dataset
from ui.filters import sidebar_filters

st.set_page_config(layout="wide")
data = get_dataset()
view = apply_filters(data, sidebar_filters(data))
st.title(f"基线：{len(view.parcels)} 宗地块")
st_folium(build_map(view.layers()), key="naive", height=640, use_container_width=True, returned_objects=[])
