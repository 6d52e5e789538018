"""The 账户 panel on 数据管理 (AppTest): 省级 accounts manage accounts; others and visitors cannot; no hash shown."""

from __future__ import annotations

import pytest

from access.accounts import authenticate, load_accounts
from domain.scope import Scope
from tests.apptest import add_account, button, login, open_page, store_with_account

PASSWORD = "correct-horse-battery"


@pytest.fixture
def page(tmp_path, monkeypatch):
    store_with_account(tmp_path, monkeypatch, "sheng", "省商务厅", PASSWORD)
    return tmp_path


def _texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("info", "error", "success", "caption") for e in getattr(at, kind))


def test_a_province_account_adds_a_city_account_and_no_hash_is_shown(page):
    at = login(open_page("pages/data.py"), "sheng", PASSWORD)
    table = at.dataframe[-1].value
    assert list(table["用户名"]) == ["sheng"] and list(table["权限"]) == ["省级（全省）"]
    assert "pbkdf2" not in table.to_csv()
    at.text_input(key="acc_new_user").input("jz")
    at.text_input(key="acc_new_name").input("晋中市商务局")
    at.selectbox(key="acc_new_role").select("city").run()
    at.multiselect(key="acc_new_cities").select("140700")
    at.text_input(key="acc_new_pw").input("short")
    button(at, "添加").click().run()
    assert "密码至少 8 位" in _texts(at) and "jz" not in load_accounts()
    at.text_input(key="acc_new_pw").input("jinzhong-2026")
    button(at, "添加").click().run()
    assert "已添加账户 jz" in _texts(at)
    jz = load_accounts()["jz"]
    assert jz.scope == Scope("city", frozenset({"140700"}), "晋中市") and authenticate("jz", "jinzhong-2026")


def test_a_city_account_and_a_visitor_get_no_panel(page, monkeypatch):
    add_account(monkeypatch, page / "accounts.toml", "jz", "晋中市商务局", PASSWORD,
                scope=Scope("city", frozenset({"140700"}), "晋中市"))  # fmt: skip
    visitor = open_page("pages/data.py")
    assert "账户由省级账户管理" in _texts(visitor) and not [b for b in visitor.button if b.label == "添加"]
    city = login(open_page("pages/data.py"), "jz", PASSWORD)
    assert "账户由省级账户管理" in _texts(city) and not [b for b in city.button if b.label == "添加"]
