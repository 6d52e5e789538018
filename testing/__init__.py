"""What the tests and the benchmarks share: an app server and a headless Chromium (harness), fresh PostGIS
databases (pg), an in-process ASGI client (asgi), hand-made frames (factory) and synthetic map data (mapdata).

A package of its own so that bench/ and tests/ both import it and neither imports the other's helpers.
"""
