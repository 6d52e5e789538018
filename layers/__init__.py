"""Folium map layers, styles, basemaps and the offline JS/CSS they need.

Importing the package makes branca keep rendered map text literally (:mod:`layers.inert`): no record's text is
ever run as a template on the server, whichever module builds the map.
"""

from layers.inert import install

install()
