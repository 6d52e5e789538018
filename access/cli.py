"""``python -m access.accounts``: add, list and scope editor accounts (see README 编辑账户).

::

    python -m access.accounts add zhangsan --role city --scope 晋中市 --name "晋中市商务局"
    python -m access.accounts add li --role zone --scope 介休经济技术开发区 --password-stdin < pw.txt
    python -m access.accounts list
    python -m access.accounts set-scope zhangsan --role city --scope 140700,140800
    python -m access.accounts migrate        # once: accounts from before roles become 省级

Zone names are looked up in the data (``--data`` or ``$ZONEMAP_DATA``).
Exit 0 done, 1 refused (the message says why), 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from access.accounts import (
    AccountsError,
    accounts_path,
    check_display_name,
    check_username,
    load_accounts,
    save_account,
    with_scope,
    write_accounts,
)
from access.roles import resolve_scope
from domain.scope import ROLE_LABELS, ROLES

MIN_PASSWORD = 8


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m access.accounts", description="管理 zonemap 编辑账户")
    sub = ap.add_subparsers(dest="cmd", required=True, title="命令")
    add = sub.add_parser("add", help="添加账户或修改其密码（交互输入密码）")
    add.add_argument("username")
    add.add_argument("--name", default="", help="显示名，如“晋中市商务局”")
    _scope_args(add, required=False)
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码（脚本批量建账户）")
    sub.add_parser("list", help="列出账户、角色与范围")
    scope = sub.add_parser("set-scope", help="修改账户的角色与范围（该账户的登录随即失效）")
    scope.add_argument("username")
    _scope_args(scope, required=True)
    sub.add_parser("migrate", help="一次性：把没有角色的旧账户设为省级（全省）")
    return ap


def _scope_args(parser: argparse.ArgumentParser, required: bool) -> None:
    roles = "、".join(f"{r}={ROLE_LABELS[r]}" for r in ROLES)
    parser.add_argument("--role", choices=ROLES, required=required, help=f"角色：{roles}")
    parser.add_argument("--scope", action="append", default=[], help="市或开发区：代码或名称，可重复或以逗号分隔")
    parser.add_argument("--data", default=None, help="数据位置（按开发区名称查找范围时使用；默认 $ZONEMAP_DATA）")


def _zones(data: str | None):
    from geodata.store import StoreError, open_store

    try:
        store = open_store(data)
        try:
            return store.read("zones")
        finally:
            store.close()
    except StoreError as exc:
        raise AccountsError(f"无法读取开发区：{exc}") from exc


def _scope(a: argparse.Namespace):
    zones = _zones(a.data) if a.role == "zone" else None
    return resolve_scope(a.role, a.scope, zones)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = os.environ.get("ZONEMAP_NEW_PASSWORD") or getpass.getpass("密码：")
    if len(password) < MIN_PASSWORD:  # checked before the second entry
        raise AccountsError(f"密码至少 {MIN_PASSWORD} 位")
    if not from_stdin and not os.environ.get("ZONEMAP_NEW_PASSWORD") and getpass.getpass("再输入一次：") != password:
        raise AccountsError("两次输入的密码不一致")
    return password


def _add(a: argparse.Namespace) -> str:
    problem = check_username(a.username) or check_display_name(a.name)
    if problem:
        raise AccountsError(problem)
    existing = load_accounts().get(a.username)
    if a.role is None and (existing is None or existing.role is None):
        raise AccountsError("新账户必须用 --role 指定角色（province、city 或 zone）及 --scope 范围")
    scope = _scope(a) if a.role else None
    save_account(a.username, a.name, _password(a.password_stdin), scope=scope)
    account = load_accounts()[a.username]
    return f"已保存账户 {a.username}（{account.scope.describe()}）到 {accounts_path()}"


def _set_scope(a: argparse.Namespace) -> str:
    accounts = load_accounts()
    if a.username not in accounts:
        raise AccountsError(f"没有账户“{a.username}”")
    scope = _scope(a)
    accounts[a.username] = with_scope(accounts[a.username], scope)
    write_accounts(accounts)
    end_sessions(a.username, "scope_changed", a.data)
    return f"已将 {a.username} 的范围改为 {scope.describe()}；该账户已登录的会话全部失效"


def _migrate() -> str:
    from domain.scope import PROVINCE

    accounts = load_accounts()
    old = [u for u, acc in accounts.items() if acc.role is None]
    if not old:
        return "没有需要迁移的账户"
    for username in old:
        accounts[username] = with_scope(accounts[username], PROVINCE)
    write_accounts(accounts)
    return f"已将 {len(old)} 个没有角色的账户设为省级（全省）：{'、'.join(old)}"


def end_sessions(username: str, why: str, data: str | None) -> None:
    """End every session of ``username`` in the store (sessions live in the data; see access.sessions)."""
    from access import sessions

    ender = getattr(sessions, "end_account_sessions", None)
    if ender is not None:
        ender(username, why, data)


def _list() -> str:
    lines = []
    for acc in load_accounts().values():
        scope = acc.scope.describe() if acc.scope else "未设置角色（请运行 migrate）"
        lines.append(f"{acc.username}\t{acc.name}\t{scope}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(argv)
    try:
        if a.cmd == "list":
            text = _list()
        elif a.cmd == "migrate":
            text = _migrate()
        elif a.cmd == "set-scope":
            text = _set_scope(a)
        else:
            text = _add(a)
    except (AccountsError, OSError) as exc:
        print(f"未保存：{exc}", file=sys.stderr)
        return 1
    if text:
        print(text)
    return 0
