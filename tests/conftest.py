"""Fixtures for the browser tests: an app server on a copy of the data, and a blocked-network page."""

from __future__ import annotations

import functools
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from geodata.io.gdal import lock_environment

lock_environment()  # as every entry point does, before anything imports pyogrio (geodata/__init__.py)

from streamlit.components.v2 import manifest_scanner as _scan  # noqa: E402

from access import signin_guard  # noqa: E402
from geodata.store import SAMPLE_PATH  # noqa: E402
from testing import harness  # noqa: E402
from testing.factory import write_account  # noqa: E402
from testing.mapdata import map_store, shared_store  # noqa: E402, F401  (fixtures of test_tiles.py and test_ogc.py)

ARTIFACTS = harness.REPO / "test-artifacts"

# Each AppTest run scans every installed distribution's metadata for Streamlit components (0.2 s a page opened,
# a fifth of a short page test): the packages do not change during a test run, so the scan is made once per
# test process. Only the tests' AppTest uses this; the app server scans once at its start, as before.
_scan.scan_component_manifests = functools.cache(_scan.scan_component_manifests)


@pytest.fixture(autouse=True)
def fresh_sign_in_state(monkeypatch):
    """No failed sign-ins carried over between tests (the guard is per process)."""
    monkeypatch.setattr(signin_guard, "_default", None)


BROWSER_FIXTURES = {"playwright_browser", "sample_server"}


def pytest_collection_modifyitems(items):
    """A test that starts Chromium carries the ``browser`` marker, so ``-m "not browser"`` is the quick loop."""
    unmarked = [
        i.nodeid for i in items if BROWSER_FIXTURES & set(i.fixturenames) and not i.get_closest_marker("browser")
    ]
    if unmarked:
        raise pytest.UsageError(f"these tests start Chromium but are not marked browser: {unmarked}")


@pytest.fixture(autouse=True)
def chromium_only_in_browser_tests(request, monkeypatch):
    """Chromium started inside a test (e.g. the tour page's PDF) also needs the marker."""
    if request.node.get_closest_marker("browser"):
        return
    from playwright.sync_api._generated import BrowserType

    def refuse(*args, **kwargs):
        raise AssertionError(f"{request.node.nodeid} starts Chromium: mark it @pytest.mark.browser")

    monkeypatch.setattr(BrowserType, "launch", refuse)


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


EDITOR, EDITOR_PASSWORD = "zhangsan", "pw-12345678"  # the account on editor_server (张三, the whole province)


@contextmanager
def sample_server_with_account(folder: Path, username: str, name: str, password: str, scope=None):
    """The app on a copy of the sample in ``folder``, with one editor account (default 省级); yields (url, data)."""
    _need_chromium()
    data = folder / "zonemap.gpkg"
    shutil.copyfile(SAMPLE_PATH, data)
    accounts = folder / "accounts.toml"
    write_account(accounts, username, name, password, scope=scope)
    with harness.app_server(data=data, env={"ZONEMAP_ACCOUNTS": str(accounts)}) as url:
        yield url, data


@pytest.fixture(scope="session")
def editor_server(tmp_path_factory):
    """The app on a copy of the sample, with an editor account; shared by the browser tests that sign in."""
    with sample_server_with_account(tmp_path_factory.mktemp("editor"), EDITOR, "张三", EDITOR_PASSWORD) as (url, _):
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


@dataclass
class Download:
    filename: str | None
    content: bytes


class Downloads:
    """The files behind the download buttons of AppTest runs. AppTest drops its media store after each run, so
    files are recorded as they are added; a deferred download (data given as a callable) is made when asked for,
    as a click would."""

    def __init__(self) -> None:
        self.files: dict[str, Download] = {}  # media URL (proto.url) -> file
        self.deferred: dict[str, tuple] = {}  # proto.deferred_file_id -> (callable, filename)

    def of(self, button) -> Download:
        proto = button.proto
        if proto.deferred_file_id:
            make, filename = self.deferred[proto.deferred_file_id]
            body = make()
            return Download(filename, body.encode() if isinstance(body, str) else bytes(body))
        return self.files[proto.url]


@pytest.fixture
def downloads(monkeypatch) -> Downloads:
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen = Downloads()
    add, add_deferred = MemoryMediaFileStorage.load_and_get_id, MediaFileManager.add_deferred

    def recording(self, *args, **kwargs):
        file_id = add(self, *args, **kwargs)
        stored = self._files_by_id[file_id]
        seen.files[self.get_url(file_id)] = Download(stored.filename, stored.content)
        return file_id

    def recording_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        seen.deferred[file_id] = (data_callable, file_name)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    monkeypatch.setattr(MediaFileManager, "add_deferred", recording_deferred)
    return seen


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


@pytest.fixture
def dated_store(tmp_path, monkeypatch):
    """tests.test_bulletin's dated set as the app's data (ZONEMAP_DATA): the 截至, 通报 and 考核 pages' fixture."""
    from geodata.store import create_gpkg
    from tests.test_bulletin import dated_frames

    path = tmp_path / "dated.gpkg"
    create_gpkg(path, dated_frames())
    monkeypatch.setenv("ZONEMAP_DATA", str(path))
    return path
