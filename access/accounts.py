"""Editor accounts: a TOML file of users with salted PBKDF2-SHA256 password hashes.

Without the file (or with no accounts in it) the app is read-only. The file is
``$ZONEMAP_ACCOUNTS`` or ``config/accounts.toml`` (git-ignored)::

    [accounts."zhangsan"]
    name = "张三（自然资源局）"
    password = "pbkdf2_sha256$600000$<salt>$<hash>"

Add or change an account (asks for the password twice), remove one::

    .venv/bin/python -m access.accounts add zhangsan --name "张三（自然资源局）"
    .venv/bin/python -m access.accounts remove zhangsan

Both end the account's sign-in sessions in the data store (``--data``, default
``$ZONEMAP_DATA`` or the app's): every tab and device signed in as it is signed
out at its next page run.

The file is only ever written whole, as a new file created with mode 0600 next
to it and then renamed over it, and only after the new text has been read back
to the same accounts: a name the app could not read is refused, not written.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import hashlib
import hmac
import os
import re
import runpy
import secrets
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from domain.scope import ROLES, Scope
from geodata.atomic import private_dir
from geodata.settings import raw
from geodata.store import REPO_ROOT

DEFAULT_PATH = REPO_ROOT / "config" / "accounts.toml"
ITERATIONS = 600_000  # OWASP 2023 figure for PBKDF2-HMAC-SHA256
_SCHEME = "pbkdf2_sha256"
USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,32}")
NAME_MAX = 64
# Control, format (bidi overrides, zero-width), separator and private/surrogate characters.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class AccountsError(Exception):
    """The accounts file cannot be used; the message is Chinese."""


@dataclass(frozen=True)
class Account:
    """One editor: ``role`` and ``scope`` say which records it may change (see :mod:`domain.scope`).

    An account written before roles existed has no role (``role`` None): it
    cannot sign in until ``python -m access.accounts migrate`` makes it 省级.
    """

    username: str
    name: str
    password_hash: str
    role: str | None = None
    scope_codes: tuple[str, ...] = ()
    scope_label: str = ""
    disabled: bool = False  # kept for the audit's names, cannot sign in or save

    @property
    def scope(self) -> Scope | None:
        """The account's :class:`Scope`, or None when it has no role yet (needs ``migrate``)."""
        if self.role is None:
            return None
        return Scope(self.role, frozenset(self.scope_codes), self.scope_label)


def accounts_path() -> Path:
    return Path(raw("ZONEMAP_ACCOUNTS") or DEFAULT_PATH)


def hash_password(password: str, iterations: int | None = None, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>`` (base64) for ``password`` (default :data:`ITERATIONS`)."""
    iterations = iterations or ITERATIONS
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    b64 = base64.b64encode
    return f"{_SCHEME}${iterations}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the ``stored`` hash (constant-time compare)."""
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def hash_iterations(stored: str) -> int:
    """The PBKDF2 iteration count in a stored hash (0 when unreadable)."""
    try:
        return int(stored.split("$")[1])
    except (IndexError, ValueError):
        return 0


@functools.lru_cache(maxsize=8)
def _dummy_hash(iterations: int) -> str:
    """A well-formed hash no password matches: checking it costs a full ``iterations`` PBKDF2.

    Building it costs nothing (random salt and digest), so the first unknown user
    is not slower than the later ones; one per iteration count per process.
    """
    b64 = base64.b64encode
    return f"{_SCHEME}${iterations}${b64(secrets.token_bytes(16)).decode()}${b64(secrets.token_bytes(32)).decode()}"


def load_accounts(path: Path | None = None) -> dict[str, Account]:
    """The accounts in the file ({} when it does not exist)."""
    path = path or accounts_path()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccountsError(f"账户文件 {path} 格式错误：{exc}") from exc
    return _accounts_from(data, path)


def _accounts_from(data: dict, path: Path) -> dict[str, Account]:
    out = {}
    for username, entry in (data.get("accounts") or {}).items():
        if not isinstance(entry, dict) or not str(entry.get("password", "")).startswith(_SCHEME + "$"):
            raise AccountsError(f"账户文件 {path} 中用户“{username}”缺少有效的密码哈希（password）")
        role = entry.get("role")
        codes = entry.get("scope") or []
        if role is not None and (role not in ROLES or not isinstance(codes, list)):
            raise AccountsError(f"账户文件 {path} 中用户“{username}”的角色或范围无效")
        account = Account(
            username, str(entry.get("name") or username), entry["password"],
            role, tuple(str(c) for c in codes), str(entry.get("scope_label") or ""), entry.get("disabled") is True,
        )  # fmt: skip
        try:
            account.scope  # noqa: B018  (validates the role and its codes)
        except ValueError as exc:
            raise AccountsError(f"账户文件 {path} 中用户“{username}”：{exc}") from exc
        out[username] = account
    return out


def account_names(path: Path | None = None) -> dict[str, str]:
    """``{username: display name}`` for showing who made a change."""
    return {a.username: a.name for a in load_accounts(path).values()}


def authenticate(username: str, password: str, path: Path | None = None) -> Account | None:
    """The account when the password is right, else None.

    An unknown username costs the same PBKDF2 work as a wrong password (the
    highest iteration count in the file), so timing does not tell which
    usernames exist.
    """
    accounts = load_accounts(path)
    account = accounts.get(username.strip())
    if account is not None and account.disabled:  # the same work as a wrong password, then refused
        check_password(password, account.password_hash)
        return None
    if account is None:
        work = max((hash_iterations(a.password_hash) for a in accounts.values()), default=ITERATIONS)
        check_password(password, _dummy_hash(work or ITERATIONS))
        return None
    return account if check_password(password, account.password_hash) else None


def check_username(username: str) -> str | None:
    """Why ``username`` cannot be an account id (Chinese), or None."""
    if not USERNAME_RE.fullmatch(username):
        return "用户名只能包含英文字母、数字、下划线、连字符和点，长度 1–32 个字符"
    return None


def check_display_name(name: str) -> str | None:
    """Why ``name`` cannot be a display name (Chinese), or None."""
    if len(name) > NAME_MAX:
        return f"显示名最多 {NAME_MAX} 个字符（现为 {len(name)} 个）"
    for i, ch in enumerate(name, 1):
        if unicodedata.category(ch) in _HIDDEN_CATEGORIES:
            return f"显示名第 {i} 个字符（U+{ord(ch):04X}）是控制字符或不可见字符，不能使用"
    return None


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and every control character escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif unicodedata.category(ch) == "Cc":
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def accounts_toml(accounts: dict[str, Account]) -> str:
    """The accounts file's text."""
    lines = ["# zonemap 编辑账户：python -m access.accounts add 用户名 --name 姓名", ""]
    for acc in accounts.values():
        lines += [
            f"[accounts.{toml_string(acc.username)}]",
            f"name = {toml_string(acc.name)}",
            f"password = {toml_string(acc.password_hash)}",
        ]
        if acc.role is not None:
            lines += [
                f"role = {toml_string(acc.role)}",
                f"scope = [{', '.join(toml_string(c) for c in acc.scope_codes)}]",
                f"scope_label = {toml_string(acc.scope_label)}",
            ]
        if acc.disabled:
            lines.append("disabled = true")
        lines.append("")
    return "\n".join(lines)


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``; the file is mode 0600 from its creation, never wider.

    The text goes to a new file (``O_CREAT | O_EXCL``, mode 0600) in the same
    folder, is flushed to disk, then renamed over ``path``.
    """
    private_dir(path.parent)  # config/ is 0700 even under umask 000
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_account(username: str, name: str, password: str, path: Path | None = None, scope: Scope | None = None) -> None:
    """Add or replace one account in the file (other accounts are kept); ``scope`` None keeps a stored one.

    A new account without a scope is 省级 only when ``scope`` says so: callers
    pass it (the command line requires ``--role``).
    """
    path = path or accounts_path()
    problem = check_username(username) or check_display_name(name)
    if problem:
        raise AccountsError(problem)
    name = name.strip()
    accounts = load_accounts(path)
    old = accounts.get(username)
    account = Account(username, name or (old.name if old else username), hash_password(password))
    accounts[username] = with_scope(account, scope if scope is not None else (old.scope if old else None))
    write_accounts(accounts, path)


def with_scope(account: Account, scope: Scope | None) -> Account:
    """``account`` with ``scope`` (None: no role)."""
    if scope is None:
        return dataclasses.replace(account, role=None, scope_codes=(), scope_label="")
    codes = tuple(sorted(scope.codes))
    return dataclasses.replace(account, role=scope.role, scope_codes=codes, scope_label=scope.label)


def write_accounts(accounts: dict[str, Account], path: Path | None = None) -> None:
    """Write the whole accounts file, after reading the new text back to the same accounts."""
    path = path or accounts_path()
    text = accounts_toml(accounts)
    try:
        read_back = _accounts_from(tomllib.loads(text), path)
    except (tomllib.TOMLDecodeError, AccountsError) as exc:  # a bug here, not the user's input
        raise AccountsError(f"账户文件内容无法读回，未保存：{exc}") from exc
    if read_back != accounts:
        raise AccountsError("账户文件内容读回后不一致，未保存")
    write_private(path, text)


if __name__ == "__main__":  # `python -m access.accounts`: the command line is access.cli (this module is the file)
    runpy.run_module("access.cli", run_name="__main__", alter_sys=True)
