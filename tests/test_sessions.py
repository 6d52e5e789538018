"""Signed, expiring session tokens and the server secret."""

from __future__ import annotations

import stat

import pytest

from geodata.accounts import Account, hash_password
from geodata.sessions import SessionError, issue, server_secret, session_hours, verify

SECRET = b"s" * 32
NOW = 1_800_000_000.0
ZHANG = Account("zhangsan", "张三", hash_password("password-1", iterations=1000))
LI = Account("lisi", "李四", hash_password("password-2", iterations=1000))
ACCOUNTS = {"zhangsan": ZHANG, "lisi": LI}


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
