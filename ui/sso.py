"""Single sign-on in the sidebar (optional; see access.sso): ``st.login`` / ``st.logout`` and the mapped editor."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from access.sso import editor_from_claims, sso_configured

log = logging.getLogger(__name__)


def _secrets() -> Mapping:
    try:
        return {k: st.secrets[k] for k in ("auth", "zonemap_sso") if k in st.secrets}
    except StreamlitSecretNotFoundError:  # no secrets file: SSO is off (the usual case)
        return {}
    except Exception:  # a secrets file Streamlit cannot read: SSO is off, the details in the log
        log.exception("secrets unreadable: single sign-on off")
        return {}


def sso_on() -> bool:
    return sso_configured(_secrets())


def sso_editor() -> dict | None:
    """The editor the identity provider signed in (None: SSO off, not signed in, or an unknown organisation)."""
    secrets = _secrets()
    if not sso_configured(secrets) or not st.user.get("is_logged_in"):
        return None
    from ui.data import get_dataset

    return editor_from_claims(st.user.to_dict(), secrets["zonemap_sso"], get_dataset().zones)


def sso_controls(sidebar) -> None:
    """The sign-in or sign-out button for SSO, when it is configured."""
    if not sso_on():
        return
    if st.user.get("is_logged_in"):
        if sso_editor() is None:
            sidebar.caption("统一身份认证已登录，但您的单位未配置编辑权限：只读。")
        if sidebar.button("退出统一身份认证", key="sso_logout"):
            st.logout()
    elif sidebar.button("统一身份认证登录", key="sso_login"):
        st.login()
