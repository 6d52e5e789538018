"""What a user sees when a page fails: a Chinese sentence with a short error id; the details go to the log.

``client.showErrorDetails`` is off (.streamlit/config.toml), and app.py runs every
page through :func:`guarded`, so no traceback, exception class or server path
reaches the browser. The same id is in the server log next to the traceback.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import streamlit as st

log = logging.getLogger(__name__)


def error_id() -> str:
    return uuid.uuid4().hex[:8]


def guarded(run: Callable[[], None]) -> None:
    """Run a page; an unexpected exception becomes a Chinese message with an error id (Streamlit's stop/rerun pass)."""
    try:
        run()
    except Exception:
        ref = error_id()
        log.exception("page failed (error id %s)", ref)
        st.error(f"页面出错了，操作未完成（错误编号 {ref}）。请刷新页面后重试；如仍出错，请把错误编号告诉管理员。")
