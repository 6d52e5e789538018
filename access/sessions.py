"""Signed, expiring sign-in tokens, so reloading the page keeps an editor signed in.

A token is ``v1.<username, base64url>.<expiry, unix seconds>.<HMAC-SHA256, base64url>``.
The HMAC covers the username, the expiry and a fingerprint of the account's
stored password hash, under a server secret: changing the password (or the
secret) revokes every token issued before. The password itself is never in it.

The secret is ``$ZONEMAP_SECRET`` (at least 32 characters) or the file
``var/secret.key`` (git-ignored), created with mode 0600 on first use.
The lifetime is ``$ZONEMAP_SESSION_HOURS`` (default 8). Signing out revokes
the token in the server process (:func:`revoke`) and deletes the cookie.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
from collections.abc import Mapping
from email.utils import formatdate
from pathlib import Path

from access.accounts import Account
from geodata.store import REPO_ROOT

log = logging.getLogger(__name__)

COOKIE = "zonemap_session"
SECRET_PATH = REPO_ROOT / "var" / "secret.key"
DEFAULT_HOURS = 8.0
MIN_SECRET_CHARS = 32
_VERSION = "v1"
_MAX_TOKEN = 512
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[0-9]{1,12}\.[A-Za-z0-9_-]+")


class SessionError(Exception):
    """No usable server secret; the message is Chinese."""


def session_hours(env: Mapping[str, str] | None = None) -> float:
    """Token lifetime in hours from ``$ZONEMAP_SESSION_HOURS`` (bad or missing: 8)."""
    raw = (os.environ if env is None else env).get("ZONEMAP_SESSION_HOURS", "").strip()
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


def server_secret(path: Path | None = None, env: Mapping[str, str] | None = None) -> bytes:
    """The HMAC key: ``$ZONEMAP_SECRET``, else ``path`` (created 0600 with 32 random bytes if missing)."""
    configured = (os.environ if env is None else env).get("ZONEMAP_SECRET", "").strip()
    if configured:
        if len(configured) < MIN_SECRET_CHARS:
            raise SessionError(f"ZONEMAP_SECRET 太短（至少 {MIN_SECRET_CHARS} 个字符），不能用于保持登录")
        return configured.encode()
    path = path or SECRET_PATH
    with contextlib.suppress(FileNotFoundError):
        return _read_secret(path)
    _create_secret(path)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    if len(text) < MIN_SECRET_CHARS:
        raise SessionError(f"密钥文件 {path.name} 内容太短，请删除后重启应用以重新生成")
    return text.encode()


def _create_secret(path: Path) -> None:
    """Write a new secret to ``path`` atomically, mode 0600; a concurrent creator's file wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32) + "\n")
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # atomic, never overwrites
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    log.info("created the session secret %s", path)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, username: str, expires: int, password_hash: str) -> bytes:
    fingerprint = hashlib.sha256(b"zonemap-session\0" + password_hash.encode()).digest()
    message = f"{_VERSION}\0{username}\0{expires}\0".encode() + fingerprint
    return hmac.new(secret, message, hashlib.sha256).digest()


def issue(account: Account, secret: bytes, now: float, hours: float) -> tuple[str, int]:
    """A token for ``account`` valid until ``now + hours``; returns (token, expiry in unix seconds)."""
    expires = int(now + hours * 3600)
    mac = _mac(secret, account.username, expires, account.password_hash)
    return f"{_VERSION}.{_b64(account.username.encode())}.{expires}.{_b64(mac)}", expires


def verify(token: str | None, accounts: Mapping[str, Account], secret: bytes, now: float) -> Account | None:
    """The account ``token`` was issued for, when it is well-formed, unexpired, signed and still current."""
    if not isinstance(token, str) or len(token) > _MAX_TOKEN or not TOKEN_RE.fullmatch(token) or is_revoked(token):
        return None
    version, user_part, expires_part, mac_part = token.split(".")
    if version != _VERSION:
        return None
    try:
        username = _unb64(user_part).decode()
        mac = _unb64(mac_part)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    expires = int(expires_part)
    if expires <= now:
        return None
    account = accounts.get(username)
    if account is None:
        return None
    if not hmac.compare_digest(mac, _mac(secret, username, expires, account.password_hash)):
        return None
    return account


def cookie_js(token: str, expires: int) -> str:
    """A ``<script>`` that stores ``token`` in the session cookie until ``expires`` (unix seconds).

    ``SameSite=Strict; Path=/``, plus ``Secure`` on https. An empty ``token``
    with ``expires=0`` deletes the cookie. Only a well-formed token is written
    into the script (the text is JavaScript, not HTML-escaped data).
    """
    if token and not TOKEN_RE.fullmatch(token):
        raise ValueError("not a session token")
    stamp = formatdate(max(0, int(expires)), usegmt=True)
    return (
        "<script>(function(){var s=location.protocol==='https:'?'; Secure':'';"
        f"document.cookie='{COOKIE}={token}; Path=/; SameSite=Strict; Expires={stamp}'+s;}})();</script>"
    )


_revoked: dict[str, int] = {}
_revoked_lock = threading.Lock()


def revoke(token: str, now: float) -> None:
    """Refuse ``token`` from now on in this server process (sign-out), until it would expire anyway."""
    if not token or not TOKEN_RE.fullmatch(token):
        return
    expires = int(token.split(".")[2])
    with _revoked_lock:
        for t in [t for t, e in _revoked.items() if e <= now]:
            del _revoked[t]
        if expires > now:
            _revoked[token] = expires


def is_revoked(token: str) -> bool:
    """Whether ``token`` was signed out in this server process."""
    with _revoked_lock:
        return token in _revoked
