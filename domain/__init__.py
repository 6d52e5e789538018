"""Pure domain rules of zonemap: units, readiness, labels, coordinates.

Nothing in this package imports Streamlit, Folium or does I/O; every function is
unit-tested on its own.
"""
