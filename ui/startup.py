"""Once per server process: leftovers of a crash cleaned away."""

from __future__ import annotations

import logging

import streamlit as st

from geodata.io.sources import clean_stale_temp


@st.cache_resource(show_spinner=False)
def start_once() -> bool:
    """Remove upload copies and exports a crashed server left behind (logging is set up by scripts/serve.py)."""
    removed = clean_stale_temp()
    if removed:
        logging.getLogger(__name__).info("removed %d stale temporary folders", removed)
    return True
