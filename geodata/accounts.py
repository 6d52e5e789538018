"""Editor accounts: a TOML file of users with salted PBKDF2-SHA256 password hashes.

Without the file (or with no accounts in it) the app is read-only. The file is
``$ZONEMAP_ACCOUNTS`` or ``config/accounts.toml`` (git-ignored)::

    [accounts.zhangsan]
    name = "张三（自然资源局）"
    password = "pbkdf2_sha256$600000$<salt>$<hash>"

Add or change an account (asks for the password twice)::

    .venv/bin/python -m geodata.accounts add zhangsan --name "张三（自然资源局）"
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import json
import os
import secrets
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from geodata.store import REPO_ROOT

DEFAULT_PATH = REPO_ROOT / "config" / "accounts.toml"
ITERATIONS = 600_000  # OWASP 2023 figure for PBKDF2-HMAC-SHA256
_SCHEME = "pbkdf2_sha256"


class AccountsError(Exception):
    """The accounts file cannot be used; the message is Chinese."""


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    password_hash: str


def accounts_path() -> Path:
    return Path(os.environ.get("ZONEMAP_ACCOUNTS", "").strip() or DEFAULT_PATH)


def hash_password(password: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>`` (base64) for ``password``."""
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


def load_accounts(path: Path | None = None) -> dict[str, Account]:
    """The accounts in the file ({} when it does not exist)."""
    path = path or accounts_path()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccountsError(f"账户文件 {path} 格式错误：{exc}") from exc
    out = {}
    for username, entry in (data.get("accounts") or {}).items():
        if not isinstance(entry, dict) or not str(entry.get("password", "")).startswith(_SCHEME + "$"):
            raise AccountsError(f"账户文件 {path} 中用户“{username}”缺少有效的密码哈希（password）")
        out[username] = Account(username, str(entry.get("name") or username), entry["password"])
    return out


def authenticate(username: str, password: str, path: Path | None = None) -> Account | None:
    """The account when the password is right, else None."""
    account = load_accounts(path).get(username.strip())
    if account is None:
        check_password(password, hash_password("x", iterations=1))  # similar work either way
        return None
    return account if check_password(password, account.password_hash) else None


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def save_account(username: str, name: str, password: str, path: Path | None = None) -> None:
    """Add or replace one account in the file (other accounts are kept)."""
    path = path or accounts_path()
    if not username.replace("_", "").replace("-", "").isalnum() or not username.isascii():
        raise AccountsError("用户名只能包含英文字母、数字、下划线和连字符")
    accounts = load_accounts(path)
    accounts[username] = Account(username, name or username, hash_password(password))
    lines = ["# zonemap 编辑账户：python -m geodata.accounts add 用户名 --name 姓名", ""]
    for acc in accounts.values():
        lines += [
            f"[accounts.{acc.username}]",
            f"name = {_quote(acc.name)}",
            f"password = {_quote(acc.password_hash)}",
            "",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m geodata.accounts", description="管理 zonemap 编辑账户")
    sub = ap.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add", help="添加或修改账户（交互输入密码）")
    add.add_argument("username")
    add.add_argument("--name", default="", help="显示名，如“张三（自然资源局）”")
    sub.add_parser("list", help="列出账户")
    a = ap.parse_args(argv)
    if a.cmd == "list":
        for acc in load_accounts().values():
            print(f"{acc.username}\t{acc.name}")
        return 0
    password = os.environ.get("ZONEMAP_NEW_PASSWORD") or getpass.getpass("密码：")
    if not os.environ.get("ZONEMAP_NEW_PASSWORD") and getpass.getpass("再输入一次：") != password:
        print("两次输入的密码不一致", file=sys.stderr)
        return 1
    if len(password) < 8:
        print("密码至少 8 位", file=sys.stderr)
        return 1
    save_account(a.username, a.name, password)
    print(f"已保存账户 {a.username} 到 {accounts_path()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
