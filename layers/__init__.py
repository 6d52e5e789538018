"""Folium map layers, styles, basemaps and the offline JS/CSS they need."""
