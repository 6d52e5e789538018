"""Sign-in for editors (accounts file, see geodata.accounts); without it the app is read-only."""

from __future__ import annotations

import streamlit as st

from geodata.accounts import AccountsError, accounts_path, authenticate, load_accounts

USER_KEY = "editor"


def current_editor() -> dict | None:
    """``{"username", "name"}`` of the signed-in editor, or None (read-only)."""
    return st.session_state.get(USER_KEY)


def sidebar_login() -> dict | None:
    """The sign-in box in the sidebar; returns the signed-in editor or None."""
    sb = st.sidebar
    sb.header("编辑权限")
    editor = current_editor()
    if editor:
        sb.caption(f"已登录：{editor['name']}")
        if sb.button("退出登录", key="logout"):
            del st.session_state[USER_KEY]
            st.rerun()
        return editor
    try:
        has_accounts = bool(load_accounts())
    except AccountsError as exc:
        sb.error(str(exc))
        return None
    if not has_accounts:
        sb.caption(f"只读：未配置编辑账户（{accounts_path().name}，见 README“编辑账户”）。")
        return None
    with sb.form("login", clear_on_submit=False):
        username = st.text_input("用户名", key="login_user")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录")
    if submitted:
        account = authenticate(username, password)
        if account is None:
            sb.error("用户名或密码错误。")
            return None
        st.session_state[USER_KEY] = {"username": account.username, "name": account.name}
        st.rerun()
    sb.caption("未登录时为只读。")
    return None
