"""Signed, expiring session tokens and the server secret."""

from __future__ import annotations

import stat

import pytest

from access import sessions
from access.accounts import Account, hash_password
from access.sessions import SessionError, cookie_js, issue, revoke, server_secret, session_hours, verify

SECRET = b"s" * 32
NOW = 1_800_000_000.0
ZHANG = Account("zhangsan", "张三", hash_password("password-1", iterations=1000))
LI = Account("lisi", "李四", hash_password("password-2", iterations=1000))
ACCOUNTS = {"zhangsan": ZHANG, "lisi": LI}


@pytest.fixture(autouse=True)
def no_revoked_tokens(monkeypatch):
    monkeypatch.setattr(sessions, "_revoked", {})


def token(account=ZHANG, secret=SECRET, hours=8):
    return issue(account, secret, NOW, hours)[0]


def test_a_token_names_its_account_until_it_expires():
    t, expires = issue(ZHANG, SECRET, NOW, 8)
    assert expires == NOW + 8 * 3600
    assert verify(t, ACCOUNTS, SECRET, NOW) == ZHANG
    assert verify(t, ACCOUNTS, SECRET, expires - 1) == ZHANG
    assert verify(t, ACCOUNTS, SECRET, expires) is None
    assert "password" not in t and "$" not in t


def test_tampered_tokens_are_refused():
    t = token()
    version, user, expires, mac = t.split(".")
    li_user = token(LI).split(".")[1]
    assert verify(".".join([version, li_user, expires, mac]), ACCOUNTS, SECRET, NOW) is None  # other user
    assert verify(".".join([version, user, str(int(expires) + 3600), mac]), ACCOUNTS, SECRET, NOW) is None
    flipped = ("A" if mac[0] != "A" else "B") + mac[1:]
    assert verify(".".join([version, user, expires, flipped]), ACCOUNTS, SECRET, NOW) is None
    assert verify(".".join(["v2", user, expires, mac]), ACCOUNTS, SECRET, NOW) is None
    assert verify(t, ACCOUNTS, b"t" * 32, NOW) is None  # another server secret
    for garbage in ["", None, "x", "a.b.c", t + ".x", t.replace(".", ";"), "v1.%%%.1.x", "v1." + "A" * 600 + ".1.x"]:
        assert verify(garbage, ACCOUNTS, SECRET, NOW) is None


def test_changing_the_password_revokes_the_token():
    t = token()
    changed = Account("zhangsan", "张三", hash_password("new-password", iterations=1000))
    assert verify(t, {"zhangsan": changed}, SECRET, NOW) is None


def test_a_removed_account_cannot_come_back_through_its_token():
    assert verify(token(), {"lisi": LI}, SECRET, NOW) is None


def test_a_renamed_account_keeps_its_token_with_the_new_name():
    renamed = Account("zhangsan", "张三（改名）", ZHANG.password_hash)
    assert verify(token(), {"zhangsan": renamed}, SECRET, NOW).name == "张三（改名）"


def test_the_secret_file_is_created_once_with_mode_0600(tmp_path):
    path = tmp_path / "var" / "secret.key"
    first = server_secret(path, env={})
    assert len(first) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert server_secret(path, env={}) == first
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]


def test_the_secret_from_the_environment(tmp_path):
    assert server_secret(tmp_path / "unused", env={"ZONEMAP_SECRET": "k" * 40}) == b"k" * 40
    assert not (tmp_path / "unused").exists()
    with pytest.raises(SessionError, match="太短"):
        server_secret(tmp_path / "unused", env={"ZONEMAP_SECRET": "short"})
    (tmp_path / "bad.key").write_text("x\n")
    with pytest.raises(SessionError, match="太短"):
        server_secret(tmp_path / "bad.key", env={})


def test_session_hours():
    assert session_hours({}) == 8
    assert session_hours({"ZONEMAP_SESSION_HOURS": "0.5"}) == 0.5
    assert session_hours({"ZONEMAP_SESSION_HOURS": "abc"}) == 8
    assert session_hours({"ZONEMAP_SESSION_HOURS": "-2"}) == 8


def test_a_signed_out_token_is_refused():
    t, other = token(), token(LI)
    revoke(t, NOW)
    assert verify(t, ACCOUNTS, SECRET, NOW) is None and verify(other, ACCOUNTS, SECRET, NOW) == LI
    revoke("not a token", NOW)  # ignored


def test_the_cookie_script_sets_and_clears_a_strict_cookie():
    t, expires = issue(ZHANG, SECRET, NOW, 8)
    js = cookie_js(t, expires)
    assert f"zonemap_session={t}; Path=/; SameSite=Strict; Expires=" in js and "GMT" in js and "Secure" in js
    assert "zonemap_session=; Path=/; SameSite=Strict; Expires=Thu, 01 Jan 1970 00:00:00 GMT" in cookie_js("", 0)
    with pytest.raises(ValueError):
        cookie_js("x';alert(1);'", expires)
