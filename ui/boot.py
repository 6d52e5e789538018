"""Start-up order under ``scripts/serve.py``: one thread imports the app before any page run imports it.

Two threads importing a library for the first time at once can deadlock on the
library's own import cycle (branca, under folium, did: ``_DeadlockError`` in
one thread, ``ImportError`` in the other, Streamlit's English error box for the
first visitor). Under ``st.App`` (web/server.py) the lifespan hook imports
every module before the server answers anyone, so nothing needs to wait here.
For any other script ``scripts/serve.py`` starts (the benchmarks' bare page)
the server takes :data:`IMPORTING` before it starts, its start-up thread
imports every module and releases it; a page run waits for that in
:func:`wait_for_imports`. Without the server script (AppTest, a bare
``streamlit run``) nobody holds the lock and nothing waits.

streamlit-folium is the exception: Streamlit registers a custom component only
when the module declaring it is imported inside a page run, so every map is
drawn through :func:`ui.mapview.draw`, which imports it there (folium and branca
are preloaded).
"""

from __future__ import annotations

import logging
import threading

IMPORTING = threading.Lock()
WAIT_S = 120

log = logging.getLogger(__name__)


def wait_for_imports(timeout: float = WAIT_S) -> None:
    """Return once the server's start-up thread has imported the app's modules (at once when there is none)."""
    if IMPORTING.acquire(timeout=timeout):
        IMPORTING.release()
    else:  # the page imports what it needs itself; the log says the start-up thread is stuck
        log.error("the start-up imports did not finish within %d s", timeout)
