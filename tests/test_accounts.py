"""Editor accounts: hashing, the TOML file, authentication, the CLI."""

from __future__ import annotations

import hashlib
import os
import stat
import tomllib

import pytest

from access import accounts, cli
from access.accounts import (
    AccountsError,
    authenticate,
    check_password,
    hash_password,
    load_accounts,
    save_account,
    toml_string,
)


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(accounts, "ITERATIONS", 1000)


@pytest.fixture
def data(tmp_path, monkeypatch):
    """The store whose sessions the CLI ends when it saves an account (a copy of the sample, not var/)."""
    import shutil

    from geodata.store import SAMPLE_PATH

    shutil.copyfile(SAMPLE_PATH, tmp_path / "zonemap.gpkg")
    monkeypatch.setenv("ZONEMAP_DATA", str(tmp_path / "zonemap.gpkg"))


@pytest.fixture
def pbkdf2_calls(monkeypatch):
    """Iteration counts of every PBKDF2 run; each runs 1 iteration so the test is fast."""
    calls: list[int] = []
    real = hashlib.pbkdf2_hmac

    def counting(name, password, salt, iterations, dklen=None):
        calls.append(iterations)
        return real(name, password, salt, 1, dklen)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    return calls


def test_hash_is_salted_and_checks():
    a, b = hash_password("秘密口令123", iterations=1000), hash_password("秘密口令123", iterations=1000)
    assert a != b and a.startswith("pbkdf2_sha256$1000$")
    assert check_password("秘密口令123", a) and not check_password("秘密口令124", a)
    assert not check_password("x", "md5$1$2$3") and not check_password("x", "garbage")


def test_save_load_and_authenticate(tmp_path, fast):
    path = tmp_path / "accounts.toml"
    save_account("zhangsan", '张三"\\（自然资源局）', "password-1", path)
    save_account("li.si", "李四", "password-2", path)
    save_account("zhangsan", '张三"（自然资源局）', "password-3", path)  # change password, keep li.si
    accs = load_accounts(path)
    assert set(accs) == {"zhangsan", "li.si"} and accs["zhangsan"].name == '张三"（自然资源局）'
    assert accs["zhangsan"].password_hash.startswith("pbkdf2_sha256$1000$")
    assert "password-3" not in path.read_text(encoding="utf-8")
    assert authenticate("zhangsan", "password-3", path).name == '张三"（自然资源局）'
    assert authenticate("zhangsan", "password-1", path) is None
    assert authenticate("nobody", "password-3", path) is None
    assert accounts.account_names(path) == {"zhangsan": '张三"（自然资源局）', "li.si": "李四"}
    assert oct(path.stat().st_mode)[-3:] == "600"


def test_unknown_user_and_wrong_password_do_the_same_pbkdf2_work(tmp_path, pbkdf2_calls):
    path = tmp_path / "accounts.toml"
    save_account("zhangsan", "张三", "password-1", path)  # at the real ITERATIONS
    pbkdf2_calls.clear()
    assert authenticate("zhangsan", "wrong-password", path) is None
    wrong = list(pbkdf2_calls)
    pbkdf2_calls.clear()
    assert authenticate("nobody", "wrong-password", path) is None
    assert authenticate("", "", path) is None
    assert wrong == [accounts.ITERATIONS] and pbkdf2_calls == [accounts.ITERATIONS] * 2
    pbkdf2_calls.clear()
    assert authenticate("zhangsan", "password-1", path) is not None and pbkdf2_calls == [accounts.ITERATIONS]


def test_unknown_user_work_follows_the_iteration_count_in_the_file(tmp_path, pbkdf2_calls):
    path = tmp_path / "accounts.toml"
    path.write_text(f'[accounts.old]\npassword = "{hash_password("password-1", iterations=310_000)}"\n')
    pbkdf2_calls.clear()
    assert authenticate("old", "wrong", path) is None and authenticate("nobody", "wrong", path) is None
    assert pbkdf2_calls == [310_000, 310_000]
    pbkdf2_calls.clear()
    assert authenticate("nobody", "wrong", tmp_path / "missing.toml") is None
    assert pbkdf2_calls == [accounts.ITERATIONS]


def test_missing_file_means_no_accounts_and_broken_file_a_chinese_error(tmp_path):
    assert load_accounts(tmp_path / "none.toml") == {}
    bad = tmp_path / "bad.toml"
    bad.write_text("[accounts.x\n", encoding="utf-8")
    with pytest.raises(AccountsError, match="格式错误"):
        load_accounts(bad)
    bad.write_text('[accounts.x]\npassword = "plain"\n', encoding="utf-8")
    with pytest.raises(AccountsError, match="密码哈希"):
        load_accounts(bad)


@pytest.mark.parametrize("username", ["张三", "a]\n[x", "", "a b", "x" * 33, 'a"b', "a\\b"])
def test_usernames_are_plain(tmp_path, fast, username):
    with pytest.raises(AccountsError, match="用户名只能包含"):
        save_account(username, "张三", "password-1", tmp_path / "a.toml")
    assert not (tmp_path / "a.toml").exists()


@pytest.mark.parametrize("name", ["张\x01三", "张三\n", "张\x7f三", "张\u202e三", "\u200b", "张\u2028三", "名" * 65])
def test_display_names_without_control_characters(tmp_path, fast, name):
    path = tmp_path / "a.toml"
    save_account("lisi", "李四", "password-1", path)
    before = path.read_bytes()
    with pytest.raises(AccountsError, match="显示名"):
        save_account("zhangsan", name, "password-1", path)
    assert path.read_bytes() == before and set(load_accounts(path)) == {"lisi"}


def test_toml_strings_read_back_exactly():
    for text in ['a"b', "a\\b", "\\u0041", "张三（自然资源局）", "![e](http://x)", "tab\there", "x\x00\x1f\x7fy"]:
        assert tomllib.loads(f"v = {toml_string(text)}")["v"] == text


def test_the_file_is_0600_from_its_creation(tmp_path, fast, monkeypatch):
    """Even with umask 000, the temp file is created 0600 (O_EXCL) and is still 0600 when renamed."""
    created, renamed = [], []
    real_open, real_replace = os.open, os.replace

    def watch_open(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        created.append((flags & os.O_EXCL, stat.S_IMODE(os.fstat(fd).st_mode)))
        return fd

    def watch_replace(src, dst):
        renamed.append(stat.S_IMODE(os.stat(src).st_mode))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "open", watch_open)
    monkeypatch.setattr(os, "replace", watch_replace)
    old_umask = os.umask(0)
    try:
        save_account("zhangsan", "张三", "password-1", tmp_path / "a.toml")
        save_account("lisi", "李四", "password-2", tmp_path / "a.toml")
    finally:
        os.umask(old_umask)
    assert created == [(os.O_EXCL, 0o600)] * 2 and renamed == [0o600, 0o600]
    assert [p.name for p in tmp_path.iterdir()] == ["a.toml"]  # no temp file left
    assert stat.S_IMODE((tmp_path / "a.toml").stat().st_mode) == 0o600


def test_cli_add_and_list(tmp_path, fast, data, monkeypatch, capsys):
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "a.toml"))
    monkeypatch.setenv("ZONEMAP_NEW_PASSWORD", "short")
    assert cli.main(["add", "wangwu", "--role", "province"]) == 1
    monkeypatch.setenv("ZONEMAP_NEW_PASSWORD", "long-enough")
    assert cli.main(["add", "wangwu", "--name", "王五", "--role", "province"]) == 0
    assert cli.main(["list"]) == 0
    assert "wangwu\t王五\t省级（全省）" in capsys.readouterr().out


def test_cli_refuses_a_control_character_in_the_name(tmp_path, fast, data, monkeypatch, capsys):
    path = tmp_path / "a.toml"
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(path))
    monkeypatch.setenv("ZONEMAP_NEW_PASSWORD", "long-enough")
    assert cli.main(["add", "wangwu", "--name", "王五", "--role", "province"]) == 0
    before = path.read_bytes()
    assert cli.main(["add", "zhaoliu", "--name", "赵\x1b[31m六", "--role", "province"]) == 1
    err = capsys.readouterr().err
    assert "控制字符" in err and "Traceback" not in err
    assert path.read_bytes() == before and set(load_accounts(path)) == {"wangwu"}


def test_cli_scopes_by_code_or_chinese_name_and_set_scope(tmp_path, fast, monkeypatch, capsys):
    import io

    from geodata.store import create_gpkg
    from testing.factory import frames

    data = create_gpkg(tmp_path / "d.gpkg", frames()).path
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "a.toml"))
    monkeypatch.setattr("sys.stdin", io.StringIO("pw-from-a-script\nignored second line\n"))
    assert (
        cli.main(["add", "jz", "--role", "city", "--scope", "晋中", "--name", "晋中市商务局", "--password-stdin"]) == 0
    )
    monkeypatch.setenv("ZONEMAP_NEW_PASSWORD", "long-enough")
    assert cli.main(["add", "jx", "--role", "zone", "--scope", "介休经济技术开发区", "--data", str(data)]) == 0
    assert cli.main(["add", "two", "--role", "city", "--scope", "140100,运城市"]) == 0
    loaded = load_accounts()
    assert loaded["jz"].scope.codes == {"140700"} and loaded["jz"].scope.label == "晋中市"
    assert accounts.authenticate("jz", "pw-from-a-script") is not None  # one line read, newline dropped
    assert loaded["jx"].scope.codes == {"Z2"} and loaded["jx"].scope.describe() == "开发区（介休经济技术开发区）"
    assert loaded["two"].scope.codes == {"140100", "140800"}
    assert cli.main(["set-scope", "jz", "--role", "zone", "--scope", "Z1", "--data", str(data)]) == 0
    assert (
        load_accounts()["jz"].scope.codes == {"Z1"}
        and load_accounts()["jz"].password_hash == loaded["jz"].password_hash
    )
    capsys.readouterr()
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "jz\t晋中市商务局\t开发区（甲开发区）" in out and "two\ttwo\t市级（太原市、运城市）" in out
    for bad in (
        ["add", "x", "--role", "city", "--scope", "杭州市"],  # not a Shanxi city
        ["add", "x", "--role", "zone", "--scope", "不存在的开发区", "--data", str(data)],
        ["add", "x", "--role", "city"],  # a city account without a scope
        ["add", "x", "--role", "province", "--scope", "晋中市"],  # a province account narrowed
        ["set-scope", "nobody", "--role", "province"],
    ):
        assert cli.main(bad) == 1, bad
    with pytest.raises(SystemExit) as usage:
        cli.main(["add", "x"])  # a new account without a role is a usage error
    assert usage.value.code == 2
    err = capsys.readouterr().err
    assert "不是山西省的地级市" in err and "没有开发区“不存在的开发区”" in err and "Traceback" not in err
    assert "x" not in load_accounts()


def test_a_role_or_scope_edited_by_hand_into_nonsense_is_refused_when_read(tmp_path):
    path = tmp_path / "a.toml"
    save_account("zhangsan", "张三", "password-1", path, scope=None)
    text = path.read_text(encoding="utf-8")
    for extra in ('role = "admin"\nscope = []\n', 'role = "city"\nscope = []\n', 'role = "city"\nscope = "140700"\n'):
        path.write_text(text + extra, encoding="utf-8")
        with pytest.raises(AccountsError):
            load_accounts(path)


def test_cli_disable_enable_reset_remove_end_the_sessions(tmp_path, fast, monkeypatch, capsys):
    from access import admin

    ended = []
    monkeypatch.setattr(admin, "end_sessions", lambda user, why, data=None: ended.append((user, why)))
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "a.toml"))
    monkeypatch.setenv("ZONEMAP_NEW_PASSWORD", "first-password")
    assert cli.main(["add", "wangwu", "--role", "province"]) == 0
    assert cli.main(["add", "wangwu", "--role", "province"]) == 1  # exists: reset-password or set-scope instead
    assert cli.main(["disable", "wangwu"]) == 0
    assert authenticate("wangwu", "first-password") is None and load_accounts()["wangwu"].disabled
    capsys.readouterr()
    assert cli.main(["list"]) == 0 and capsys.readouterr().out.endswith("已停用\n")
    assert cli.main(["enable", "wangwu"]) == 0 and authenticate("wangwu", "first-password") is not None
    monkeypatch.setenv("ZONEMAP_NEW_PASSWORD", "short")
    assert cli.main(["reset-password", "wangwu"]) == 1  # the rule is checked before anything changes
    monkeypatch.setenv("ZONEMAP_NEW_PASSWORD", "second-password")
    assert cli.main(["reset-password", "wangwu"]) == 0
    assert authenticate("wangwu", "first-password") is None and authenticate("wangwu", "second-password")
    assert cli.main(["remove", "wangwu"]) == 0 and "wangwu" not in load_accounts()
    assert cli.main(["remove", "wangwu"]) == 1
    assert ended == [("wangwu", w) for w in ("disabled", "enabled", "password", "removed")]
    assert "pbkdf2" not in capsys.readouterr().out  # never a hash
