"""Single sign-on: an organisation claim maps to a role and scope; anything else is a visitor."""

from __future__ import annotations

from access.sso import editor_from_claims, sso_configured
from domain.scope import Scope
from testing.factory import frames

SETTINGS = {
    "claim": "org_code",
    "orgs": {
        "11140000MB1234567X": {"role": "province"},
        "11140700MB7654321Y": {"role": "city", "scope": ["140700"]},
        "ZONE": {"role": "zone", "scope": ["介休经济技术开发区"]},
        "BROKEN": {"role": "city", "scope": ["杭州市"]},
    },
}


def test_known_organisations_get_their_scope_and_the_rest_are_visitors():
    zones = frames()["zones"]
    city = editor_from_claims({"sub": "u-1", "name": "李四", "org_code": "11140700MB7654321Y"}, SETTINGS)
    assert city == {"username": "sso:u-1", "name": "李四", "scope": Scope("city", frozenset({"140700"}), "晋中市")}
    zone = editor_from_claims({"sub": "u-2", "org_code": "ZONE"}, SETTINGS, zones)
    assert zone["scope"].codes == {"Z2"} and zone["name"] == "u-2"
    assert editor_from_claims({"sub": "u-3", "org_code": "11140000MB1234567X"}, SETTINGS)["scope"].is_province
    for claims in (
        {"sub": "u-4", "org_code": "UNKNOWN"},  # an organisation not in the table
        {"sub": "u-5"},  # no organisation claim
        {"org_code": "11140000MB1234567X"},  # no subject
        {"sub": "u-6", "org_code": "BROKEN"},  # a rule that does not resolve
        {"sub": "u-7", "org_code": "ZONE"},  # a zone rule without the zones to resolve it
    ):
        assert editor_from_claims(claims, SETTINGS) is None, claims


def test_sso_needs_both_sections():
    assert sso_configured({"auth": {"client_id": "x"}, "zonemap_sso": SETTINGS})
    assert not sso_configured({"auth": {"client_id": "x"}}) and not sso_configured({"zonemap_sso": SETTINGS})


def test_a_city_user_signed_in_by_the_identity_provider_edits_its_city_only(tmp_path, monkeypatch):
    from geodata.store import create_gpkg
    from tests.apptest import open_page

    store = create_gpkg(tmp_path / "data.gpkg", frames())
    monkeypatch.setenv("ZONEMAP_DATA", str(store.path))
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "none.toml"))
    at = open_page("pages/supply.py", supply_selected=("parcels", "P1"))
    at.secrets["auth"] = {"client_id": "zonemap", "server_metadata_url": "https://idp.example/.well-known"}
    at.secrets["zonemap_sso"] = SETTINGS
    at.user = {"is_logged_in": True, "sub": "u-1", "name": "李四", "org_code": "11140700MB7654321Y"}
    at.run()
    texts = [t.value for t in at.sidebar.text]
    assert texts == ["已登录：李四", "权限：市级（晋中市）"]
    assert [b.label for b in at.sidebar.button if b.key != "sup_asof_play"] == ["退出统一身份认证"]
    assert any("只读：不在您的权限范围（晋中市）" in c.value for c in at.caption)  # P1 is 太原's
    at.user = {"is_logged_in": True, "sub": "u-9", "org_code": "UNKNOWN"}
    at.run()
    assert not [t for t in at.sidebar.text if t.value.startswith("已登录")]
    assert any("未配置编辑权限" in c.value for c in at.sidebar.caption)
