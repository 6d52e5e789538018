"""Sign-in throttling and lockout with a fake clock, and the login_failed audit row."""

from __future__ import annotations

import pytest

from access import signin_guard
from access.accounts import Account
from access.signin_guard import (
    WRONG,
    Policy,
    SignInGuard,
    audit_failed_sign_in,
    default_guard,
    policy_from_env,
    pseudonym,
    sign_in,
    wait_message,
)
from geodata.store import create_gpkg
from testing.factory import frames

ZHANG = Account("zhangsan", "张三", "unused", role="province")
SECRET = b"zonemap-audit-test-secret-0123456789"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def guard(clock):
    return SignInGuard(Policy(max_failures=5, lock_minutes=15), clock=clock)


def check(username, password):
    return ZHANG if (username, password) == ("zhangsan", "right") else None


def test_each_failure_doubles_the_wait_and_the_fifth_locks_for_15_minutes(guard, clock):
    waits = []
    for _ in range(5):
        waits.append(guard.record_failure("zhangsan", "10.0.0.1"))
        clock.now += waits[-1]  # wait exactly as long as asked
    assert waits == [1, 2, 4, 8, 900]
    clock.now -= 1
    assert guard.wait_seconds("zhangsan", "10.0.0.1") == 1
    assert guard.wait_seconds("zhangsan", "10.0.0.2") == 1  # the username is locked from anywhere
    assert guard.wait_seconds("lisi", "10.0.0.2") == 0
    clock.now += 1
    assert guard.wait_seconds("zhangsan", "10.0.0.1") == 0


def test_a_locked_user_is_refused_even_with_the_right_password(guard, clock):
    for _ in range(5):
        result = sign_in("zhangsan", "wrong", "10.0.0.1", guard, check)
        clock.now += 10
    assert result.account is None and result.message == WRONG + "登录失败次数过多，请 15 分钟后再试。"
    result = sign_in("zhangsan", "right", "10.0.0.1", guard, check)
    assert result.account is None and result.message == "登录失败次数过多，请 15 分钟后再试。"
    clock.now += 15 * 60
    assert sign_in("zhangsan", "right", "10.0.0.1", guard, check).account == ZHANG


def test_throttled_attempts_do_not_check_the_password_or_count(guard, clock):
    checked = []

    def counting(u, p):
        checked.append(u)
        return check(u, p)

    assert sign_in("zhangsan", "wrong", "a", guard, counting).message == WRONG
    for _ in range(50):  # hammering during the 1 s delay
        assert sign_in("zhangsan", "wrong", "a", guard, counting).message == "登录失败次数过多，请 1 秒后再试。"
    assert checked == ["zhangsan"]
    clock.now += 1
    assert sign_in("zhangsan", "right", "a", guard, counting).account == ZHANG


def test_unknown_and_real_usernames_get_the_same_answers(guard, clock):
    def answers(username):
        out = []
        for _ in range(6):
            out.append(sign_in(username, "wrong", f"addr-{username}", guard, check).message)
            clock.now += 9
        return out

    assert answers("zhangsan") == answers("nobody")


def test_success_clears_the_username_but_not_the_address(guard, clock):
    for _ in range(4):
        guard.record_failure("zhangsan", "a")
        clock.now += 60
    guard.record_success("zhangsan", "a")
    assert guard.record_failure("zhangsan", "a") == 1  # counting starts again for the user


def test_one_address_spraying_many_usernames_is_locked(guard, clock):
    waits = []
    for i in range(20):
        clock.now += guard.wait_seconds(f"user{i}", "10.9.9.9")
        waits.append(guard.record_failure(f"user{i}", "10.9.9.9"))
    assert waits[:4] == [1, 1, 1, 1]  # each new username's own first delay
    assert waits[5:8] == [1, 2, 4] and waits[-1] == 900
    assert guard.wait_seconds("zhangsan", "10.9.9.9") == 900
    assert guard.wait_seconds("zhangsan", "10.0.0.1") == 0  # other addresses unaffected


def test_failures_are_forgotten_after_the_lock_time(guard, clock):
    for _ in range(4):
        guard.record_failure("zhangsan", "a")
        clock.now += 10
    clock.now += 15 * 60 + 1
    assert guard.record_failure("zhangsan", "a") == 1


def test_one_guard_per_process_with_the_policy_from_the_environment(monkeypatch):
    monkeypatch.setattr(signin_guard, "_default", None)
    monkeypatch.setenv("ZONEMAP_LOGIN_MAX_FAILURES", "3")
    first = default_guard()
    monkeypatch.setenv("ZONEMAP_LOGIN_MAX_FAILURES", "7")
    assert default_guard() is first and first.policy.max_failures == 3


def test_policy_from_the_environment():
    assert policy_from_env({}) == Policy(5, 15)
    assert policy_from_env({"ZONEMAP_LOGIN_MAX_FAILURES": "3", "ZONEMAP_LOGIN_LOCK_MINUTES": "2.5"}) == Policy(3, 2.5)
    assert policy_from_env({"ZONEMAP_LOGIN_MAX_FAILURES": "x", "ZONEMAP_LOGIN_LOCK_MINUTES": "-1"}) == Policy(5, 15)


def test_wait_messages():
    assert wait_message(0.2) == "登录失败次数过多，请 1 秒后再试。"
    assert wait_message(59.5) == "登录失败次数过多，请 60 秒后再试。"
    assert wait_message(61) == "登录失败次数过多，请 2 分钟后再试。"


def test_failed_attempts_are_audited_without_the_name_or_address(tmp_path):
    store = create_gpkg(tmp_path / "data.gpkg", frames())
    name = "![e](http://x)\x00" + "王小明" + "x" * 100
    audit_failed_sign_in(store, name, "10.0.0.7", secret=SECRET)
    audit_failed_sign_in(store, " 王小明 ", "10.0.0.8", secret=SECRET)
    audit_failed_sign_in(store, "王小明", "10.0.0.7", secret=SECRET)
    h = store.history()
    assert len(h) == 3 and set(h["action"]) == {"login_failed"} and set(h["layer"]) == {"accounts"}
    assert store.history("parcels").empty  # not mixed into record histories
    newest, middle, oldest = h.to_dict("records")
    assert newest["user"] == middle["user"] == "尝试:" + pseudonym("user", "王小明", SECRET)  # correlatable
    assert oldest["user"] != newest["user"] and len(oldest["user"]) == len("尝试:") + 16
    assert newest["reason"] == oldest["reason"] == "客户端：" + pseudonym("addr", "10.0.0.7", SECRET)
    assert middle["reason"] != newest["reason"]
    raw = (tmp_path / "data.gpkg").read_bytes()
    for secret_text in ("王小明", "10.0.0.7", "10.0.0.8", "http://x"):  # nowhere in the data file
        assert secret_text.encode() not in raw


def test_pseudonyms_need_the_server_secret():
    other = b"another-secret-0123456789abcdef0123"
    assert pseudonym("user", "zhangsan", SECRET) != pseudonym("user", "zhangsan", other)
    assert pseudonym("user", "ZhangSan ", SECRET) == pseudonym("user", "zhangsan", SECRET)
    assert pseudonym("user", "zhangsan", SECRET) != pseudonym("addr", "zhangsan", SECRET)
    assert pseudonym("addr", "", SECRET) == pseudonym("addr", "unknown", SECRET)


def test_the_session_secret_keys_the_audit_by_default(tmp_path, monkeypatch):
    store = create_gpkg(tmp_path / "data.gpkg", frames())
    monkeypatch.setenv("ZONEMAP_SECRET", SECRET.decode())
    audit_failed_sign_in(store, "zhangsan", "10.0.0.7")
    monkeypatch.setenv("ZONEMAP_SECRET", "short")  # unusable: the row names neither
    audit_failed_sign_in(store, "zhangsan", "10.0.0.7")
    assert list(store.history()["user"]) == ["尝试:—", "尝试:" + pseudonym("user", "zhangsan", SECRET)]


def test_an_unwritable_audit_does_not_break_signing_in(tmp_path, caplog):
    class Broken:
        location = "broken.gpkg"

        def record_event(self, *args, **kwargs):
            raise OSError("read-only file system")

    audit_failed_sign_in(Broken(), "zhangsan", "a")
    assert "login_failed" in caplog.text
