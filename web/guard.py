"""Middleware in front of Streamlit: the Host check, security headers, and uploads only for signed-in editors.

- :class:`HostCheck`: a request (HTTP or WebSocket) whose ``Host`` is not a
  loopback name (localhost, 127.0.0.1, [::1]) or one the operator allows
  (``$ZONEMAP_ALLOWED_HOSTS``, comma-separated, and Streamlit's
  ``server.allowedHosts``; ``*.example.cn`` matches subdomains) gets 400: a page
  of another site that rebinds its DNS name to this server cannot read it.
- :class:`SecurityHeaders`: every HTTP response carries the Content-Security-Policy,
  ``X-Frame-Options: SAMEORIGIN``, ``Referrer-Policy: no-referrer`` and
  ``X-Content-Type-Options: nosniff`` that README “部署” documents for nginx.
- :class:`UploadGuard`: ``PUT``/``POST`` to ``/_stcore/upload_file/…`` needs the
  cookie of an active session (else 403) and a ``Content-Length`` (else 411); the
  bytes uploaded files hold are capped per Streamlit session (twice
  ``$ZONEMAP_MAX_UPLOAD_MB``) and for the whole server
  (``$ZONEMAP_UPLOADS_HELD_MB``, default 4 × the upload limit): above them 413.
"""

from __future__ import annotations

import fnmatch
import logging
import re
import threading
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie

import anyio
from streamlit import config

from access import sessions
from geodata.settings import env_number, raw
from geodata.store import StoreError, open_store

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")
UPLOAD_PREFIX = "/_stcore/upload_file/"
MB = 1024 * 1024
_HOST_RE = re.compile(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]")
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https://*.tianditu.gov.cn https://tile.openstreetmap.org; font-src 'self' data:; "
    "connect-src 'self'{sockets}; worker-src 'self' blob:; frame-src 'self' blob: data:; frame-ancestors 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)
HEADERS = {
    b"x-frame-options": b"SAMEORIGIN",
    b"referrer-policy": b"no-referrer",
    b"x-content-type-options": b"nosniff",
}


# --- small ASGI helpers ---------------------------------------------------------------------------------------------


def header(scope, name: bytes) -> str:
    """A request header's value ('' when absent)."""
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return ""


def cookie(scope, name: str) -> str | None:
    """One cookie of the request."""
    jar = SimpleCookie()
    try:
        jar.load(header(scope, b"cookie"))
    except CookieError:
        return None
    return jar[name].value if name in jar else None


async def respond(send, status: int, text: str) -> None:
    """A short plain-text answer (Chinese for people; details are in the server log)."""
    body = text.encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


# --- Host -----------------------------------------------------------------------------------------------------------


def allowed_hosts() -> list[str]:
    """Host names this server answers to: loopback, ``$ZONEMAP_ALLOWED_HOSTS`` and ``server.allowedHosts``."""
    extra = [h.strip().lower() for h in raw("ZONEMAP_ALLOWED_HOSTS").split(",") if h.strip()]
    try:
        configured = [str(h).strip().lower() for h in config.get_option("server.allowedHosts") or []]
    except Exception:  # no Streamlit configuration (a bare test)
        configured = []
    return [*LOOPBACK_HOSTS, *extra, *configured]


def host_name(host: str) -> str:
    """``Host`` without its port, lower-case (``[::1]:8501`` → ``[::1]``); '' when the port is not a number."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        name, port = name + "]", rest.removeprefix(":") if rest.startswith(":") else (rest or None)
    elif host.count(":") == 1:
        name, port = host.split(":")
    else:
        name, port = host, None
    return name if port is None or port.isdigit() else ""


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    name = host_name(host)
    if not name or not _HOST_RE.fullmatch(name):
        return False
    for pattern in allowed:
        if pattern == "*" or pattern == name:
            return True
        if pattern.startswith("*.") and fnmatch.fnmatchcase(name, pattern) and name.count(".") >= pattern.count("."):
            return True
    return False


class HostCheck:
    """400 for a Host that is not loopback or allowed (see the module doc); WebSockets are closed."""

    def __init__(self, app, allowed: Iterable[str] | None = None):
        self.app = app
        self.allowed = list(allowed) if allowed is not None else allowed_hosts()

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and not host_allowed(header(scope, b"host"), self.allowed):
            log.warning("refused Host %r from %s", header(scope, b"host")[:100], (scope.get("client") or ("?",))[0])
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await respond(send, 400, "不接受此访问地址（Host）。请使用管理员提供的网址。")
            return
        await self.app(scope, receive, send)


# --- security headers -----------------------------------------------------------------------------------------------


def csp(host: str, https: bool) -> str:
    """The Content-Security-Policy, with this server's WebSocket address when the Host is well-formed."""
    name = host.strip()
    sockets = ""
    if _HOST_RE.fullmatch(host_name(name)) and re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+", name):
        sockets = f" {'wss' if https else 'ws'}://{name}"
    return CSP.format(sockets=sockets)


class SecurityHeaders:
    """Adds the README's security headers to every HTTP response (a header already set is kept)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = {**HEADERS, b"content-security-policy": csp(header(scope, b"host"), scope.get("scheme") == "https")
                 .encode()}  # fmt: skip

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers") or ()}
                message = {**message, "headers": [*(message.get("headers") or ()),
                                                  *((k, v) for k, v in extra.items() if k not in present)]}  # fmt: skip
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- uploads --------------------------------------------------------------------------------------------------------


class UploadLedger:
    """Bytes held by uploaded files, per Streamlit session and file (the request's Content-Length)."""

    def __init__(self, per_session: int, total: int):
        self.per_session, self.total = per_session, total
        self._held: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def reserve(self, session_id: str, file_id: str, size: int) -> str | None:
        """Count ``size`` bytes for this file (replacing what it held); why not (Chinese) when over a limit."""
        with self._lock:
            files = self._held.get(session_id, {})
            mine = sum(files.values()) - files.get(file_id, 0)
            everyone = sum(sum(f.values()) for f in self._held.values()) - files.get(file_id, 0)
            if mine + size > self.per_session:
                return f"本页已上传的文件合计超过 {self.per_session // MB} MB，请先移除不用的文件。"
            if everyone + size > self.total:
                return "服务器暂存的上传文件已达上限，请稍后再试。"
            self._held.setdefault(session_id, {})[file_id] = size
            return None

    def release(self, session_id: str, file_id: str) -> None:
        with self._lock:
            files = self._held.get(session_id, {})
            files.pop(file_id, None)
            if not files:
                self._held.pop(session_id, None)

    def prune(self, alive) -> None:
        """Forget the files of Streamlit sessions that have ended (Streamlit drops their files)."""
        with self._lock:
            for session_id in [s for s in self._held if not alive(s)]:
                del self._held[session_id]

    def held(self, session_id: str | None = None) -> int:
        with self._lock:
            if session_id is not None:
                return sum(self._held.get(session_id, {}).values())
            return sum(sum(f.values()) for f in self._held.values())


def default_ledger() -> UploadLedger:
    upload_mb = env_number("ZONEMAP_MAX_UPLOAD_MB", 100)
    return UploadLedger(int(2 * upload_mb * MB), int(env_number("ZONEMAP_UPLOADS_HELD_MB", 4 * upload_mb) * MB))


def signed_in(scope) -> bool:
    """Whether the request carries the cookie of an active session (asks the store; at most every few seconds)."""
    digest = sessions.token_hash(cookie(scope, sessions.COOKIE))
    if digest is None:
        return False
    try:
        return sessions.active(open_store(), digest) is not None
    except (StoreError, OSError):
        log.exception("could not check an upload's session")
        return False


def _streamlit_session_alive(session_id: str) -> bool:
    from streamlit.runtime import Runtime

    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)


class UploadGuard:
    """Uploads only for signed-in editors, within the held-bytes limits (see the module doc)."""

    def __init__(self, app, ledger: UploadLedger | None = None, alive=_streamlit_session_alive):
        self.app = app
        self.ledger = ledger or default_ledger()
        self.alive = alive

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(UPLOAD_PREFIX):
            await self.app(scope, receive, send)
            return
        parts = path[len(UPLOAD_PREFIX) :].split("/")
        method = scope["method"]
        if method == "DELETE" and len(parts) == 2:
            await self.app(scope, receive, send)
            self.ledger.release(*parts)
            return
        if method not in ("PUT", "POST"):
            await self.app(scope, receive, send)
            return
        if not await anyio.to_thread.run_sync(signed_in, scope):
            await respond(send, 403, "未登录，不能上传文件。请先登录。")
            return
        try:
            size = int(header(scope, b"content-length"))
        except ValueError:
            await respond(send, 411, "上传请求缺少长度（Content-Length）。")
            return
        if len(parts) != 2 or size < 0:
            await respond(send, 400, "上传地址无效。")
            return
        self.ledger.prune(self.alive)
        refused = self.ledger.reserve(parts[0], parts[1], size)
        if refused:
            await respond(send, 413, refused)
            return
        status = []

        async def send_noting_status(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            if not status or status[0] >= 300:
                self.ledger.release(parts[0], parts[1])
