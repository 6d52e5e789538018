"""Managing accounts, for the command line and the 省级 account panel alike.

Every change that narrows what an account may do — a new scope, a new password,
disabling or removing it — ends that account's open sessions (see
:func:`end_sessions`), so an open tab cannot go on saving under the old terms.
"""

from __future__ import annotations

import dataclasses

from access.accounts import (
    Account,
    AccountsError,
    check_display_name,
    check_username,
    hash_password,
    load_accounts,
    with_scope,
    write_accounts,
)
from domain.scope import PROVINCE, Scope

MIN_PASSWORD = 8


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be used (Chinese), or None; checked before the second entry."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 位"
    return None


def add_account(username: str, name: str, password: str, scope: Scope) -> Account:
    """A new account; refuses a username that exists (use :func:`reset_password` or :func:`set_scope`)."""
    problem = check_username(username) or check_display_name(name) or password_problem(password)
    if problem:
        raise AccountsError(problem)
    accounts = load_accounts()
    if username in accounts:
        raise AccountsError(f"账户“{username}”已存在")
    accounts[username] = with_scope(Account(username, name.strip() or username, hash_password(password)), scope)
    write_accounts(accounts)
    return accounts[username]


def _change(username: str, why: str, change, data: str | None = None) -> Account:
    accounts = load_accounts()
    if username not in accounts:
        raise AccountsError(f"没有账户“{username}”")
    accounts[username] = change(accounts[username])
    write_accounts(accounts)
    end_sessions(username, why, data)
    return accounts[username]


def set_scope(username: str, scope: Scope, data: str | None = None) -> Account:
    """A new role and scope; the account's sessions end."""
    return _change(username, "scope", lambda a: with_scope(a, scope), data)


def reset_password(username: str, password: str, data: str | None = None) -> Account:
    """A new password; the account's sessions end."""
    problem = password_problem(password)
    if problem:
        raise AccountsError(problem)
    new_hash = hash_password(password)
    return _change(username, "password", lambda a: dataclasses.replace(a, password_hash=new_hash), data)


def set_disabled(username: str, disabled: bool, data: str | None = None) -> Account:
    """Disable (sessions end, sign-in refused) or enable an account; its name stays for the audit."""
    why = "disabled" if disabled else "enabled"
    return _change(username, why, lambda a: dataclasses.replace(a, disabled=disabled), data)


def remove_account(username: str, data: str | None = None) -> None:
    """Remove an account; its sessions end (the audit keeps its username)."""
    accounts = load_accounts()
    if username not in accounts:
        raise AccountsError(f"没有账户“{username}”")
    del accounts[username]
    write_accounts(accounts)
    end_sessions(username, "removed", data)


def migrate() -> list[str]:
    """Accounts from before roles become 省级 (the one-time, explicit step); returns their usernames."""
    accounts = load_accounts()
    old = [u for u, acc in accounts.items() if acc.role is None]
    for username in old:
        accounts[username] = with_scope(accounts[username], PROVINCE)
    if old:
        write_accounts(accounts)
    return old


class SessionsNotEnded(AccountsError):
    """The accounts file was changed, but the account's sessions could not be ended (the message says what to do)."""


def end_sessions(username: str, why: str, data: str | None = None) -> int:
    """End every open session of ``username`` in the store at ``data`` (default: the app's); how many ended.

    Raises :class:`SessionsNotEnded` when the store cannot be reached: the
    change to the accounts file stands, the caller says so and how to finish.
    """
    from access.sessions import end_all  # the store, only when an account changes
    from geodata.store import StoreError, open_store

    try:
        return end_all(open_store(data), username, why)
    except (StoreError, OSError) as exc:
        raise SessionsNotEnded(
            f"账户已修改，但未能结束账户 {username} 已有的登录（{exc}）：请用 --data 指定应用使用的数据后再运行一次。"
        ) from exc
