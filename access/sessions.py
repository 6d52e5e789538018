"""Editors' sign-in sessions, kept in the store so that every app server agrees and a restart forgets nothing.

A session's token is ``v2.<43 random base64url characters>`` (256 bits): the
cookie's value, set by the server with ``HttpOnly`` (web.auth_routes). The
store keeps only its SHA-256 (``zonemap_sessions``, see geodata.store.contract),
with the account, when it started, was last seen, expires and ended, and why.
Tokens of the earlier signed format (``v1.…``) are refused: their holder signs
in again.

Signing in (:func:`start`) creates the row and a one-time handoff code, valid
for :data:`HANDOFF_S` seconds, that the page gives its own JavaScript: the code
is posted to ``/auth/session``, which answers with the cookie (:func:`redeem`).
The code never becomes the token, so a script reading the page learns nothing
that lasts. Codes live in this server process: the tab's request goes to the
server that drew it (as Streamlit's WebSocket and uploads already do).

Every page run asks whether its session is still active (:func:`active`): one
primary-key lookup, remembered for at most :data:`CHECK_S` seconds; signing out
here, on another app server or from the command line (password changed, account
removed) ends the session there at its next run. ``last_seen`` is written at
most once a minute. The lifetime is ``$ZONEMAP_SESSION_HOURS`` (default 8).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from geodata.settings import raw as raw_setting
from geodata.store import Store
from geodata.store.contract import SessionRow

log = logging.getLogger(__name__)

COOKIE = "zonemap_session"
SESSION_PATH = "/auth/session"  # the page's script posts the handoff code here (web.auth_routes)
SIGNOUT_PATH = "/auth/signout"  # … and here to delete the cookie
DEFAULT_HOURS = 8.0
HANDOFF_S = 60.0  # a sign-in's handoff code is good for this long, once
CHECK_S = 3.0  # a session found active is asked again after this long
TOUCH_EVERY_S = 60.0  # last_seen is written at most this often
TOKEN_RE = re.compile(r"v2\.[A-Za-z0-9_-]{43}")
CODE_RE = re.compile(r"[A-Za-z0-9_-]{43}")


def session_hours(env: Mapping[str, str] | None = None) -> float:
    """Session lifetime in hours from ``$ZONEMAP_SESSION_HOURS`` (bad or missing: 8)."""
    raw = raw_setting("ZONEMAP_SESSION_HOURS", env)
    if not raw:
        return DEFAULT_HOURS
    try:
        hours = float(raw)
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 24 * 90:
        log.warning("ZONEMAP_SESSION_HOURS=%r is not between 0 and 2160; using %s", raw, DEFAULT_HOURS)
        return DEFAULT_HOURS
    return hours


def token_hash(token: str | None) -> str | None:
    """The stored id of a well-formed token (SHA-256, hex); None for anything else (old v1 tokens included)."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Started:
    """A new session: its token hash (the tab keeps it), expiry and the handoff code for the browser."""

    token_hash: str
    expires: float
    code: str


_handoffs: dict[str, tuple[str, float, float]] = {}  # SHA-256 of a code → (token, expires, good until)
_checked: dict[str, tuple[float, SessionRow]] = {}  # token hash → (when found active, row)
_lock = threading.Lock()


def start(store: Store, username: str, now: float | None = None, hours: float | None = None) -> Started:
    """Create a session for ``username`` in ``store`` and a handoff code for its cookie (StoreError if unsaved)."""
    now = time.time() if now is None else now
    expires = now + (session_hours() if hours is None else hours) * 3600
    token = "v2." + secrets.token_urlsafe(32)
    digest = token_hash(token)
    store.create_session(SessionRow(digest, username, now, now, expires))
    code = secrets.token_urlsafe(32)
    with _lock:
        for key in [k for k, (_, _, until) in _handoffs.items() if until <= now]:
            del _handoffs[key]
        _handoffs[hashlib.sha256(code.encode()).hexdigest()] = (token, expires, now + HANDOFF_S)
    return Started(digest, expires, code)


def redeem(code: str | None, now: float | None = None) -> tuple[str, float] | None:
    """(token, expiry) for a handoff code, once and within :data:`HANDOFF_S`; None otherwise."""
    if not isinstance(code, str) or not CODE_RE.fullmatch(code):
        return None
    now = time.time() if now is None else now
    with _lock:
        entry = _handoffs.pop(hashlib.sha256(code.encode()).hexdigest(), None)
    if entry is None or entry[2] <= now:
        return None
    return entry[0], entry[1]


def active(store: Store, digest: str | None, now: float | None = None) -> SessionRow | None:
    """The session with this token hash when it is still active (asked at most every :data:`CHECK_S` seconds).

    A found session's ``last_seen`` is moved on at most once a minute. Raises
    StoreError when the store cannot be asked (the caller treats it as signed out).
    """
    if not digest:
        return None
    now = time.time() if now is None else now
    with _lock:
        cached = _checked.get(digest)
    if cached and now - cached[0] < CHECK_S and cached[1].expires > now:
        return cached[1]
    row = store.find_session(digest, now)
    with _lock:
        if row is None:
            _checked.pop(digest, None)
        else:
            _checked[digest] = (now, row)
            for key in [k for k, (at, _) in _checked.items() if now - at >= CHECK_S]:
                del _checked[key]
    if row is not None and now - row.last_seen >= TOUCH_EVERY_S:
        store.touch_session(digest, now, TOUCH_EVERY_S)
    return row


def end(store: Store, digest: str | None, why: str, now: float | None = None) -> bool:
    """End one session (sign-out) everywhere; whether it was still active."""
    if not digest:
        return False
    forget(digest)
    return store.end_session(digest, why, time.time() if now is None else now)


def end_all(store: Store, username: str, why: str, now: float | None = None) -> int:
    """End every session of ``username`` (sign-out on all devices, password changed, account removed)."""
    with _lock:
        for key in [k for k, (_, row) in _checked.items() if row.username == username]:
            del _checked[key]
    return store.end_user_sessions(username, why, time.time() if now is None else now)


def forget(digest: str) -> None:
    """Drop what this process remembers about a session (it is asked again next time)."""
    with _lock:
        _checked.pop(digest, None)
