"""Every page offers sign-in (#26): the 用户名/密码 form in the sidebar, and 已登录 once signed in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import apptest
from tests.apptest import open_page, store_with_account

PAGES = sorted(f"pages/{p.name}" for p in (Path(__file__).resolve().parents[1] / "pages").glob("*.py"))
PASSWORD = "correct-horse-battery"


@pytest.fixture
def with_account(tmp_path, monkeypatch):
    store_with_account(tmp_path, monkeypatch, "zhangsan", "张三（自然资源局）", PASSWORD)


def test_every_page_is_checked():
    assert "pages/overview.py" in PAGES and len(PAGES) >= 6


@pytest.mark.parametrize("page", PAGES)
def test_page_offers_sign_in_and_signing_in_shows_the_editor(with_account, page):
    at = open_page(page)
    labels = [t.label for t in at.sidebar.text_input]
    assert "用户名" in labels and "密码" in labels, f"{page} has no sign-in form"
    at = apptest.login(at, "zhangsan", PASSWORD)
    assert "已登录：张三（自然资源局）" in [t.value for t in at.sidebar.text]
