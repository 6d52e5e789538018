"""Stores holding a frames function's data, copied from one loaded per test process instead of loaded per test.

:func:`gpkg_store` equals ``create_gpkg(path, make_frames())`` and :func:`pg_store` equals
``create_store(url, make_frames())`` in a fresh database: each call gets its own copy to change.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path

from geodata.atomic import FILE_MODE, private_dir
from geodata.store import create_gpkg
from geodata.store.gpkg import GpkgStore
from testing.factory import frames
from testing.pg import loaded_database

_FILES: dict[Callable, Path] = {}  # frames function → its GeoPackage, written once in this process


def gpkg_store(path: str | os.PathLike, make_frames: Callable[[], Mapping] = frames) -> GpkgStore:
    """A GeoPackage at ``path`` as ``create_gpkg(path, make_frames())`` writes it (a copy of the first one)."""
    if make_frames not in _FILES:
        folder = Path(tempfile.mkdtemp(prefix="zonemap-frames-"))
        atexit.register(shutil.rmtree, folder, True)
        create_gpkg(folder / "frames.gpkg", make_frames()).close()
        _FILES[make_frames] = folder / "frames.gpkg"
    path = Path(path)
    private_dir(path.parent)
    shutil.copyfile(_FILES[make_frames], path)
    os.chmod(path, FILE_MODE)
    return GpkgStore(path)


@contextmanager
def pg_store(make_frames: Callable[[], Mapping] = frames):
    """A PostGIS store in a new database as ``create_store(url, make_frames())`` loads it; dropped afterwards."""
    from geodata.store.postgis import PostgisStore  # psycopg only when a server is used

    with loaded_database(make_frames) as url:
        yield PostgisStore(url)
