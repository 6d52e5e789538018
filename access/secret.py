"""The server's secret key: ``$ZONEMAP_SECRET`` (at least 32 characters) or ``var/secret.key``.

Sessions no longer need it (their tokens are random and stored hashed, see
:mod:`access.sessions`); it keys the pseudonyms that failed sign-ins are
audited under (:func:`access.signin_guard.pseudonym`), so repeated attempts
correlate while the names tried cannot be read from the data file. The file is
created on first use, mode 0600 in a 0700 folder, and never committed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from geodata.atomic import private_dir
from geodata.settings import raw
from geodata.store import REPO_ROOT

log = logging.getLogger(__name__)

SECRET_PATH = REPO_ROOT / "var" / "secret.key"
MIN_SECRET_CHARS = 32


class SecretError(Exception):
    """No usable server secret; the message is Chinese."""


def server_secret(path: Path | None = None, env: Mapping[str, str] | None = None) -> bytes:
    """The HMAC key: ``$ZONEMAP_SECRET``, else ``path`` (created 0600 with 32 random bytes if missing)."""
    configured = raw("ZONEMAP_SECRET", env)
    if configured:
        if len(configured) < MIN_SECRET_CHARS:
            raise SecretError(f"ZONEMAP_SECRET 太短（至少 {MIN_SECRET_CHARS} 个字符），不能使用")
        return configured.encode()
    path = path or SECRET_PATH
    with contextlib.suppress(FileNotFoundError):
        return _read_secret(path)
    _create_secret(path)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    if len(text) < MIN_SECRET_CHARS:
        raise SecretError(f"密钥文件 {path.name} 内容太短，请删除后重启应用以重新生成")
    return text.encode()


def _create_secret(path: Path) -> None:
    """Write a new secret to ``path`` atomically, mode 0600; a concurrent creator's file wins."""
    private_dir(path.parent)
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
    log.info("created the server secret %s", path)
