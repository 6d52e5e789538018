"""Exports on request: a "生成" button writes the file in chunks under a progress bar, then a download button.

The file is written to a private temporary folder of this server process (see
:func:`private_dir`), read once for the download button and removed at once,
also when writing fails. :func:`export_button` is the one widget for every
export (标准地供给's parcel downloads, 数据管理's layer export).
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from geodata.io.export import ExportError, Progress, export_filename, write_export
from geodata.io.sources import EXPORT_TEMP_PREFIX
from ui.errors import show_failure
from ui.format import md

log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GPKG = "application/geopackage+sqlite3"
MIME_TYPES = {"xlsx": XLSX, "gpkg": GPKG, "geojson": "application/geo+json", "zip": "application/zip"}
Writer = Callable[[Path, Progress], None]  # writes the export to the path, telling progress(done, total)

_private: Path | None = None


def private_dir() -> Path:
    """This process's folder for exports being written (0700; made again if a cleanup removed it)."""
    global _private
    if _private is None or not _private.is_dir():
        _private = Path(tempfile.mkdtemp(prefix=EXPORT_TEMP_PREFIX))
    return _private


def written(filename: str, write: Writer, progress: Progress) -> bytes:
    """The bytes ``write`` puts in a private temporary file; the file is removed afterwards, whatever happens."""
    path = private_dir() / f"{uuid.uuid4().hex}{Path(filename).suffix}"
    try:
        write(path, progress)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def export_button(
    what: str, filename: str, write: Writer, key: str, unit: str = "宗", download: str | None = None, where=None
) -> None:
    """The "生成{what}" button: ``write`` makes ``filename`` under a progress bar, then a download button.

    ``download`` is its text, ``where`` the container (the page by default). A refused export
    (:class:`ExportError`) shows its Chinese reason; anything else an error id.
    """
    box = where or st
    if not box.button(f"生成{what}", key=f"{key}_make"):
        return
    bar = box.progress(0.0, text=f"正在生成{what}…")

    def tell(done: int, total: int) -> None:
        bar.progress(min(1.0, done / total) if total else 1.0, text=f"正在生成{what}：{done:,} / {total:,} {unit}")

    try:
        body = written(filename, write, tell)
    except ExportError as exc:
        box.error(md(exc))
        return
    except Exception:
        show_failure(f"{what}未能生成", "请重试", where=box)
        return
    finally:
        bar.empty()
    ext = filename.rsplit(".", 1)[-1]
    box.download_button(
        download or f"下载{what}", body, filename, MIME_TYPES.get(ext), key=key, on_click="ignore", type="primary"
    )


def parcel_downloads(parcels: pd.DataFrame, zones: pd.DataFrame) -> None:
    """台账 (.xlsx, one sheet per zone + 汇总), GeoPackage and GeoJSON of the filtered parcels."""
    st.caption(f"导出当前筛选的 {len(parcels):,} 宗地块：")
    exports = [("台账 Excel", "地块台账", "xlsx"), ("GeoPackage", "地块", "gpkg"), ("GeoJSON", "地块", "geojson")]
    for col, (what, stem, fmt) in zip(st.columns(len(exports)), exports, strict=True):
        export_button(what, export_filename(stem, fmt), _parcels_writer(parcels, zones, fmt), f"dl_{fmt}", where=col)


def _parcels_writer(parcels: pd.DataFrame, zones: pd.DataFrame, fmt: str) -> Writer:
    return lambda path, progress: write_export(parcels, "parcels", fmt, path, zones=zones, progress=progress)
