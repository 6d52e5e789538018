"""Fixtures for the browser tests: an app server on a copy of the data, and a blocked-network page."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from access import signin_guard
from geodata.store import SAMPLE_PATH
from tests import harness
from tests.mapdata import map_store, shared_store  # noqa: F401  (fixtures of test_tiles.py and test_ogc.py)

ARTIFACTS = harness.REPO / "test-artifacts"


@pytest.fixture(autouse=True)
def fresh_sign_in_state(monkeypatch):
    """No failed sign-ins carried over between tests (the guard is per process); no var/secret.key written."""
    monkeypatch.setattr(signin_guard, "_default", None)
    monkeypatch.setenv("ZONEMAP_SECRET", "zonemap-test-secret-0123456789abcdef")


def _need_chromium() -> None:
    if harness.chromium_path():
        return
    message = "Debian 的 chromium 未安装（make test 会安装）：浏览器测试无法运行"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sample_server(tmp_path_factory):
    _need_chromium()
    data = tmp_path_factory.mktemp("browser") / "zonemap.gpkg"
    shutil.copyfile(SAMPLE_PATH, data)
    with harness.app_server(data=data) as url:
        yield url


@pytest.fixture(scope="session")
def playwright_browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = harness.launch(p)
        yield browser
        browser.close()


@pytest.fixture
def page(playwright_browser):
    """A fresh page whose requests outside localhost are blocked and recorded in ``page.external``."""
    context = playwright_browser.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN")
    pg = context.new_page()
    pg.external = []
    pg.errors = []
    harness.block_external(pg, pg.external)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    pg.unroute_all(behavior="ignoreErrors")  # a route still fetching must not fail the next test on this worker
    context.close()


@pytest.fixture
def sample_copy(tmp_path, monkeypatch):
    """A writable copy of the sample store, used by the app through $ZONEMAP_DATA."""
    path = tmp_path / "data.gpkg"
    shutil.copyfile(SAMPLE_PATH, path)
    monkeypatch.setenv("ZONEMAP_DATA", str(path))
    return path


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
