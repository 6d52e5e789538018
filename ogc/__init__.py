"""zonemap's OGC API: read-only Features (GeoJSON, CRS84 or EPSG:4490) and vector tiles, over the Store contract.

The app server mounts :func:`routes` (a list of Starlette routes) into its
``st.App(routes=...)``; nothing here knows how the server is set up::

    from geodata.store import open_store
    import ogc
    routes = ogc.routes(open_store, visitor=lambda request: not signed_in(request))

Paths (under ``/ogc``): landing page, ``/api`` (OpenAPI 3.0), ``/conformance``,
``/collections``, ``/collections/{zones|parcels|projects}``, ``…/items``
(``bbox``, ``bbox-crs``, ``limit`` ≤ 10 000, ``offset``, ``crs``, property
filters, ``datetime`` for projects), ``…/items/{id}``, and
``…/tiles/WebMercatorQuad/{z}/{y}/{x}`` (Mapbox Vector Tile). Why not
pygeoapi: it is not installed, and the Store contract already answers boxes,
filters and tiles for both backends through their spatial indexes, with the
data version the ETags need; pygeoapi would need a provider per backend
repeating that, and its own configuration and process.
"""

from ogc.routes import routes

__all__ = ["routes"]
