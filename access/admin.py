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


def _change(username: str, why: str, change) -> Account:
    accounts = load_accounts()
    if username not in accounts:
        raise AccountsError(f"没有账户“{username}”")
    accounts[username] = change(accounts[username])
    write_accounts(accounts)
    end_sessions(username, why)
    return accounts[username]


def set_scope(username: str, scope: Scope) -> Account:
    """A new role and scope; the account's sessions end."""
    return _change(username, "scope_changed", lambda a: with_scope(a, scope))


def reset_password(username: str, password: str) -> Account:
    """A new password; the account's sessions end."""
    problem = password_problem(password)
    if problem:
        raise AccountsError(problem)
    return _change(
        username, "password_changed", lambda a: dataclasses.replace(a, password_hash=hash_password(password))
    )


def set_disabled(username: str, disabled: bool) -> Account:
    """Disable (sessions end, sign-in refused) or enable an account; its name stays for the audit."""
    return _change(username, "disabled" if disabled else "enabled", lambda a: dataclasses.replace(a, disabled=disabled))


def remove_account(username: str) -> None:
    """Remove an account; its sessions end (the audit keeps its username)."""
    accounts = load_accounts()
    if username not in accounts:
        raise AccountsError(f"没有账户“{username}”")
    del accounts[username]
    write_accounts(accounts)
    end_sessions(username, "removed")


def migrate() -> list[str]:
    """Accounts from before roles become 省级 (the one-time, explicit step); returns their usernames."""
    accounts = load_accounts()
    old = [u for u, acc in accounts.items() if acc.role is None]
    for username in old:
        accounts[username] = with_scope(accounts[username], PROVINCE)
    if old:
        write_accounts(accounts)
    return old


def end_sessions(username: str, why: str) -> None:
    """End every open session of ``username`` (sessions live in the data store: access.sessions)."""
    from access import sessions

    ender = getattr(sessions, "end_account_sessions", None)
    if ender is not None:
        ender(username, why)
