"""Throttling and temporary lockout of sign-in attempts, per username and per client address.

Each failed attempt makes the next one wait (1, 2, 4, 8 s …); after
``max_failures`` failures the username is locked for ``lock_minutes``. The
client address gets the same treatment with more slack (several people may
share one address behind a proxy or NAT). Failures older than the lock time
are forgotten. Unknown usernames are throttled exactly like real ones, and the
message never says whether a username exists.

The state is kept in memory, shared by every session of the server process
(:func:`default_guard`); it does not survive a restart. Failed attempts are
also written to the audit table (:func:`audit_failed_sign_in`), as keyed hashes
of the username and the address, never the name or the address itself.

Settings: ``ZONEMAP_LOGIN_MAX_FAILURES`` (default 5) and
``ZONEMAP_LOGIN_LOCK_MINUTES`` (default 15).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from access.accounts import Account, authenticate
from access.secret import SecretError, server_secret
from geodata.settings import raw as setting
from geodata.store import Store

log = logging.getLogger(__name__)

UNKNOWN_CLIENT = "unknown"
WRONG = "用户名或密码错误。"
ADDRESS_FACTOR = 4  # an address may fail this many times more than one username
_KEY_CHARS = 64
_MAX_ENTRIES = 10_000
PSEUDONYM_HEX = 16  # 64 bits of the HMAC: enough to tell attempts apart
FAILED_USER_PREFIX = "尝试:"  # the audit's user of a login_failed row, before the hashed username


@dataclass(frozen=True)
class Policy:
    """How many failures lock, for how long, and the first delay."""

    max_failures: int = 5
    lock_minutes: float = 15.0
    first_delay: float = 1.0  # seconds; doubles with each failure

    @property
    def lock_seconds(self) -> float:
        return self.lock_minutes * 60


def policy_from_env(env: dict[str, str] | None = None) -> Policy:
    """The policy from ``ZONEMAP_LOGIN_MAX_FAILURES`` / ``ZONEMAP_LOGIN_LOCK_MINUTES`` (bad values: defaults)."""
    default = Policy()

    def number(name: str, fallback: float, kind: type) -> float:
        raw = setting(name, env)
        if not raw:
            return fallback
        try:
            value = kind(raw)
        except ValueError:
            value = 0
        if value <= 0:
            log.warning("%s=%r is not a positive number; using %s", name, raw, fallback)
            return fallback
        return value

    return Policy(
        max_failures=int(number("ZONEMAP_LOGIN_MAX_FAILURES", default.max_failures, int)),
        lock_minutes=number("ZONEMAP_LOGIN_LOCK_MINUTES", default.lock_minutes, float),
    )


@dataclass
class _Entry:
    failures: int = 0
    last_failure: float = 0.0
    blocked_until: float = 0.0


def wait_message(seconds: float) -> str:
    """The Chinese refusal for a throttled or locked attempt (same for every username)."""
    if seconds >= 60:
        return f"登录失败次数过多，请 {math.ceil(seconds / 60)} 分钟后再试。"
    return f"登录失败次数过多，请 {max(1, math.ceil(seconds))} 秒后再试。"


class SignInGuard:
    """Failure counts and lock times per username and per client address (thread-safe)."""

    def __init__(self, policy: Policy | None = None, clock: Callable[[], float] = time.monotonic):
        self.policy = policy or Policy()
        self.clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    def _keys(self, username: str, client: str) -> list[tuple[str, str]]:
        return [("user", username.strip().lower()[:_KEY_CHARS]), ("addr", (client or UNKNOWN_CLIENT)[:_KEY_CHARS])]

    def _limits(self, kind: str) -> tuple[int, int]:
        """(failures without delay, failures that lock) for a key kind."""
        n = self.policy.max_failures
        return (0, n) if kind == "user" else (n, n * ADDRESS_FACTOR)

    def _delay(self, kind: str, failures: int) -> float:
        free, locking = self._limits(kind)
        if failures >= locking:
            return self.policy.lock_seconds
        if failures <= free:
            return 0.0
        return min(self.policy.first_delay * 2 ** (failures - free - 1), self.policy.lock_seconds)

    def wait_seconds(self, username: str, client: str) -> float:
        """Seconds until ``username`` may try again from ``client`` (0: now)."""
        now = self.clock()
        with self._lock:
            ends = [e.blocked_until for k in self._keys(username, client) if (e := self._entries.get(k))]
        return max([end - now for end in ends] + [0.0])

    def record_failure(self, username: str, client: str) -> float:
        """Count a failed attempt; return the seconds until the next one is allowed."""
        now = self.clock()
        with self._lock:
            for kind, value in self._keys(username, client):
                entry = self._entries.setdefault((kind, value), _Entry())
                if now - entry.last_failure > self.policy.lock_seconds:
                    entry.failures = 0  # old failures are forgotten
                entry.failures += 1
                entry.last_failure = now
                entry.blocked_until = max(entry.blocked_until, now + self._delay(kind, entry.failures))
            if len(self._entries) > _MAX_ENTRIES:
                self._prune(now)
        return self.wait_seconds(username, client)

    def record_success(self, username: str, client: str) -> None:
        """Forget the username's failures (the address keeps its count until it expires)."""
        with self._lock:
            self._entries.pop(self._keys(username, client)[0], None)

    def _prune(self, now: float) -> None:
        stale = [
            k
            for k, e in self._entries.items()
            if e.blocked_until <= now and now - e.last_failure > self.policy.lock_seconds
        ]
        for k in stale:
            del self._entries[k]
        if len(self._entries) > _MAX_ENTRIES:  # still too many: drop the oldest
            by_age = sorted(self._entries, key=lambda k: self._entries[k].last_failure)
            for k in by_age[: len(self._entries) - _MAX_ENTRIES]:
                del self._entries[k]


_default: SignInGuard | None = None
_default_lock = threading.Lock()


def default_guard() -> SignInGuard:
    """The process-wide guard (policy from the environment at first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SignInGuard(policy_from_env())
        return _default


@dataclass(frozen=True)
class SignInResult:
    """An account, or the Chinese message to show."""

    account: Account | None
    message: str = ""


NO_ROLE = (
    "该账户尚未设置角色与范围，暂不能登录。"
    "请管理员运行 python -m access.accounts migrate（旧账户设为省级）或 set-scope。"
)


def sign_in(
    username: str,
    password: str,
    client: str,
    guard: SignInGuard,
    check: Callable[[str, str], Account | None] = authenticate,
    on_failure: Callable[[str, str], None] | None = None,
) -> SignInResult:
    """Check a sign-in attempt through the guard.

    A throttled attempt is refused without checking the password (and is not
    counted). A wrong one is counted for the username and the address and
    reported through ``on_failure(username, client)``.
    """
    wait = guard.wait_seconds(username, client)
    if wait > 0:
        log.info("sign-in refused while throttled: user=%r client=%s wait=%.0fs", username[:_KEY_CHARS], client, wait)
        return SignInResult(None, wait_message(wait))
    account = check(username, password)
    if account is not None:
        guard.record_success(username, client)
        if account.scope is None:  # written before roles existed: the administrator migrates it once
            return SignInResult(None, NO_ROLE)
        return SignInResult(account)
    wait = guard.record_failure(username, client)
    log.warning("sign-in failed: user=%r client=%s", username[:_KEY_CHARS], client)
    if on_failure is not None:
        on_failure(username, client)
    return SignInResult(None, WRONG + (wait_message(wait) if wait >= guard.policy.lock_seconds else ""))


def plain(text: str, limit: int = _KEY_CHARS) -> str:
    """``text`` without control or invisible characters, at most ``limit`` characters."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
    return kept.strip()[:limit]


def pseudonym(kind: str, text: str, secret: bytes) -> str:
    """``text`` (a username or an address) as a keyed hash: the same input, the same 16 hex digits.

    HMAC-SHA256 under the server secret, so repeated attempts stay correlatable in
    the audit while the name or address cannot be read back (nor guessed from a
    list of names without the secret). ``kind`` keeps a username and an address
    that happen to be equal apart. Usernames are compared as the guard counts them
    (case-insensitive, trimmed).
    """
    value = plain(text).lower() if kind == "user" else plain(text or UNKNOWN_CLIENT)
    digest = hmac.new(secret, f"zonemap-login-{kind}\0{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX]


def audit_failed_sign_in(
    store: Store, username: str, client: str, at: dt.datetime | None = None, secret: bytes | None = None
) -> None:
    """A ``login_failed`` audit row with keyed hashes (:func:`pseudonym`) of the username and the address.

    The data file never holds the name tried nor the client's address (the
    server log does); ``user`` is ``尝试:<hash>``, the reason ``客户端：<hash>``.
    ``secret`` defaults to the server secret (:func:`access.secret.server_secret`);
    without a usable one the row is written with neither. The one place that writes
    sign-in failures to storage; it never raises (a read-only or full data file
    must not break signing in), problems go to the log.
    """
    try:
        secret = secret or server_secret()
    except (SecretError, OSError):
        log.exception("no server secret: the login_failed audit row names neither user nor address")
        user, reason = f"{FAILED_USER_PREFIX}—", "客户端：—"
    else:
        user = FAILED_USER_PREFIX + pseudonym("user", username, secret)
        reason = "客户端：" + pseudonym("addr", client, secret)
    try:
        store.record_event("login_failed", user, reason, at=at)
    except Exception:  # storage errors: logged, sign-in goes on
        log.exception("could not write the login_failed audit row to %s", store.location)
