"""The shared PNG/PDF renderer (issue #27): one Chromium per server, a cap, closed when idle, no network."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from reports.renderer import BUSY, LAUNCH_ARGS, Busy, Renderer
from testing import harness
from testing.harness import descendants
from tests.conftest import _need_chromium

pytestmark = pytest.mark.browser

PAGE = "<!doctype html><html><body><h1 id='title'><span>观</span><span>摩</span></h1></body></html>"
# Holds the page's load event for a while: two of these keep both pages of a renderer busy.
SLOW = PAGE.replace("</body>", "<script>const t0 = Date.now(); while (Date.now() - t0 < 2500) {}</script></body>")
OUTSIDE = [
    "https://example.com/a.png",
    "http://update.googleapis.com/service/update2",
    "https://tile.openstreetmap.org/1/1/1.png",
    "http://[2001:4860:4860::8888]/probe",
]
HOSTILE = PAGE.replace(
    "</body>",
    f"<img src='{OUTSIDE[0]}'><link rel='stylesheet' href='{OUTSIDE[1]}'><img src='{OUTSIDE[2]}'>"
    f"<script>fetch('{OUTSIDE[3]}').catch(() => 0)</script><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='>"
    "</body>",
)


def _renderer_browsers() -> dict[int, list[str]]:
    """pid → command line of each renderer-style Chromium browser process (not its helpers, not a test browser)
    started under this test process, leaving out those of app servers of earlier browser tests on this worker."""
    found = {}
    for pid in descendants(os.getpid(), prune=harness.SERVER_PIDS):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        browser = Path(argv[0]).name in {"chromium", "chrome"} and not any(a.startswith("--type=") for a in argv)
        if browser and "--dns-prefetch-disable" in argv:  # the renderer's switches
            found[pid] = argv
    return found


_EARLIER: set[int] = set()  # renderer browsers already running when the test began (e.g. a page's shared one)


def chromium_processes() -> list[list[str]]:
    """Command lines of the Chromium browser processes the test's renderers started."""
    return [argv for pid, argv in _renderer_browsers().items() if pid not in _EARLIER]


@pytest.fixture
def renderer():
    _need_chromium()
    _EARLIER.clear()
    _EARLIER.update(_renderer_browsers())
    made = []

    def make(**kw) -> Renderer:
        made.append(Renderer(**kw))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_two_renders_share_one_browser_and_a_third_beyond_the_cap_is_refused(renderer, tmp_path):
    r = renderer(pages=2, waiting=0)
    results, errors = {}, []

    def slow(n: int) -> None:
        try:
            results[n] = r.render(SLOW, tmp_path / f"{n}.png", "#title span")
        except Exception as exc:  # shown by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=slow, args=(n,)) for n in (1, 2)]
    for w in workers:
        w.start()
    time.sleep(0.3)  # both accepted and under way
    started = time.monotonic()
    with pytest.raises(Busy) as refused:
        r.render(PAGE, tmp_path / "3.png")
    assert time.monotonic() - started < 0.5 and str(refused.value) == BUSY == "正在生成其他文件，请稍后再试。"
    for w in workers:
        w.join(60)
    assert errors == [] and len(results[1]) == len(results[2]) == 2
    assert (tmp_path / "1.png").read_bytes().startswith(b"\x89PNG") and not (tmp_path / "3.png").exists()
    assert r.launches == 1 and len(chromium_processes()) == 1  # one browser process, two pages
    r.render(PAGE, tmp_path / "4.png")  # free again
    assert r.launches == 1


def test_the_browser_is_closed_when_idle_and_started_again(renderer, tmp_path):
    r = renderer(idle_seconds=0.5)
    r.render(PAGE, tmp_path / "a.pdf")
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF") and r.running
    deadline = time.monotonic() + 10
    while (r.running or chromium_processes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not r.running and chromium_processes() == []
    r.render(PAGE, tmp_path / "b.png")
    assert r.launches == 2


def test_the_browser_runs_with_its_network_switched_off(renderer, tmp_path):
    r = renderer()
    r.render(PAGE, tmp_path / "a.png")
    (argv,) = chromium_processes()
    for switch in (
        "--disable-background-networking",
        "--disable-component-update",
        "--no-pings",
        "--dns-prefetch-disable",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
        "--proxy-server=http://127.0.0.1:9",
    ):
        assert switch in LAUNCH_ARGS and switch in argv, switch


def test_a_render_makes_no_request_outside_the_loopback(renderer, tmp_path):
    r = renderer()
    boxes = r.render(HOSTILE, tmp_path / "h.png")
    assert len(boxes) == 2  # rendered despite the blocked requests
    assert sorted(r.blocked) == sorted(OUTSIDE)  # every one seen and aborted, none let through
