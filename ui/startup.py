"""Once per server process: logging, and leftovers of a crash cleaned away."""

from __future__ import annotations

import logging

import streamlit as st

from geodata.io.sources import clean_stale_temp


@st.cache_resource(show_spinner=False)
def start_once() -> bool:
    """Configure logging (one logger per module, INFO to the server's stderr) and remove stale upload copies."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    removed = clean_stale_temp()
    if removed:
        logging.getLogger(__name__).info("removed %d stale upload folders", removed)
    return True
