"""Exports on request: a "生成" button starts the file in the background, a progress bar follows it, then a
download button offers it.

The file is written by a worker thread of this server process (at most
:data:`WORKERS` at once for all sessions, the rest wait their turn), so the page
stays usable: a 100 000-parcel 台账 takes 30–60 s and used to grey the page out
for all of it (#26). The job is kept in the session under the button's key; a
fragment polls it every second (``st.fragment(run_every=…)``) and, when it ends,
reruns the page once, which then offers the file or says in Chinese why there
is none. The file is written to a private temporary folder of this server
process (see :func:`private_dir`), read once and removed at once, also when
writing fails. :func:`export_button` is the one widget for every export
(标准地供给's parcel downloads, 数据管理's layer export).
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from geodata.io.export import ExportError, Progress, export_filename, write_export
from geodata.io.sources import EXPORT_TEMP_PREFIX
from ui.errors import error_id, failure_text
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


WORKERS = 2  # exports written at once by this process (each holds one CPU while it runs)
POLL_S = 1.0  # how often the progress is redrawn
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="zonemap-export")
_jobs: set[Future] = set()
_jobs_lock = threading.Lock()


@dataclass
class ExportJob:
    """One export being written in the background for one session (no Streamlit call happens in the worker)."""

    what: str
    filename: str
    unit: str
    made_from: object = None  # what the file was made from (kind, filters …): another request offers no stale file
    done: int = 0
    total: int = 0
    body: bytes | None = None
    error: str | None = None  # the Chinese sentence shown instead of the file
    started: float = field(default_factory=time.monotonic)
    future: Future | None = None

    def tell(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def run(self, write: Writer) -> None:
        try:
            self.body = written(self.filename, write, self.tell)
        except ExportError as exc:  # refused as asked: its own Chinese reason
            self.error = md(exc)
        except Exception:
            ref = error_id()
            log.exception("export failed (error id %s)", ref)
            self.error = failure_text(f"{self.what}未能生成", "请重试", ref)

    @property
    def finished(self) -> bool:
        return self.future is not None and self.future.done()

    def status(self) -> tuple[float, str]:
        """Share done and the progress line."""
        if self.future is not None and not self.future.running() and not self.future.done():
            return 0.0, f"{self.what}排队中：正在生成其他文件，轮到后自动开始（页面可继续使用）"
        seconds = int(time.monotonic() - self.started)
        if not self.total:
            return 0.0, f"正在生成{self.what}…（{seconds} 秒；页面可继续使用）"
        share = min(1.0, self.done / self.total)
        return share, f"正在生成{self.what}：{self.done:,} / {self.total:,} {self.unit}（{seconds} 秒；页面可继续使用）"


def start_export(what: str, filename: str, write: Writer, unit: str = "宗", made_from: object = None) -> ExportJob:
    """Queue ``write`` on the export workers; the job tells its progress, then holds the file or an error."""
    job = ExportJob(what, filename, unit, made_from)
    job.future = _pool.submit(job.run, write)
    with _jobs_lock:
        _jobs.add(job.future)
    job.future.add_done_callback(_forget)
    return job


def _forget(future: Future) -> None:
    with _jobs_lock:
        _jobs.discard(future)


def wait_for_exports(timeout: float = 120) -> None:
    """Block until every export started so far has ended (tests and shutdown)."""
    with _jobs_lock:
        running = list(_jobs)
    wait(running, timeout=timeout)


def export_button(
    what: str,
    filename: str,
    write: Writer,
    key: str,
    unit: str = "宗",
    download: str | None = None,
    where=None,
    made_from: object = None,
) -> None:
    """The "生成{what}" button: ``write`` makes ``filename`` in the background under a progress bar, then a
    download button.

    ``download`` is its text, ``where`` the container (the page by default), ``made_from`` a value that
    changes with what the file would hold (the filtered records, the options): a file made from other
    inputs is not offered. A refused export (:class:`ExportError`) shows its Chinese reason; anything else
    an error id.
    """
    box = where or st
    job_key = f"{key}_job"
    job: ExportJob | None = st.session_state.get(job_key)
    if job is not None and (job.what, job.filename, job.made_from) != (what, filename, made_from):
        job = None  # made for another request: its file is not this one (a running one ends unseen)
    running = job is not None and not job.finished
    if box.button(f"生成{what}", key=f"{key}_make", disabled=running):
        job = st.session_state[job_key] = start_export(what, filename, write, unit, made_from)
        running = True
    if job is None:
        return
    if running:
        if where is None:
            _progress(job_key)
        else:
            with where:
                _progress(job_key)
        return
    if job.error:
        box.error(job.error)
        return
    ext = job.filename.rsplit(".", 1)[-1]
    box.download_button(
        download or f"下载{what}",
        job.body,
        job.filename,
        MIME_TYPES.get(ext),
        key=key,
        on_click="ignore",
        type="primary",
    )


@st.fragment(run_every=POLL_S)
def _progress(job_key: str) -> None:
    """The running export's progress, redrawn every second without rerunning the page; once it has ended,
    the page reruns (once) to offer the file and stop polling."""
    job: ExportJob | None = st.session_state.get(job_key)
    if job is None:
        return
    if job.finished:
        st.rerun(scope="app")
    share, text = job.status()
    st.progress(share, text=text)


def parcel_downloads(parcels: pd.DataFrame, zones: pd.DataFrame) -> None:
    """台账 (.xlsx, one sheet per zone + 汇总), GeoPackage and GeoJSON of the filtered parcels."""
    st.caption(f"导出当前筛选的 {len(parcels):,} 宗地块：")
    exports = [("台账 Excel", "地块台账", "xlsx"), ("GeoPackage", "地块", "gpkg"), ("GeoJSON", "地块", "geojson")]
    selected = int(pd.util.hash_pandas_object(parcels["parcel_id"], index=False).sum())  # these parcels, any order
    for col, (what, stem, fmt) in zip(st.columns(len(exports)), exports, strict=True):
        writer = _parcels_writer(parcels, zones, fmt)
        export_button(what, export_filename(stem, fmt), writer, f"dl_{fmt}", where=col, made_from=selected)


def _parcels_writer(parcels: pd.DataFrame, zones: pd.DataFrame, fmt: str) -> Writer:
    return lambda path, progress: write_export(parcels, "parcels", fmt, path, zones=zones, progress=progress)
