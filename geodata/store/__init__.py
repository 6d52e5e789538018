"""Where zonemap's data lives: one :class:`Store` contract, a GeoPackage and a PostGIS backend.

``open_store(location)`` picks the backend from the location: a ``*.gpkg``
path is a :class:`~geodata.store.gpkg.GpkgStore` (the embedded default), a
``postgresql://`` URL a :class:`~geodata.store.postgis.PostgisStore` (many
offices, one server). Only the modules of this package open a database.

Layers are the ones in :data:`geodata.schema.SCHEMAS`. Spatial layers come back
as GeoDataFrames in EPSG:4490, tables as DataFrames; column types follow the
schema (``bool`` as bool, numbers as float/Int64, text and dates as str/None).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from geodata.atomic import replace_file
from geodata.schema import SCHEMAS
from geodata.settings import raw
from geodata.store.contract import (
    AUDIT_COLUMNS,
    ImportBatch,
    Layer,
    Store,
    StoredTour,
    chunks_of,
    clean,
    clean_frame,
    coerce,
)
from geodata.store.errors import ImportRefused, ScopeError, StoreError
from geodata.store.gpkg import GpkgStore, create_gpkg, is_zonemap_file, write_gpkg

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PATH = REPO_ROOT / "geodata" / "sample" / "zonemap_sample.gpkg"
DEFAULT_DATA_PATH = REPO_ROOT / "var" / "zonemap.gpkg"
URL_PREFIXES = ("postgresql://", "postgres://")

__all__ = [
    "AUDIT_COLUMNS", "DEFAULT_DATA_PATH", "REPO_ROOT", "SAMPLE_PATH", "GpkgStore", "ImportBatch", "ImportRefused",
    "ScopeError", "Store", "StoreError", "StoredTour", "coerce", "create_gpkg", "create_store", "data_location",
    "is_url", "is_zonemap_file", "open_store", "write_gpkg",
]  # fmt: skip


def is_url(location: str | os.PathLike) -> bool:
    return str(location).startswith(URL_PREFIXES)


def data_location() -> str:
    """Where the app's data lives: ``$ZONEMAP_DATA``, else a writable copy of the sample.

    The committed sample is never written to: on first use it is copied to
    ``var/zonemap.gpkg`` (git-ignored).
    """
    env = raw("ZONEMAP_DATA")
    if env:
        return env
    if not DEFAULT_DATA_PATH.exists():
        replace_file(DEFAULT_DATA_PATH, lambda tmp: shutil.copyfile(SAMPLE_PATH, tmp))
    return str(DEFAULT_DATA_PATH)


def open_store(location: str | os.PathLike | None = None) -> Store:
    """Open the store at ``location`` (default: :func:`data_location`)."""
    location = str(location or data_location())
    if is_url(location):
        from geodata.store.postgis import PostgisStore  # psycopg only when a server is used

        return PostgisStore(location)
    if not location.lower().endswith(".gpkg"):
        raise StoreError(f"不支持的数据位置“{Path(location).name}”：应为 .gpkg 文件或 postgresql:// 地址。")
    return GpkgStore(location)


def create_store(
    location: str | os.PathLike,
    frames: Mapping[str, Layer],
    audit: pd.DataFrame | None = None,
    tours: list[StoredTour] | None = None,
) -> Store:
    """A new store at ``location`` (file path or URL) holding ``frames``, and optionally audit rows and tours.

    A GeoPackage file is overwritten; a PostGIS database must hold no zonemap tables yet. Text is cleaned
    first (:func:`~geodata.store.contract.clean`), so what one backend kept (a NUL …) copies to the other.
    A layer given as chunks is cleaned and written a chunk at a time.
    """
    frames = {name: _cleaned(name, f) for name, f in frames.items()}
    if audit is not None:
        text = [c for c in AUDIT_COLUMNS if not pd.api.types.is_numeric_dtype(audit[c])]
        audit = audit.assign(**{c: pd.Series([clean(v) for v in audit[c]], index=audit.index, dtype=object)
                                for c in text})  # fmt: skip
    tours = clean(tours)
    if is_url(location):
        from geodata.store.postgis import create_postgis

        store: Store = create_postgis(str(location), frames)
    else:
        store = create_gpkg(location, frames)
    if audit is not None or tours:
        store.load_history(audit if audit is not None else pd.DataFrame(columns=list(AUDIT_COLUMNS)), tours or [])
    return store


def _cleaned(name: str, layer: Layer) -> Layer:
    if name not in SCHEMAS:
        return layer
    if isinstance(layer, pd.DataFrame):
        return clean_frame(layer, SCHEMAS[name])
    return (clean_frame(chunk, SCHEMAS[name]) for chunk in chunks_of(layer))
