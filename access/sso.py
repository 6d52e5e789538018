"""Optional single sign-on: a government identity provider (OpenID Connect) signs users in through ``st.login``.

Streamlit's ``st.login`` (with Authlib) reads the provider from ``[auth]`` in
``.streamlit/secrets.toml``; zonemap reads, from ``[zonemap_sso]`` beside it,
which claim names the user's organisation and what role and scope each
organisation gets::

    [zonemap_sso]
    claim = "org_code"                      # the claim that names the organisation
    name_claim = "name"                     # shown as the editor's name (default: name)
    [zonemap_sso.orgs."11140000MB1234567X"]
    role = "province"
    [zonemap_sso.orgs."11140700MB7654321Y"]
    role = "city"
    scope = ["140700"]

A signed-in user whose organisation is not in the table is a visitor (reads
only). The editor's id in the audit is ``sso:<subject>``. Local accounts stay
the default; the two can be used side by side.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from access.accounts import AccountsError
from access.roles import resolve_scope
from domain.scope import Scope

PREFIX = "sso:"


def sso_configured(secrets: Mapping) -> bool:
    """Whether both Streamlit's ``[auth]`` and zonemap's ``[zonemap_sso]`` are set."""
    return bool(secrets.get("auth")) and bool(secrets.get("zonemap_sso"))


def editor_from_claims(claims: Mapping, settings: Mapping, zones: pd.DataFrame | None = None) -> dict | None:
    """``{"username", "name", "scope"}`` for a signed-in user, or None (a visitor: unknown organisation, bad rule)."""
    claim = str(settings.get("claim") or "")
    org = str(claims.get(claim) or "").strip() if claim else ""
    rule = (settings.get("orgs") or {}).get(org) if org else None
    subject = str(claims.get("sub") or claims.get("email") or "").strip()
    if not isinstance(rule, Mapping) or not subject:
        return None
    try:
        scope: Scope = resolve_scope(str(rule.get("role", "")), list(rule.get("scope") or []), zones)
    except AccountsError:
        return None
    name = str(claims.get(str(settings.get("name_claim") or "name")) or subject)[:64]
    return {"username": f"{PREFIX}{subject}"[:96], "name": name, "scope": scope}
