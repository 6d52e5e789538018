"""GDAL locked down for users' files: four drivers, each tied to its extension, and no network.

GDAL guesses a file's format from its content, and some formats point
elsewhere: an OGR VRT document (in a file named ``x.geojson``) opens any path
the server can read, ``/vsicurl/`` makes HTTP requests, a GDALG file runs a
pipeline. So, process-wide (first wall):

* every vector driver except :data:`KEPT_DRIVERS` is skipped before GDAL
  registers its drivers (``GDAL_SKIP``, set by :func:`lock_environment`, which
  every entry point calls before anything imports pyogrio — see :mod:`geodata`);
* GDAL's HTTP client is pointed at a closed local port, with no retries, so a
  request that slips through anyway cannot leave the machine.

And per file (second wall): :func:`driver_for` maps the accepted extension to
exactly one driver; :func:`check_opened_by` refuses a file that the expected
driver did not open; :func:`check_locked` refuses to read at all when the
process-wide settings did not take effect (pyogrio imported too early).
"""

from __future__ import annotations

import os

# The only drivers users' files and our own exports use.
KEPT_DRIVERS = frozenset({"ESRI Shapefile", "GPKG", "GeoJSON", "LIBKML"})
BY_SUFFIX = {".shp": "ESRI Shapefile", ".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "LIBKML"}

# Every vector driver of GDAL 3.12 (pyogrio's wheel) that is not kept. A newer GDAL with a driver not
# named here is caught by check_locked(), which then refuses to read users' files until the list is updated.
SKIPPED_DRIVERS = (
    "ADBC", "AIVector", "AVCBin", "AVCE00", "AmigoCloud", "CSV", "CSW", "Carto", "DGN", "DXF", "EDIGEO", "EEDA",
    "ESRIJSON", "Elasticsearch", "FlatGeobuf", "GDALG", "GML", "GPSBabel", "GPX", "GTFS", "GeoJSONSeq", "GeoRSS",
    "HTTP", "Idrisi", "JML", "JSONFG", "KML", "LVBAG", "MBTiles", "MEM", "MVT", "MapInfo File", "MapML",
    "MiraMonVector", "NGW", "OAPIF", "ODS", "OGCAPI", "OGR_GMT", "OGR_PDS", "OGR_VRT", "OSM", "OpenFileGDB", "PCIDSK",
    "PDF", "PDS4", "PGDUMP", "PLSCENES", "PMTiles", "S57", "SQLite", "SXF", "Selafin", "TopoJSON", "VDV", "VFK",
    "VICAR", "WAsP", "WFS", "XLSX", "VRT", "WMS", "WMTS", "WCS", "DAAS", "EEDAI", "STACTA", "STACIT", "Zarr", "GRIB",
)  # fmt: skip

# A closed port on the loopback: any HTTP(S)/FTP request GDAL would make goes nowhere.
_NO_NETWORK = {
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".zonemap-no-remote-files",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",  # a file is read alone, not with whatever lies beside it
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "OGR_SQLITE_LOAD_EXTENSIONS": "",
}


def lock_environment() -> None:
    """Set the process-wide settings (idempotent). Entry points call it before pyogrio is first imported;
    the settings are inherited by the processes they start (the import worker calls it again anyway)."""
    os.environ["GDAL_SKIP"] = ",".join(SKIPPED_DRIVERS)
    os.environ.update(_NO_NETWORK)


def driver_for(suffix: str) -> str:
    """The one driver allowed for a file with this (lower-case) suffix; KeyError when none is."""
    return BY_SUFFIX[suffix]


def unlocked_drivers() -> set[str]:
    """Registered vector drivers beyond :data:`KEPT_DRIVERS` (empty when locked down)."""
    import pyogrio

    return set(pyogrio.list_drivers()) - KEPT_DRIVERS


def check_locked() -> None:
    """Raise RuntimeError when drivers beyond the kept ones are registered (reading users' files is unsafe)."""
    extra = unlocked_drivers()
    if extra:
        raise RuntimeError(f"GDAL drivers not locked down: {sorted(extra)[:5]}")


def opened_by(path: os.PathLike | str, layer: str | int | None = None) -> str:
    """The driver GDAL opened ``path`` with."""
    import pyogrio

    return str(pyogrio.read_info(path, layer=layer).get("driver"))
