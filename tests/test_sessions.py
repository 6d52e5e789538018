"""Sign-in sessions kept in the store: tokens, the one-time handoff, ending them here, elsewhere, from the CLI."""

from __future__ import annotations

import shutil
import time

import pytest

from access import accounts, cli, sessions
from access.sessions import CHECK_S, HANDOFF_S, active, end, end_all, redeem, session_hours, start, token_hash
from geodata.store import SAMPLE_PATH, GpkgStore, StoreError, open_store
from tests import apptest

NOW = 1_800_000_000.0
PASSWORD = "session-password-1"
UNSURE = "暂时无法确认登录状态，本页暂为只读；稍后刷新页面即可。详情见服务器日志。"


@pytest.fixture(autouse=True)
def fresh_memory(monkeypatch):
    monkeypatch.setattr(sessions, "_handoffs", {})
    monkeypatch.setattr(sessions, "_checked", {})


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "zonemap.gpkg"
    shutil.copyfile(SAMPLE_PATH, path)
    monkeypatch.setenv("ZONEMAP_DATA", str(path))
    return GpkgStore(path)


def test_only_well_formed_new_tokens_have_a_hash():
    token = "v2." + "A" * 43
    assert len(token_hash(token)) == 64 and token_hash(token) != token_hash("v2." + "B" * 43)
    old = "v1.emhhbmdzYW4.1800028800.c2lnbmF0dXJlLW9mLXRoZS1vbGQtZm9ybWF0LTEyMzQ"  # the signed format before
    for refused in [old, None, "", "v2.", "v2." + "A" * 42, "v2." + "A" * 44, "v3." + "A" * 43, "v2." + "%" * 43]:
        assert token_hash(refused) is None


def test_the_handoff_code_gives_the_token_once_and_only_for_a_minute(store):
    started = start(store, "zhangsan", NOW, hours=8)
    assert store.find_session(started.token_hash, NOW).username == "zhangsan"
    assert started.expires == NOW + 8 * 3600 and started.code not in started.token_hash
    token, expires = redeem(started.code, NOW + 1)
    assert token_hash(token) == started.token_hash and expires == started.expires
    assert redeem(started.code, NOW + 2) is None  # once
    late = start(store, "zhangsan", NOW, hours=8)
    assert redeem(late.code, NOW + HANDOFF_S) is None
    assert redeem("x" * 43, NOW) is None and redeem(None, NOW) is None and redeem("'; alert(1)", NOW) is None


def test_a_session_ended_on_another_server_is_seen_within_seconds(store):
    started = start(store, "zhangsan", NOW)
    assert active(store, started.token_hash, NOW).username == "zhangsan"
    open_store(store.location).end_session(started.token_hash, "signout", NOW + 1)  # the other server
    assert active(store, started.token_hash, NOW + 1) is not None  # remembered a moment
    assert active(store, started.token_hash, NOW + CHECK_S) is None


def test_last_seen_moves_at_most_once_a_minute(store):
    started = start(store, "zhangsan", NOW)
    active(store, started.token_hash, NOW + 30)
    assert store.find_session(started.token_hash, NOW + 30).last_seen == NOW
    active(store, started.token_hash, NOW + 75)
    assert store.find_session(started.token_hash, NOW + 75).last_seen == NOW + 75


def test_signing_out_here_or_everywhere(store):
    a, b, other = start(store, "zhangsan", NOW), start(store, "zhangsan", NOW), start(store, "lisi", NOW)
    for s in (a, b, other):
        assert active(store, s.token_hash, NOW)
    assert end(store, a.token_hash, "signout", NOW + 1) is True
    assert active(store, a.token_hash, NOW + 1) is None and active(store, b.token_hash, NOW + 1)  # at once here
    assert end_all(store, "zhangsan", "signout_all", NOW + 2) == 1
    assert active(store, b.token_hash, NOW + 2) is None and active(store, other.token_hash, NOW + 2)


def test_session_hours():
    assert session_hours({}) == 8
    assert session_hours({"ZONEMAP_SESSION_HOURS": "0.5"}) == 0.5
    assert session_hours({"ZONEMAP_SESSION_HOURS": "abc"}) == 8
    assert session_hours({"ZONEMAP_SESSION_HOURS": "-2"}) == 8


# --- the accounts command line -----------------------------------------------------------------------------------


@pytest.fixture
def accounts_file(tmp_path, monkeypatch):
    monkeypatch.setattr(accounts, "ITERATIONS", 1000)
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "a.toml"))
    monkeypatch.setenv("ZONEMAP_NEW_PASSWORD", PASSWORD)
    return tmp_path / "a.toml"


def test_a_password_change_or_removal_ends_the_accounts_sessions(store, accounts_file, capsys):
    assert cli.main(["add", "zhangsan", "--role", "province"]) == 0
    a, other = start(store, "zhangsan", NOW), start(store, "lisi", NOW)
    assert cli.main(["--data", str(store.path), "reset-password", "zhangsan"]) == 0  # new password
    assert "该账户已登录的会话全部失效" in capsys.readouterr().out
    assert store.find_session(a.token_hash, NOW + 1) is None and store.find_session(other.token_hash, NOW + 1)
    b = start(store, "zhangsan", NOW)
    assert cli.main(["remove", "zhangsan"]) == 0  # $ZONEMAP_DATA
    assert store.find_session(b.token_hash, NOW + 1) is None and "zhangsan" not in accounts.load_accounts()
    assert cli.main(["remove", "zhangsan"]) == 1


def test_the_cli_warns_in_chinese_when_it_cannot_end_the_sessions(store, accounts_file, tmp_path, capsys):
    assert cli.main(["add", "zhangsan", "--role", "province"]) == 0
    assert cli.main(["--data", str(tmp_path / "missing.gpkg"), "reset-password", "zhangsan"]) == 1
    err = capsys.readouterr().err
    assert "未能结束账户 zhangsan 已有的登录" in err and "Traceback" not in err
    assert "zhangsan" in accounts.load_accounts()  # the password is saved all the same


# --- the page ------------------------------------------------------------------------------------------------------


def test_a_tab_is_signed_out_at_its_next_run_when_its_session_ends_elsewhere(store, accounts_file, monkeypatch):
    apptest.add_account(monkeypatch, accounts_file, "zhangsan", "张三", PASSWORD)
    monkeypatch.setattr(sessions, "CHECK_S", 0.0)
    at = apptest.login(apptest.open_page("pages/supply.py"), "zhangsan", PASSWORD)
    editor = at.session_state["editor"]
    assert editor["username"] == "zhangsan" and store.find_session(editor["session"], time.time())
    at.run()
    assert at.session_state["editor"]["username"] == "zhangsan"
    other = start(store, "zhangsan")  # the same account on another device
    end(store, editor["session"], "signout")  # signed out in another tab (or another app server)
    at.run()
    assert "editor" not in at.session_state
    assert [w.value for w in at.sidebar.warning] == ["登录已结束（已在其他窗口或设备退出，或账户已变更），请重新登录。"]
    assert store.find_session(other.token_hash, time.time())  # the other device stays signed in


def test_sign_out_on_all_devices_ends_every_session_of_the_account(store, accounts_file, monkeypatch):
    apptest.add_account(monkeypatch, accounts_file, "zhangsan", "张三", PASSWORD)
    at = apptest.login(apptest.open_page("pages/supply.py"), "zhangsan", PASSWORD)
    mine, other = at.session_state["editor"]["session"], start(store, "zhangsan")
    at.sidebar.checkbox(key="logout_all").check()
    apptest.button(at, "退出登录").click().run()
    assert "editor" not in at.session_state
    assert store.find_session(mine, time.time()) is None and store.find_session(other.token_hash, time.time()) is None


def test_a_store_that_cannot_answer_makes_one_run_read_only_and_signs_no_one_out(store, accounts_file, monkeypatch):
    apptest.add_account(monkeypatch, accounts_file, "zhangsan", "张三", PASSWORD)
    monkeypatch.setattr(sessions, "CHECK_S", 0.0)
    at = apptest.login(apptest.open_page("pages/supply.py"), "zhangsan", PASSWORD)
    digest = at.session_state["editor"]["session"]

    def unreachable(*args, **kwargs):
        raise StoreError("无法连接数据库服务器")

    with monkeypatch.context() as m:
        m.setattr(GpkgStore, "find_session", unreachable)
        at.run()
    assert [w.value for w in at.sidebar.warning] == [UNSURE]
    assert not [t for t in at.sidebar.text if t.value.startswith("已登录")]
    at.run()
    assert at.session_state["editor"]["session"] == digest and store.find_session(digest, time.time())
