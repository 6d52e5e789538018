"""Sign-in in Chromium: a reload keeps the editor signed in (signed cookie), sign-out ends it.

The pages are served with the reverse-proxy headers of README “部署” (read from
the README itself), so the documented Content-Security-Policy is shown not to
break the app.
"""

from __future__ import annotations

import re
import shutil
import time

import pytest

from access import accounts
from access.sessions import COOKIE
from domain.scope import PROVINCE
from geodata.store import SAMPLE_PATH
from tests import harness
from tests.conftest import artifact

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"
NAME = "![e](http://x.example/p.png)张三"  # a hostile display name: must show as text


def proxy_headers(host: str) -> dict[str, str]:
    """The ``add_header`` lines of the nginx example in README.md, for a plain-http ``host``."""
    readme = (harness.REPO / "README.md").read_text(encoding="utf-8")
    headers = dict(re.findall(r'add_header\s+([\w-]+)\s+"([^"]+)"\s+always;', readme))
    assert {"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options"} <= set(headers)
    headers.pop("Strict-Transport-Security", None)  # https only
    return {k.lower(): v.replace("wss://$host", f"ws://{host}") for k, v in headers.items()}


@pytest.fixture
def server(tmp_path, monkeypatch, playwright_browser):
    monkeypatch.setattr(accounts, "ITERATIONS", 1000)
    accounts.save_account("zhangsan", NAME, PASSWORD, tmp_path / "accounts.toml", scope=PROVINCE)
    monkeypatch.setenv("ZONEMAP_ACCOUNTS", str(tmp_path / "accounts.toml"))
    data = tmp_path / "zonemap.gpkg"
    shutil.copyfile(SAMPLE_PATH, data)
    with harness.app_server(data=data) as url:
        yield url


@pytest.fixture
def page(playwright_browser):
    """Like conftest's ``page`` (outside requests blocked and recorded), in a browser that accepts
    pages answered by ``route.fulfill``: such a page has no IP address, so Chromium's Local Network
    Access checks would take it for a public site and block its WebSocket to 127.0.0.1 (a page
    served by a real proxy is not affected)."""
    browser = playwright_browser.browser_type.launch(
        executable_path=harness.chromium_path(),
        args=[*harness.CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
    )
    context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN")
    pg = context.new_page()
    pg.external, pg.errors = [], []
    harness.block_external(pg, pg.external)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    browser.close()


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


def test_reload_keeps_the_editor_signed_in_until_sign_out(server, page):
    headers = proxy_headers(server.removeprefix("http://"))
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))

    def with_headers(route):
        if route.request.resource_type != "document":
            return route.fallback()
        response = route.fetch()
        return route.fulfill(response=response, headers={**response.headers, **headers})

    page.route("**/*", with_headers)
    page.goto(f"{server}/supply")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_label("用户名").fill("zhangsan")
    sidebar.get_by_label("密码").fill(PASSWORD)
    sidebar.get_by_role("button", name="登录", exact=True).click()
    sidebar.get_by_text(f"已登录：{NAME}", exact=True).wait_for(timeout=30_000)

    cookie = wait_cookie(page, present=True)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/" and not cookie["secure"]  # plain http here
    assert PASSWORD not in cookie["value"] and cookie["value"].startswith("v1.")
    assert abs(cookie["expires"] - (time.time() + 8 * 3600)) < 120

    page.reload()
    sidebar.get_by_text(f"已登录：{NAME}", exact=True).wait_for(timeout=30_000)
    sidebar.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
    assert page.locator('img[src*="x.example"], a[href*="x.example"]').count() == 0
    harness.wait_for_map(page, timeout=60)  # the page works under the documented CSP
    page.screenshot(path=str(artifact("session-after-reload.png")), full_page=True)

    sidebar.get_by_role("button", name="退出登录").click()
    sidebar.get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
    wait_cookie(page, present=False)
    page.reload()
    sidebar.get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
    assert sidebar.get_by_text("已登录").count() == 0

    assert page.locator('img[src*="x.example"], a[href*="x.example"]').count() == 0  # no image, no link
    assert page.external == [] and page.errors == [] and violations == []
