"""Sign-in in Chromium: an HttpOnly cookie set by the server, kept over reloads and restarts, ended everywhere.

The app sends its own security headers (web.guard, the set README “部署”
documents); the map must still draw under them, with no CSP violation.
"""

from __future__ import annotations

import shutil
import time

import pytest

from access import accounts
from access.sessions import COOKIE
from domain.scope import PROVINCE
from geodata.store import SAMPLE_PATH
from testing import harness
from tests.conftest import artifact

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"
NAME = "![e](http://x.example/p.png)张三"  # a hostile display name: must show as text


@pytest.fixture
def data(tmp_path, monkeypatch, playwright_browser):
    monkeypatch.setattr(accounts, "ITERATIONS", 1000)
    accounts.save_account("zhangsan", NAME, PASSWORD, tmp_path / "accounts.toml", scope=PROVINCE)
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "accounts.toml"))
    shutil.copyfile(SAMPLE_PATH, tmp_path / "zonemap.gpkg")
    return tmp_path / "zonemap.gpkg"


def session_cookie(page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == COOKIE), None)


def wait_cookie(page, present: bool, timeout_s: float = 15) -> dict | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        cookie = session_cookie(page)
        if (cookie is not None) == present:
            return cookie
        page.wait_for_timeout(200)
    raise AssertionError(f"session cookie {'never set' if present else 'still there'}")


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def sign_in(page, url: str, path: str = "/supply") -> dict:
    page.goto(url + path)
    sidebar(page).get_by_label("用户名").fill("zhangsan")
    sidebar(page).get_by_label("密码").fill(PASSWORD)
    sidebar(page).get_by_role("button", name="登录", exact=True).click()
    sidebar(page).get_by_text(f"已登录：{NAME}", exact=True).wait_for(timeout=30_000)
    return wait_cookie(page, present=True)


def signed_in(page) -> bool:
    """After a page load: True when the sidebar says 已登录, False when it offers 登录."""
    signed = sidebar(page).get_by_text(f"已登录：{NAME}", exact=True)
    offered = sidebar(page).get_by_role("button", name="登录", exact=True)
    signed.or_(offered).first.wait_for(timeout=30_000)
    return signed.count() > 0


def test_the_session_cookie_is_httponly_and_ends_in_every_tab_and_over_restarts(data, playwright_browser):
    violations = []
    context = playwright_browser.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN")
    page = context.new_page()
    page.external, page.errors = [], []
    harness.block_external(page, page.external)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    with harness.app_server(data=data) as url:
        cookie = sign_in(page, url)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert not cookie["secure"]  # plain http here
        assert cookie["value"].startswith("v2.") and PASSWORD not in cookie["value"]
        assert abs(cookie["expires"] - (time.time() + 8 * 3600)) < 120
        assert COOKIE not in page.evaluate("document.cookie")  # scripts cannot read it

        other = context.new_page()  # a second tab of the same browser, on a page without a map (lighter)
        other.goto(f"{url}/data")
        assert signed_in(other)

        page.reload()
        assert signed_in(page)
        assert page.locator('img[src*="x.example"], a[href*="x.example"]').count() == 0
        harness.wait_for_map(page, timeout=60)  # the page works under the app's own CSP
        page.screenshot(path=str(artifact("session-after-reload.png")), full_page=True)

        sidebar(page).get_by_role("button", name="退出登录").click()
        sidebar(page).get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
        wait_cookie(page, present=False)
        kept = sign_in(page, url, "/data")  # signed in again at once: this session outlives the restart
        sidebar(other).get_by_text("所有设备").click()  # any widget: the other tab runs again …
        sidebar(other).get_by_text("登录已结束", exact=False).wait_for(timeout=30_000)  # … and is signed out
        assert sidebar(other).get_by_text("已登录").count() == 0
        other.wait_for_timeout(1500)  # its request to delete its ended session's cookie has been answered …
        assert session_cookie(page)["value"] == kept["value"]  # … and left the new session's cookie alone
    with harness.app_server(data=data) as url:
        old_format = "v1.emhhbmdzYW4.1900000000.c2lnbmVkLWJ5LXRoZS1vbGQta2V5LTAxMjM0NTY3ODk"  # signed format
        for value, expected in ((cookie["value"], False), (old_format, False), (kept["value"], True)):
            fresh = playwright_browser.new_context(locale="zh-CN")
            fresh.add_cookies([{"name": COOKIE, "value": value, "url": url}])
            tab = fresh.new_page()
            tab.goto(f"{url}/data")
            assert signed_in(tab) is expected, value[:8]
            fresh.close()
    assert page.external == [] and page.errors == [] and violations == []
    context.close()
