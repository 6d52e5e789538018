"""Sign-in for editors (accounts file, see access.accounts); without it the app is read-only.

Attempts go through the process-wide guard (access.signin_guard): throttled
per username and client address, failures audited. A signed-in editor's session
is a row in the store (access.sessions): the page hands the browser a one-time
code that its own script trades at ``/auth/session`` for an ``HttpOnly`` cookie
(web.auth_routes), so reloading keeps the editor signed in. Every run asks the
store whether the session is still active: signing out in another tab, on
another device (退出登录 with 所有设备), a password change or a removed
account signs this tab out at its next run.
"""

from __future__ import annotations

import json
import logging

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

USER_KEY = "editor"  # {"username", "name", "session": token hash}
_HANDOFF_KEY = "editor_handoff"  # a new session's one-time code, for the browser to trade for its cookie
_SIGNED_OUT_KEY = "editor_signed_out"  # this tab signed out: do not restore from the (stale) cookie
_CLEAR_KEY = "editor_clear_cookie"  # the ended session's token hash: the server deletes its cookie next run
_ENDED_KEY = "editor_session_ended"  # the session ended elsewhere: say so once
_UNSURE_KEY = "editor_session_unsure"  # the store could not be asked: say so once


def current_editor() -> dict | None:
    """``{"username", "name", "session", "scope"}`` of the signed-in editor, or None (read-only).

    A local account's session is checked on every run (:func:`_local_editor`);
    without one, an editor signed in by the identity provider (ui.sso).
    """
    return _local_editor() or sso_editor()


def _local_editor() -> dict | None:
    """The signed-in local editor whose session is still active and whose account may still edit, or None.

    A tab without an editor is restored from a valid session cookie; an editor
    whose session has ended (elsewhere) is signed out here. When the store or
    the accounts cannot be asked, this run is read-only and the next run asks again.
    """
    editor = st.session_state.get(USER_KEY)
    if editor is None and st.session_state.get(_SIGNED_OUT_KEY):
        return None
    digest = editor["session"] if editor else sessions.token_hash(_cookie())
    if editor is None and digest is None:
        if _cookie():  # an old v1 token or garbage: delete it
            _forget_editor("")
        return None
    try:
        row = sessions.active(open_store(), digest)
        account = None if row is None else load_accounts().get(row.username)
        if account is not None and (account.disabled or account.scope is None):
            account = None  # disabled, or its role taken away: as good as gone
    except (StoreError, AccountsError, OSError):
        log.exception("could not check the session: read-only for this run")
        st.session_state[_UNSURE_KEY] = True
        return None
    if account is None:  # ended (here, elsewhere, by the CLI), expired, or the account is gone
        _forget_editor(digest, ended_elsewhere=editor is not None)
        return None
    return _set_editor(account, digest)


def _cookie() -> str | None:
    value = st.context.cookies.get(sessions.COOKIE)
    return value if isinstance(value, str) else None


def _set_editor(account: Account, digest: str) -> dict:
    editor = {"username": account.username, "name": account.name, "session": digest, "scope": account.scope}
    st.session_state[USER_KEY] = editor
    st.session_state.pop(_SIGNED_OUT_KEY, None)
    return editor


def _forget_editor(digest: str, ended_elsewhere: bool = False) -> None:
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(_HANDOFF_KEY, None)
    st.session_state[_SIGNED_OUT_KEY] = True
    st.session_state[_CLEAR_KEY] = digest
    if ended_elsewhere:
        st.session_state[_ENDED_KEY] = True


def _start_session(account: Account) -> bool:
    """Store a session for ``account`` and keep its handoff code for the browser; False when it cannot be stored."""
    try:
        started = sessions.start(open_store(), account.username)
    except (StoreError, OSError):
        log.exception("could not store the session of %s", account.username)
        return False
    _set_editor(account, started.token_hash)
    st.session_state[_HANDOFF_KEY] = started.code
    return True


def sign_out(everywhere: bool = False) -> None:
    """End this tab's session (``everywhere``: every session of the account) and forget the editor."""
    editor = st.session_state.get(USER_KEY) or {}
    try:
        store = open_store()
        if everywhere and editor.get("username"):
            sessions.end_all(store, editor["username"], "signout_all")
        else:
            sessions.end(store, editor.get("session"), "signout")
    except (StoreError, OSError):  # the cookie is deleted all the same; the row expires on its own
        log.exception("could not end the session in the store")
    _forget_editor(editor.get("session") or "")


def _post_js(path: str, body: str = "") -> str:
    """A ``<script>`` that posts ``body`` to this server's ``path`` (same origin, the cookie goes along)."""
    return (
        f"<script>fetch({json.dumps(path)},{{method:'POST',credentials:'same-origin',"
        f"headers:{{'Content-Type':'text/plain'}},body:{json.dumps(body)}}});</script>"
    )


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
        if code := st.session_state.pop(_HANDOFF_KEY, None):
            sb.html(_post_js(sessions.SESSION_PATH, code), unsafe_allow_javascript=True)
        sb.text(f"已登录：{editor['name']}")  # plain text: no Markdown, no autolinked URLs
        if editor.get("scope") is not None:
            sb.text(f"权限：{editor['scope'].describe()}")
        if editor["username"].startswith(SSO_PREFIX):  # signed in by the identity provider: it signs out too
            sso_controls(sb)
            return editor
        everywhere = sb.checkbox("所有设备", key="logout_all", help="同时退出该账户在其他浏览器和电脑上的登录")
        if sb.button("退出登录", key="logout"):
            sign_out(everywhere)
            st.rerun()
        return editor
    if (ended := st.session_state.pop(_CLEAR_KEY, None)) is not None:
        sb.html(_post_js(sessions.SIGNOUT_PATH, ended), unsafe_allow_javascript=True)
    if st.session_state.pop(_ENDED_KEY, None):
        sb.warning("登录已结束（已在其他窗口或设备退出，或账户已变更），请重新登录。")
    if st.session_state.pop(_UNSURE_KEY, None):
        sb.warning("暂时无法确认登录状态，本页暂为只读；稍后刷新页面即可。详情见服务器日志。")
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
        if not _start_session(result.account):
            sb.error("登录未完成：无法记录登录状态（数据无法写入），请联系管理员查看服务器日志。")
            return None
        st.rerun()
    sb.caption("未登录时为只读。")
    return None
