"""The 账户 panel for 省级 accounts: add, change scope, reset password, disable, enable, remove.

The same operations as ``python -m access.accounts`` (:mod:`access.admin`); a
hash is never shown. Only a signed-in 省级 account sees the panel; the others
get a sentence saying who manages accounts.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from access import admin
from access.accounts import AccountsError, load_accounts
from access.roles import resolve_scope
from domain.scope import ROLE_LABELS, ROLES
from geodata.schema import SHANXI_CITIES
from ui.scope import editor_scope

log = logging.getLogger(__name__)


def accounts_frame() -> pd.DataFrame:
    """用户名, 显示名, 权限, 状态 of every account (no hashes)."""
    rows = [
        {"用户名": a.username, "显示名": a.name, "权限": a.scope.describe() if a.scope else "未设置角色",
         "状态": "已停用" if a.disabled else "正常"}
        for a in load_accounts().values()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["用户名", "显示名", "权限", "状态"])


def _scope_picker(zones: pd.DataFrame, key: str):
    role = st.selectbox("角色", ROLES, format_func=ROLE_LABELS.get, key=f"{key}_role")
    if role == "city":
        picked = st.multiselect("市", list(SHANXI_CITIES), format_func=SHANXI_CITIES.get, key=f"{key}_cities")
    elif role == "zone":
        names = dict(zip(zones["zone_id"], zones["name"], strict=True))
        picked = st.multiselect("开发区", list(names), format_func=names.get, key=f"{key}_zones")
    else:
        picked = []
    return role, picked


def _done(run, message: str) -> None:
    try:
        run()
    except AccountsError as exc:
        st.error(str(exc))
        return
    except OSError:
        log.exception("accounts file not written")
        st.error("账户文件无法写入，未保存（详情见服务器日志）。")
        return
    st.success(message)


def accounts_panel(editor: dict | None, zones: pd.DataFrame) -> None:
    """The panel (省级 only)."""
    scope = editor_scope(editor)
    if scope is None or not scope.is_province:
        st.info("账户由省级账户管理（或在服务器上运行 python -m access.accounts）。")
        return
    try:
        st.dataframe(accounts_frame(), hide_index=True, width="stretch")
        names = list(load_accounts())
    except AccountsError as exc:
        st.error(str(exc))
        return
    with st.expander("添加账户"):  # no form: the scope list follows the role as it is picked
        username = st.text_input("用户名（英文字母、数字、下划线、连字符、点）", key="acc_new_user", max_chars=32)
        name = st.text_input("显示名", key="acc_new_name", max_chars=64)
        role, picked = _scope_picker(zones, "acc_new")
        password = st.text_input(f"初始密码（至少 {admin.MIN_PASSWORD} 位）", type="password", key="acc_new_pw")
        if st.button("添加", key="acc_add"):
            _done(lambda: admin.add_account(username, name, password, resolve_scope(role, picked, zones)),
                  f"已添加账户 {username}。")  # fmt: skip
    if not names:
        return
    with st.expander("修改账户"):
        who = st.selectbox("账户", names, key="acc_pick")
        c1, c2 = st.columns(2)
        with c1:
            role, picked = _scope_picker(zones, "acc_edit")
            if st.button("修改权限", key="acc_scope"):
                _done(lambda: admin.set_scope(who, resolve_scope(role, picked, zones)),
                      f"已修改 {who} 的权限；该账户已登录的会话全部失效。")  # fmt: skip
        with c2:
            password = st.text_input(f"新密码（至少 {admin.MIN_PASSWORD} 位）", type="password", key="acc_pw")
            if st.button("重设密码", key="acc_reset"):
                _done(lambda: admin.reset_password(who, password), f"已重设 {who} 的密码；该账户已登录的会话全部失效。")
        b1, b2, b3 = st.columns(3)
        if who != editor["username"]:  # an account never disables or removes itself
            if b1.button("停用", key="acc_disable"):
                _done(lambda: admin.set_disabled(who, True), f"已停用 {who}。")
            if b2.button("启用", key="acc_enable"):
                _done(lambda: admin.set_disabled(who, False), f"已启用 {who}。")
            if b3.button("删除", key="acc_remove"):
                _done(lambda: admin.remove_account(who), f"已删除 {who}。")
