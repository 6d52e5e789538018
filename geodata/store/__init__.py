"""The data store: one interface, a GeoPackage backend (the embedded default).

``open_store(location)`` picks a backend from the location: a ``*.gpkg`` path is
a :class:`GpkgStore`; a ``postgresql://`` URL is reserved for a PostGIS backend
behind the same :class:`Store` interface (not implemented yet).

Layers are the ones in :data:`geodata.schema.SCHEMAS`. Spatial layers come back
as GeoDataFrames in EPSG:4490, tables as DataFrames; column types follow the
schema (``bool`` as bool, numbers as float/Int64, text and dates as str/None).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geodata import edits
from geodata.edits import Edit
from geodata.schema import CRS, LAYER_ORDER, SCHEMAS, LayerSchema

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PATH = REPO_ROOT / "geodata" / "sample" / "zonemap_sample.gpkg"
DEFAULT_DATA_PATH = REPO_ROOT / "var" / "zonemap.gpkg"


class StoreError(Exception):
    """A store could not be opened, read or written; the message is Chinese."""


class Store(ABC):
    """What every backend offers."""

    location: str

    @abstractmethod
    def layer_names(self) -> list[str]:
        """Names of the layers present."""

    @abstractmethod
    def read(self, layer: str) -> pd.DataFrame:
        """One layer, typed by its schema."""

    @abstractmethod
    def write_all(self, frames: Mapping[str, pd.DataFrame]) -> None:
        """Replace the given layers in one all-or-nothing step."""

    def read_all(self) -> dict[str, pd.DataFrame]:
        """Every schema layer present, in dependency order."""
        present = set(self.layer_names())
        return {name: self.read(name) for name in LAYER_ORDER if name in present}

    def version(self) -> str:
        """A token that changes whenever the stored data changes (cache key)."""
        return ""

    @abstractmethod
    def read_record(self, layer: str, record_id: str) -> tuple[dict | None, int]:
        """One stored record (schema columns) and its version (number of saved changes)."""

    @abstractmethod
    def apply_edit(self, edit: Edit) -> int:
        """Save an edit and its audit rows atomically; return the new version (see geodata.edits)."""

    @abstractmethod
    def history(self, layer: str | None = None, record_id: str | None = None) -> pd.DataFrame:
        """Audit rows, newest first."""

    @abstractmethod
    def list_tours(self) -> list:
        """The 观摩会 tours kept with the data (geodata.tours.Tour)."""

    @abstractmethod
    def save_tour(self, tour, user: str) -> None:
        """Insert or replace one tour."""


def coerce(frame: pd.DataFrame, schema: LayerSchema) -> pd.DataFrame:
    """Cast the schema's columns to their in-memory types (missing ones added as null)."""
    out = frame.copy()
    for f in schema.fields:
        if f.name not in out.columns:
            out[f.name] = None
        col = out[f.name]
        if f.dtype == "bool":
            out[f.name] = _bools(col)
        elif f.dtype == "float":
            out[f.name] = pd.to_numeric(col, errors="coerce").astype(float)
        elif f.dtype == "int":
            out[f.name] = pd.to_numeric(col, errors="coerce").astype("Int64")
        elif pd.api.types.is_string_dtype(col) and not pd.api.types.is_object_dtype(col):
            out[f.name] = pd.Series(col.to_numpy(dtype=object, na_value=None), index=out.index, dtype=object)
        else:  # str, date, list: text or None
            out[f.name] = pd.Series([_text(v) for v in col], index=out.index, dtype=object)
    ordered = schema.columns + ([] if schema.geometry is None else ["geometry"])
    rest = [c for c in out.columns if c not in ordered]
    return out[ordered + rest]


def _bools(col: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(col) and not col.isna().any():
        return col.astype(bool)
    return pd.Series([bool(v) if v is not None and v == v else False for v in col], index=col.index)


def _text(value: object) -> str | None:
    if value is None:
        return None
    try:
        if value != value:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


class GpkgStore(Store):
    """GeoPackage file store. Writes go to a temp copy that replaces the file atomically."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.location = str(self.path)
        if not self.path.exists():
            raise StoreError(f"数据文件不存在：{self.path}")

    def layer_names(self) -> list[str]:
        try:
            return [row[0] for row in pyogrio.list_layers(self.path)]
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            raise StoreError(f"无法打开数据文件 {self.path}：{exc}") from exc

    def read(self, layer: str) -> pd.DataFrame:
        schema = SCHEMAS[layer]
        if layer not in self.layer_names():
            raise StoreError(f"数据文件 {self.path} 中缺少图层“{schema.label}”（{layer}）")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(
                self.path, layer=layer, read_geometry=schema.geometry is not None, use_arrow=True
            )
        if schema.geometry is not None:
            frame = frame.set_crs(CRS, allow_override=True) if frame.crs is None else frame.to_crs(CRS)
        else:
            frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        return coerce(frame, schema)

    def write_all(self, frames: Mapping[str, pd.DataFrame]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=self.path.parent)
        os.close(fd)
        try:
            shutil.copyfile(self.path, tmp)
            write_gpkg(tmp, frames, replace=True)
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def read_record(self, layer: str, record_id: str) -> tuple[dict | None, int]:
        return edits.read_record(self.path, layer, record_id)

    def apply_edit(self, edit: Edit) -> int:
        return edits.apply_edit(self.path, edit)

    def history(self, layer: str | None = None, record_id: str | None = None) -> pd.DataFrame:
        return edits.history(self.path, layer, record_id)

    def list_tours(self) -> list:
        from geodata import tours  # tours reads datasets, which read stores

        return tours.list_tours(self.path)

    def save_tour(self, tour, user: str) -> None:
        from geodata import tours

        tours.save_tour(self.path, tour, user)

    def version(self) -> str:
        stat = self.path.stat()
        return f"{self.path}:{stat.st_mtime_ns}:{stat.st_size}"


def write_gpkg(path: str | os.PathLike, frames: Mapping[str, pd.DataFrame], replace: bool = False) -> None:
    """Write layers (typed by their schema) into a GeoPackage file."""
    for name in LAYER_ORDER:
        if name not in frames:
            continue
        schema = SCHEMAS[name]
        frame = coerce(frames[name], schema)
        if schema.geometry is not None:
            gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=frame.crs or CRS)
            pyogrio.write_dataframe(
                gdf, path, layer=name, driver="GPKG", geometry_type=schema.geometry, promote_to_multi=None
            )
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG")


def create_gpkg(path: str | os.PathLike, frames: Mapping[str, pd.DataFrame]) -> GpkgStore:
    """A new GeoPackage store at ``path`` holding ``frames`` (overwrites)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    write_gpkg(path, frames)
    return GpkgStore(path)


def data_location() -> str:
    """Where the app's data lives: ``$ZONEMAP_DATA``, else a writable copy of the sample.

    The committed sample is never written to: on first use it is copied to
    ``var/zonemap.gpkg`` (git-ignored).
    """
    env = os.environ.get("ZONEMAP_DATA", "").strip()
    if env:
        return env
    if not DEFAULT_DATA_PATH.exists():
        DEFAULT_DATA_PATH.parent.mkdir(parents=True, exist_ok=True)
        tmp = DEFAULT_DATA_PATH.with_suffix(".gpkg.tmp")
        shutil.copyfile(SAMPLE_PATH, tmp)
        os.replace(tmp, DEFAULT_DATA_PATH)
    return str(DEFAULT_DATA_PATH)


def open_store(location: str | os.PathLike | None = None) -> Store:
    """Open the store at ``location`` (default: :func:`data_location`)."""
    location = str(location or data_location())
    if location.startswith(("postgresql://", "postgres://")):
        raise StoreError("PostGIS 后端尚未实现：请使用 GeoPackage 文件（.gpkg）。")
    if not location.lower().endswith(".gpkg"):
        raise StoreError(f"不支持的数据位置：{location}（应为 .gpkg 文件）")
    return GpkgStore(location)
