"""The dataset for the pages: read once per process and data version."""

from __future__ import annotations

import os

import streamlit as st

from geodata.dataset import Dataset, load_dataset
from geodata.store import Store, StoreError, data_location, open_store
from ui.format import md


@st.cache_resource(show_spinner="正在读取数据…", max_entries=2)
def _load(location: str, version: str) -> Dataset:
    return load_dataset(open_store(location))


def get_store() -> Store:
    """The app's store (stops the page with a Chinese message if it cannot be opened)."""
    try:
        return open_store(data_location())
    except (StoreError, OSError) as exc:
        _stop(exc)


def get_dataset() -> Dataset:
    """The current dataset, re-read only when the store's version changes."""
    store = get_store()
    try:
        return _load(store.location, store.version())
    except (StoreError, OSError, KeyError, ValueError) as exc:
        _stop(exc)


def _stop(exc: Exception):
    st.error(f"无法读取数据：{md(exc)}")
    st.info("请检查环境变量 ZONEMAP_DATA 指向的 GeoPackage 文件，或删除 var/ 目录以恢复示例数据。")
    st.stop()


def tianditu_token() -> str | None:
    """天地图 key from the TIANDITU_TOKEN env var or Streamlit secrets, if configured."""
    token = os.environ.get("TIANDITU_TOKEN", "").strip()
    if token:
        return token
    try:
        return str(st.secrets.get("TIANDITU_TOKEN", "")).strip() or None
    except Exception:  # no secrets.toml: Streamlit raises its own error type
        return None
