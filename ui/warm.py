"""Warm start: read the data and build the map's indexes when the server starts, before the first visitor.

``scripts/serve.py`` runs :func:`warm` in a thread as soon as Streamlit's
runtime exists: data, the map's spatial index, and the idle classification
of the unfiltered data. The caches it fills are the ones the pages use
(``st.cache_resource``, per process), so the first visit is as fast as later
ones; a visitor who arrives while it is still loading waits on the same cache
entry and sees its progress message (正在读取数据… / 正在建立空间索引…).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from domain.idle import IdleRules
from geodata.store import data_location
from geodata.store.errors import StoreError
from ui.data import load_cached
from ui.derived import all_classified
from ui.viewcache import prepare_views

log = logging.getLogger(__name__)


def warm() -> None:
    # Streamlit warns when caches are filled outside a page run; in this thread that is the point.
    here = threading.current_thread().name
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: record.threadName != here or "ScriptRunContext" not in record.getMessage()
    )
    started = time.monotonic()
    try:
        location = data_location()
        data = load_cached(location)
        prepare_views(data)
        # 闲置土地盘活 as a visitor first opens it: today's date, the regulation's thresholds
        all_classified(data, dt.date.today(), IdleRules())
    except StoreError as exc:  # the data as found (a missing layer, a damaged file): the store's sentence
        log.warning("warm start skipped: %s", exc)
        return
    except Exception:  # the pages will say what is wrong, in Chinese, when someone visits
        log.exception("warm start failed")
        return
    log.info("warm start: %d parcels, %d projects ready in %.1f s", len(data.parcels), len(data.projects),
             time.monotonic() - started)  # fmt: skip
