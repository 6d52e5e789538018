"""What a user sees when a page fails: a Chinese sentence with a short error id; the details go to the log.

``client.showErrorDetails`` is off (.streamlit/config.toml), and app.py runs every
page through :func:`guarded`, so no traceback, exception class or server path
reaches the browser. The same id is in the server log next to the traceback.
A step that fails on its own (an export) reports through :func:`show_failure`
and the rest of the page stays.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable

import streamlit as st

log = logging.getLogger(__name__)


def error_id() -> str:
    return uuid.uuid4().hex[:8]


def guarded(run: Callable[[], None]) -> None:
    """Run a page; an unexpected exception becomes a Chinese message with an error id (Streamlit's stop/rerun pass).

    A store error (data unreadable, read-only, a full disk …) that no step caught is shown as the store's own
    sentence, which says what happened and that nothing changed.
    """
    try:
        run()
    except Exception as exc:
        if _is_store_error(exc):
            log.error("store error reached the page: %s", exc, exc_info=True)
            st.error(_escaped(exc))
            return
        show_failure()


def _is_store_error(exc: Exception) -> bool:
    contract = sys.modules.get("geodata.store.contract")  # not imported here: this module loads before geodata
    return contract is not None and isinstance(exc, contract.StoreError)


def _escaped(exc: Exception) -> str:
    from ui.format import md

    return md(exc)


def show_failure(what: str = "页面出错了，操作未完成", retry: str = "请刷新页面后重试", where=None) -> str:
    """Log the exception being handled under a new error id; show ``what`` with the id and no details. Returns the id.

    Call it from an ``except`` block; ``where`` is the container to show it in (the page by default).
    """
    ref = error_id()
    log.exception("%s (error id %s)", "page failed" if where is None else "step failed", ref)
    (where or st).error(failure_text(what, retry, ref))
    return ref


def failure_text(what: str, retry: str, ref: str) -> str:
    """The sentence of a failed step: what failed, its error id and what to do (no details)."""
    return f"{what}（错误编号 {ref}）。{retry}；如仍出错，请把错误编号告诉管理员。"
