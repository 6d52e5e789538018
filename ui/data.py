"""The dataset for the pages: read once per process, then patched record by record as the store changes."""

from __future__ import annotations

import contextlib
import logging
import threading

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from geodata.dataset import Dataset, load_dataset, refresh_dataset
from geodata.settings import raw
from geodata.store import Store, StoreError, data_location, open_store
from ui.format import md

log = logging.getLogger(__name__)


class _Latest:
    """The newest dataset of one location, shared by every session of this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.data: Dataset | None = None


@st.cache_resource(max_entries=4)
def _latest(location: str) -> _Latest:
    return _Latest()


def load_cached(location: str, store: Store | None = None) -> Dataset:
    """The current dataset of ``location``: read once per process, then kept up to date by patching.

    A save (here or on another app server sharing the database) moves the
    store's version; the next page run reads only the changed records
    (:func:`geodata.dataset.refresh_dataset`), not the whole province.
    """
    store = store or open_store(location)
    latest = _latest(location)
    with latest.lock:
        if latest.data is None:
            # The warm start reads outside any page: no spinner there (it would only log warnings).
            with st.spinner("正在读取数据…") if get_script_run_ctx() else contextlib.nullcontext():
                latest.data = load_dataset(store)
        else:
            latest.data = refresh_dataset(latest.data, store)
        return latest.data


def get_store() -> Store:
    """The app's store (stops the page with a Chinese message if it cannot be opened)."""
    try:
        return open_store(data_location())
    except (StoreError, OSError) as exc:
        _stop(exc)


def get_dataset() -> Dataset:
    """The current dataset (see :func:`load_cached`)."""
    store = get_store()
    try:
        return load_cached(data_location(), store)
    except (StoreError, OSError, KeyError, ValueError) as exc:
        _stop(exc)


def _stop(exc: Exception):
    log.error("cannot read the data: %s", exc)
    st.error(f"无法读取数据：{md(exc)}")
    st.info("请检查环境变量 ZONEMAP_DATA 指向的 GeoPackage 文件或 PostgreSQL 数据库，或删除 var/ 目录以恢复示例数据。")
    st.stop()


def tianditu_token() -> str | None:
    """天地图 key from the TIANDITU_TOKEN env var or Streamlit secrets, if configured."""
    token = raw("TIANDITU_TOKEN")
    if token:
        return token
    try:
        return str(st.secrets.get("TIANDITU_TOKEN", "")).strip() or None
    except Exception:  # no secrets.toml: Streamlit raises its own error type
        return None
