"""One headless Chromium per server process for the PNG/PDF one-pagers, shared, capped and offline.

A click on 生成 PNG used to start a browser of its own (≈ 230 MB each, no limit).
:class:`Renderer` keeps one Chromium (Debian's ``chromium`` through Playwright's
async API, on a thread of its own) and renders at most ``pages`` pages at a time;
up to ``waiting`` more wait their turn, anything beyond is refused at once with
:data:`BUSY` (no queue grows without bound). The browser is closed after
``idle_seconds`` without work and started again on the next render.

The browser never reaches the network: background networking, component
updates, pings and DNS prefetch are off (:data:`LAUNCH_ARGS`), every host name
resolves to nothing except localhost, HTTP(S) goes to a proxy on a closed local
port, and each page's requests are aborted unless they stay on the loopback
(those that left would be listed in :attr:`Renderer.blocked`). The pages rendered
are self-contained, so nothing is lost. Measured with strace (2026-12-06, Chromium
156, three one-pagers then 8 s idle): no TCP connection, no DNS query; what is left
is Chromium's IPv6 reachability check, a UDP ``connect()`` to 2001:4860:4860::8888
that sends no packet (a route lookup) and that these switches do not turn off.

:func:`shared_renderer` is the process-wide instance the app uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

log = logging.getLogger(__name__)

BUSY = "正在生成其他文件，请稍后再试。"
MISSING = (
    "本机无法生成 PNG/PDF：需要 Debian 的 chromium 包和 playwright（make run 会尝试安装）。"
    "可改用“下载打印版 HTML”，在浏览器中打印为 PDF（A4 横向）。"
)
FAILED = "生成失败，请稍后再试；也可改用“下载打印版 HTML”，在浏览器中打印为 PDF（A4 横向）。"
CLOSED_PORT = 9  # discard: nothing listens on the loopback (as GDAL's proxy, geodata/io/gdal.py)
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-breakpad",
    "--no-pings",
    "--dns-prefetch-disable",
    "--disable-quic",
    "--no-first-run",
    "--metrics-recording-only",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
    f"--proxy-server=http://127.0.0.1:{CLOSED_PORT}",
)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
_RECTS_JS = "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })"


class RenderError(RuntimeError):
    """A render that did not happen; the message is Chinese, for the page."""


class Busy(RenderError):
    """Every page and waiting place is taken."""

    def __init__(self) -> None:
        super().__init__(BUSY)


def is_local(url: str) -> bool:
    """Whether a request stays inside the page or on the loopback."""
    return url.startswith(("data:", "blob:", "about:")) or (urlparse(url).hostname or "") in LOCAL_HOSTS


class Renderer:
    """Renders HTML to PNG or PDF in one shared Chromium: ``pages`` at a time, ``waiting`` more queued."""

    def __init__(
        self,
        pages: int = 2,
        waiting: int = 2,
        idle_seconds: float = 60.0,
        timeout: float = 60.0,
        executable: str | None = None,
    ):
        self.pages, self.waiting, self.idle_seconds, self.timeout = pages, waiting, idle_seconds, timeout
        self.executable = executable
        self.launches = 0  # browsers started so far (a test counts them)
        self.blocked: deque[str] = deque(maxlen=100)  # the latest requests that tried to leave the loopback
        self._lock = threading.Lock()
        self._in_flight = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None  # made on the loop's thread
        self._opening: asyncio.Lock | None = None
        self._pw = self._browser = None
        self._last_used = 0.0

    # --- called from any thread ----------------------------------------------------------------------------------

    def render(self, html: str, out: Path, measure: str = "#title span", scale: float = 1.0) -> list[tuple]:
        """Render ``html`` to ``out`` (``.pdf``: vector page; else PNG of the viewport × ``scale``).

        Returns the boxes (x, y, width, height in CSS px × ``scale``) of the
        elements matching ``measure``. Raises :class:`Busy` at once when
        ``pages + waiting`` renders are already under way, :class:`RenderError`
        when Chromium is missing or the render fails (details in the log).
        """
        with self._lock:
            if self._in_flight >= self.pages + self.waiting:
                raise Busy()
            self._in_flight += 1
            loop = self._ensure_loop()
        try:
            job = asyncio.run_coroutine_threadsafe(self._render(html, Path(out), measure, scale), loop)
            try:
                return job.result(self.timeout)
            except TimeoutError as exc:
                job.cancel()
                log.error("render timed out after %s s", self.timeout)
                raise RenderError(FAILED) from exc
        finally:
            with self._lock:
                self._in_flight -= 1

    @property
    def running(self) -> bool:
        """Whether the browser is open now."""
        return self._browser is not None

    def close(self) -> None:
        """Close the browser now (it starts again on the next render)."""
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(30)

    # --- on the renderer's own thread ----------------------------------------------------------------------------

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="zonemap-renderer", daemon=True).start()
            self._loop = loop
        return self._loop

    async def _render(self, html: str, out: Path, measure: str, scale: float) -> list[tuple]:
        if self._slots is None:
            self._slots, self._opening = asyncio.Semaphore(self.pages), asyncio.Lock()
        async with self._slots:
            async with self._opening:  # two first renders at once: one browser, not two
                browser = await self._open()
            context = await browser.new_context(viewport={"width": 1123, "height": 794}, device_scale_factor=scale)
            try:
                await context.route("**/*", self._route)
                page = await context.new_page()
                await page.set_content(html, wait_until="load")
                if out.suffix.lower() == ".pdf":
                    await page.pdf(path=str(out), prefer_css_page_size=True, print_background=True)
                else:
                    await page.screenshot(path=str(out), full_page=False)
                rects = await page.eval_on_selector_all(measure, _RECTS_JS)
            except Exception as exc:
                log.exception("render failed")
                raise RenderError(FAILED) from exc
            finally:
                await context.close()
                self._last_used = time.monotonic()
                self._loop.call_later(self.idle_seconds, lambda: asyncio.ensure_future(self._close_if_idle()))
        return [tuple(round(v * scale) for v in r) for r in rects]

    async def _route(self, route) -> None:
        url = route.request.url
        if is_local(url):
            await route.continue_()
            return
        self.blocked.append(url)
        log.warning("render: blocked a request to %s", url[:200])
        await route.abort()

    async def _open(self):
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        chromium = self.executable or shutil.which("chromium")
        try:
            from playwright.async_api import async_playwright
        except ImportError:
            chromium = None
        if not chromium:
            raise RenderError(MISSING)
        await self._close()
        self._pw = await async_playwright().start()
        try:
            self._browser = await self._pw.chromium.launch(executable_path=chromium, args=list(LAUNCH_ARGS))
        except Exception as exc:
            log.exception("could not start chromium %s", chromium)
            await self._close()
            raise RenderError(MISSING) from exc
        self.launches += 1
        log.info("render: started chromium (%d so far)", self.launches)
        return self._browser

    async def _close_if_idle(self) -> None:
        idle = time.monotonic() - self._last_used >= self.idle_seconds - 0.05
        if idle and self._in_flight == 0 and self._browser is not None:
            async with self._opening:
                if self._in_flight:  # a render came in meanwhile
                    return
                log.info("render: closing chromium after %.0f s idle", self.idle_seconds)
                await self._close()

    async def _close(self) -> None:
        browser, pw, self._browser, self._pw = self._browser, self._pw, None, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()
        if pw is not None:
            with contextlib.suppress(Exception):
                await pw.stop()


_shared: Renderer | None = None
_shared_lock = threading.Lock()


def shared_renderer(factory: Callable[[], Renderer] = Renderer) -> Renderer:
    """The server process's renderer (created on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = factory()
        return _shared
