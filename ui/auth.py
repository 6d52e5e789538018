"""Sign-in for editors (accounts file, see access.accounts); without it the app is read-only.

Attempts go through the process-wide guard (access.signin_guard): throttled
per username and client address, failures audited. A signed-in editor gets a
signed, expiring cookie (access.sessions) so reloading the page keeps them
signed in; signing out revokes it and deletes the cookie.
"""

from __future__ import annotations

import logging
import time

import pandas as pd
import streamlit as st

from access import sessions
from access.accounts import Account, AccountsError, account_names, accounts_path, load_accounts
from access.signin_guard import UNKNOWN_CLIENT, audit_failed_sign_in, default_guard, sign_in
from access.sso import PREFIX as SSO_PREFIX
from geodata.store import StoreError, open_store
from ui.format import md
from ui.sso import sso_controls, sso_editor

log = logging.getLogger(__name__)

USER_KEY = "editor"
_COOKIE_KEY = "editor_cookie"  # (token, expires) to keep in the browser
_SIGNED_OUT_KEY = "editor_signed_out"  # this session signed out: do not restore, delete the cookie


def current_editor() -> dict | None:
    """``{"username", "name"}`` of the signed-in editor, or None (read-only).

    A session without an editor is restored from a valid session cookie.
    """
    editor = st.session_state.get(USER_KEY)
    if editor is None and not st.session_state.get(_SIGNED_OUT_KEY):
        editor = _restore()
    return editor or sso_editor()


def _cookie() -> str | None:
    value = st.context.cookies.get(sessions.COOKIE)
    return value if isinstance(value, str) else None


def _restore() -> dict | None:
    token = _cookie()
    if not token:
        return None
    try:
        account = sessions.verify(token, load_accounts(), sessions.server_secret(), time.time())
    except (AccountsError, sessions.SessionError, OSError):
        log.exception("could not check the session cookie")
        return None
    if account is None:
        st.session_state[_SIGNED_OUT_KEY] = True  # expired or revoked: delete it
        return None
    return _set_editor(account)


def _set_editor(account: Account) -> dict:
    editor = {"username": account.username, "name": account.name, "scope": account.scope}
    st.session_state[USER_KEY] = editor
    st.session_state.pop(_SIGNED_OUT_KEY, None)
    return editor


def _start_session(account: Account) -> None:
    _set_editor(account)
    try:
        st.session_state[_COOKIE_KEY] = sessions.issue(
            account, sessions.server_secret(), time.time(), sessions.session_hours()
        )
    except (sessions.SessionError, OSError):
        log.exception("no session cookie: signed in for this page only")


def sign_out() -> None:
    """Forget the editor in this session and revoke the cookie's token."""
    now = time.time()
    for token in (_cookie(), (st.session_state.get(_COOKIE_KEY) or ("",))[0]):
        sessions.revoke(token or "", now)
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(_COOKIE_KEY, None)
    st.session_state[_SIGNED_OUT_KEY] = True


def client_address() -> str:
    """The client's IP address as Streamlit sees it (behind a local proxy: X-Forwarded-For), or "unknown"."""
    try:
        address = st.context.ip_address
    except Exception:  # no client context (e.g. a bare script run)
        address = None
    return address if isinstance(address, str) and address else UNKNOWN_CLIENT


def _audit_failure(username: str, client: str) -> None:
    try:
        store = open_store()
    except (StoreError, OSError):
        log.exception("no store for the login_failed audit row")
        return
    audit_failed_sign_in(store, username, client)


PEOPLE_COLUMNS = ("修改人", "导入人")  # who edited or imported: editors only (README 编辑账户)


def people_hidden(frame: pd.DataFrame, editor: dict | None) -> pd.DataFrame:
    """``frame`` (audit rows as shown) without who edited or imported when nobody is signed in.

    The one rule for every audit view (全部修改记录, a parcel's 修改记录, 导入记录): visitors never
    see editors' names or account ids; the columns are dropped on the server, never sent.
    """
    return frame if editor else frame.drop(columns=list(PEOPLE_COLUMNS), errors="ignore")


def display_names() -> dict[str, str]:
    """``{username: display name}`` for showing who made a change ({} when the accounts cannot be read)."""
    try:
        return account_names()
    except AccountsError:
        log.exception("accounts unreadable: history shows account ids")
        return {}


def sidebar_login() -> dict | None:
    """The sign-in box in the sidebar; returns the signed-in editor or None."""
    sb = st.sidebar
    sb.header("编辑权限")
    editor = current_editor()
    if editor:
        if cookie := st.session_state.get(_COOKIE_KEY):
            sb.html(sessions.cookie_js(*cookie), unsafe_allow_javascript=True)
        sb.text(f"已登录：{editor['name']}")  # plain text: no Markdown, no autolinked URLs
        if editor.get("scope") is not None:
            sb.text(f"权限：{editor['scope'].describe()}")
        if editor["username"].startswith(SSO_PREFIX):  # signed in by the identity provider: it signs out too
            sso_controls(sb)
            return editor
        if sb.button("退出登录", key="logout"):
            sign_out()
            st.rerun()
        return editor
    if st.session_state.get(_SIGNED_OUT_KEY):
        sb.html(sessions.cookie_js("", 0), unsafe_allow_javascript=True)
    sso_controls(sb)
    try:
        has_accounts = bool(load_accounts())
    except AccountsError as exc:
        log.error("%s", exc)
        sb.error("编辑账户文件无法读取，暂时只读。请联系管理员查看服务器日志。")
        return None
    if not has_accounts:
        sb.caption(f"只读：未配置编辑账户（{md(accounts_path().name)}，见 README“编辑账户”）。")
        return None
    with sb.form("login", clear_on_submit=False):
        username = st.text_input("用户名", key="login_user", max_chars=64)
        password = st.text_input("密码", type="password", key="login_password", max_chars=256)
        submitted = st.form_submit_button("登录")
    if submitted:
        result = sign_in(username, password, client_address(), default_guard(), on_failure=_audit_failure)
        if result.account is None:
            sb.error(result.message)
            return None
        _start_session(result.account)
        st.rerun()
    sb.caption("未登录时为只读。")
    return None
