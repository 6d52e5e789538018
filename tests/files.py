"""Exported files as bytes, for tests: :func:`geodata.io.export.write_export` (the app's one writer) into a private
temporary folder, read back."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from geodata.io.export import EXTENSIONS, write_export


def exported(frame: pd.DataFrame, layer: str, fmt: str, **options) -> bytes:
    """``frame`` (records of ``layer``) as ``fmt`` (xlsx, shp, gpkg, geojson); ``options`` as for write_export
    (zones= for the parcels' 台账, crs=, encoding=)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export.{EXTENSIONS[fmt]}"
        write_export(frame, layer, fmt, path, **options)
        return path.read_bytes()
