"""Editor accounts: hashing, the TOML file, authentication, the CLI."""

from __future__ import annotations

import pytest

from geodata import accounts
from geodata.accounts import AccountsError, authenticate, check_password, hash_password, load_accounts, save_account


def test_hash_is_salted_and_checks():
    a, b = hash_password("秘密口令123", iterations=1000), hash_password("秘密口令123", iterations=1000)
    assert a != b and a.startswith("pbkdf2_sha256$1000$")
    assert check_password("秘密口令123", a) and not check_password("秘密口令124", a)
    assert not check_password("x", "md5$1$2$3") and not check_password("x", "garbage")


def test_save_load_and_authenticate(tmp_path, monkeypatch):
    monkeypatch.setattr(accounts, "ITERATIONS", 1000)
    path = tmp_path / "accounts.toml"
    save_account("zhangsan", '张三"\n（自然资源局）', "password-1", path)
    save_account("lisi", "李四", "password-2", path)
    save_account("zhangsan", '张三"（自然资源局）', "password-3", path)  # change password, keep lisi
    accs = load_accounts(path)
    assert set(accs) == {"zhangsan", "lisi"} and accs["zhangsan"].name == '张三"（自然资源局）'
    assert "password-3" not in path.read_text(encoding="utf-8")
    assert authenticate("zhangsan", "password-3", path).name == '张三"（自然资源局）'
    assert authenticate("zhangsan", "password-1", path) is None
    assert authenticate("nobody", "password-3", path) is None
    assert oct(path.stat().st_mode)[-3:] == "600"


def test_missing_file_means_no_accounts_and_broken_file_a_chinese_error(tmp_path):
    assert load_accounts(tmp_path / "none.toml") == {}
    bad = tmp_path / "bad.toml"
    bad.write_text("[accounts.x\n", encoding="utf-8")
    with pytest.raises(AccountsError, match="格式错误"):
        load_accounts(bad)
    bad.write_text('[accounts.x]\npassword = "plain"\n', encoding="utf-8")
    with pytest.raises(AccountsError, match="密码哈希"):
        load_accounts(bad)


def test_usernames_are_plain(tmp_path):
    with pytest.raises(AccountsError):
        save_account("张三", "张三", "password-1", tmp_path / "a.toml")
    with pytest.raises(AccountsError):
        save_account("a]\n[x", "x", "password-1", tmp_path / "a.toml")


def test_cli_add_and_list(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(accounts, "ITERATIONS", 1000)
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "a.toml"))
    monkeypatch.setenv("ZONEMAP_NEW_PASSWORD", "short")
    assert accounts.main(["add", "wangwu"]) == 1
    monkeypatch.setenv("ZONEMAP_NEW_PASSWORD", "long-enough")
    assert accounts.main(["add", "wangwu", "--name", "王五"]) == 0
    assert accounts.main(["list"]) == 0
    assert "wangwu\t王五" in capsys.readouterr().out
