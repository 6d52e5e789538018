"""``python -m access.accounts``: manage editor accounts, their roles and scopes (see README 编辑账户).

::

    python -m access.accounts add zhangsan --role city --scope 晋中市 --name "晋中市商务局"
    python -m access.accounts add li --role zone --scope 介休经济技术开发区 --password-stdin < pw.txt
    python -m access.accounts list
    python -m access.accounts set-scope zhangsan --role city --scope 140700,140800
    python -m access.accounts reset-password zhangsan | disable zhangsan | enable zhangsan | remove zhangsan
    python -m access.accounts migrate        # once: accounts from before roles become 省级

Zone names are looked up in the data (``--data`` or ``$ZONEMAP_DATA``).
Exit 0 done, 1 refused (the message says why), 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from access import admin
from access.accounts import AccountsError, accounts_path, load_accounts
from access.roles import resolve_scope
from domain.scope import ROLE_LABELS, ROLES
from geodata.atomic import private_umask
from geodata.cliargs import ChineseParser
from geodata.settings import raw


def _parser() -> argparse.ArgumentParser:
    ap = ChineseParser(prog="python -m access.accounts", description="管理 zonemap 编辑账户、角色与范围")
    ap.add_argument(
        "--data", default=None, help="应用使用的数据（.gpkg 文件或 postgresql:// 地址；默认 $ZONEMAP_DATA）"
    )
    sub = ap.add_subparsers(dest="cmd", required=True, title="命令")
    add = sub.add_parser("add", help="添加账户（交互输入两次密码）")
    add.add_argument("username", metavar="用户名")
    add.add_argument("--name", metavar="显示名", default="", help="显示名，如“晋中市商务局”")
    _scope_args(add)
    _stdin_arg(add)
    sub.add_parser("list", help="列出账户、角色、范围与状态")
    scope = sub.add_parser("set-scope", help="修改账户的角色与范围（该账户的登录随即失效）")
    scope.add_argument("username", metavar="用户名")
    _scope_args(scope)
    reset = sub.add_parser("reset-password", help="重设密码（该账户的登录随即失效）")
    reset.add_argument("username", metavar="用户名")
    _stdin_arg(reset)
    for name, text in (("disable", "停用账户（不能登录和保存，名字保留在审计中）"), ("enable", "重新启用账户"),
                       ("remove", "删除账户（该账户的登录随即失效）")):  # fmt: skip
        sub.add_parser(name, help=text).add_argument("username", metavar="用户名")
    sub.add_parser("migrate", help="一次性：把没有角色的旧账户设为省级（全省）")
    return ap


def _scope_args(parser: argparse.ArgumentParser) -> None:
    roles = "、".join(f"{r}={ROLE_LABELS[r]}" for r in ROLES)
    parser.add_argument("--role", choices=ROLES, required=True, help=f"角色：{roles}")
    parser.add_argument(
        "--scope", metavar="范围", action="append", default=[], help="市或开发区：代码或名称，可重复或以逗号分隔"
    )
    parser.add_argument("--data", metavar="数据", default=argparse.SUPPRESS, help="同 --data，也可写在命令之后")


def _stdin_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码（脚本批量建账户）")


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
    return resolve_scope(a.role, a.scope, _zones(a.data) if a.role == "zone" else None)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = raw("ZONEMAP_NEW_PASSWORD") or getpass.getpass("密码：")
    problem = admin.password_problem(password)  # before the second entry
    if problem:
        raise AccountsError(problem)
    if not from_stdin and not raw("ZONEMAP_NEW_PASSWORD") and getpass.getpass("再输入一次：") != password:
        raise AccountsError("两次输入的密码不一致")
    return password


def _list() -> str:
    lines = []
    for acc in load_accounts().values():
        scope = acc.scope.describe() if acc.scope else "未设置角色（请运行 migrate）"
        lines.append(f"{acc.username}\t{acc.name}\t{scope}" + ("\t已停用" if acc.disabled else ""))
    return "\n".join(lines)


def _run(a: argparse.Namespace) -> str:
    if a.cmd == "list":
        return _list()
    if a.cmd == "migrate":
        old = admin.migrate()
        return f"已将 {len(old)} 个没有角色的账户设为省级（全省）：{'、'.join(old)}" if old else "没有需要迁移的账户"
    if a.cmd == "add":
        scope = _scope(a)
        account = admin.add_account(a.username, a.name, _password(a.password_stdin), scope)
        return f"已添加账户 {account.username}（{scope.describe()}）到 {accounts_path()}"
    if a.cmd == "set-scope":
        scope = _scope(a)
        admin.set_scope(a.username, scope, a.data)
        return f"已将 {a.username} 的范围改为 {scope.describe()}；该账户已登录的会话全部失效"
    if a.cmd == "reset-password":
        admin.reset_password(a.username, _password(a.password_stdin), a.data)
        return f"已重设 {a.username} 的密码；该账户已登录的会话全部失效"
    if a.cmd in ("disable", "enable"):
        admin.set_disabled(a.username, a.cmd == "disable", a.data)
        return f"已{'停用' if a.cmd == 'disable' else '启用'}账户 {a.username}"
    admin.remove_account(a.username, a.data)
    return f"已删除账户 {a.username}；该账户已登录的会话全部失效"


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(argv)
    private_umask()  # the accounts file and its folder: 0600 / 0700 whatever the caller's umask
    try:
        text = _run(a)
    except admin.SessionsNotEnded as exc:
        print(f"警告：{exc}", file=sys.stderr)
        return 1
    except (AccountsError, OSError) as exc:
        print(f"未保存：{exc}", file=sys.stderr)
        return 1
    if text:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
