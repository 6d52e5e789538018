"""Start the app on a free port and drive headless Debian Chromium with the network blocked.

Shared by the browser tests and the benchmarks in bench/.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from layers.styles import HIGHLIGHT
from reports.renderer import is_local

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# JS run in every frame: per-layer feature counts of each Leaflet map, by the
# `layer` property zonemap puts on every feature, plus raw path/marker counts, what is still under way on the
# maps (``pending``: a fetch of data, which layers.adminbase counts on the map, a zoom animation, clusters
# fading out after one) and the app's script state (``run``:
# Streamlit marks its root element while a run of the page's script is under way).
COUNT_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const out = {maps: 0, paths: 0, markers: 0, highlighted: 0, layers: {}, pending: 0,
               run: app ? app.dataset.testScriptState : null};
  const seen = {}, maps = new Set();
  const note = (l) => {
    const p = l.feature && l.feature.properties;
    if (p && p.layer) { (seen[p.layer] = seen[p.layer] || new Set()).add(String(p.id)); }
  };
  const wins = [window, ...[...document.querySelectorAll('iframe')].map(f => {
    try { return f.contentWindow; } catch (e) { return null; } }).filter(Boolean)];
  for (const w of wins) {
    let L; try { L = w.L; } catch (e) { continue; }
    if (!L || !L.Map) continue;
    for (const k of Object.getOwnPropertyNames(w)) {
      let v; try { v = w[k]; } catch (e) { continue; }
      if (!(v instanceof L.Map) || maps.has(v)) continue;
      maps.add(v);
      out.maps++;
      out.pending += (v._zmPending || 0) + (v._animatingZoom ? 1 : 0);
      v.eachLayer(l => {
        if (l instanceof L.Path) out.paths++; else if (l instanceof L.Marker) out.markers++;
        note(l);
        if (l.options && l.options.color === 'HIGHLIGHT_COLOR') out.highlighted++;
        if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) {
          l.getLayers().forEach(note);
          out.pending += l._inZoomAnimation || 0;  // clusters of the last zoom still fading out
        }
      });
    }
  }
  for (const k in seen) out.layers[k] = seen[k].size;
  return out; }""".replace("HIGHLIGHT_COLOR", HIGHLIGHT["color"])


HIGHLIGHT_JS = """() => {
  const f = [...document.querySelectorAll('iframe')].find(f => f.contentWindow && f.contentWindow.map_div);
  if (!f) return [];
  const out = [];
  f.contentWindow.map_div.eachLayer(l => {
    if (l.options && l.options.color === 'HIGHLIGHT_COLOR') {
      const c = l.getBounds ? l.getBounds().getCenter() : l.getLatLng(); out.push([c.lng, c.lat]); } });
  return out; }""".replace("HIGHLIGHT_COLOR", HIGHLIGHT["color"])


def after_paint(value: str = "") -> str:
    """JS for a map script's last statement, in a frame whose window is ``w``: a promise of ``value`` settled once
    the frame has painted twice, i.e. after a map move the map as drawn (a canvas redraws on the next frame)."""
    return f"return new Promise(done => w.requestAnimationFrame(() => w.requestAnimationFrame(() => done({value}))));"


def highlighted_points(page) -> list[tuple[float, float]]:
    """(lon, lat) centres of the selection outlines on the map."""
    return [tuple(p) for p in page.evaluate(HIGHLIGHT_JS)]


def descendants(pid: int, prune: set[int] = frozenset()) -> list[int]:
    """The processes started by ``pid``, at any depth, leaving out those in ``prune`` and all they started."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child in prune:
                continue
            found.append(child)
            todo.append(child)
    return found


def chromium_path() -> str | None:
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_LOGS: dict[int, object] = {}  # port → the running app server's output (see :func:`diagnosis`)
SERVER_PIDS: set[int] = set()  # the running app servers (their own Chromium, for exports, is theirs: see descendants)


def diagnosis(page, chars: int = 3000) -> str:
    """What a failing browser test should print: the page's text and the end of its app server's output."""
    try:
        text = page.evaluate("() => document.body.innerText.slice(0, 1000)")
    except Exception as exc:  # navigating or closed
        text = f"(page text unavailable: {exc})"
    log = SERVER_LOGS.get(urlparse(page.url).port or 0)
    tail = ""
    if log is not None:  # pread: the server writes through the same file offset, which must not move
        size = os.fstat(log.fileno()).st_size
        tail = os.pread(log.fileno(), chars, max(0, size - chars)).decode(errors="replace")
    return f"\n--- page text ---\n{text}\n--- server output ---\n{tail}"


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


@contextlib.contextmanager
def app_server(
    data: Path | None = None,
    app: str = "app.py",
    cmd: list[str] | None = None,
    cwd: Path = REPO,
    timeout: float = 90,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> Iterator[str]:
    """Run ``streamlit run app`` (or ``cmd``, which reads $PORT) in ``cwd`` on a free port; yield its URL.

    ``env`` adds environment variables for the server (e.g. ``ZONEMAP_ACCOUNTS``); the server's output goes
    to ``log_path`` when given (else a temp file shown on failure to start).
    """
    port = free_port()
    env = dict(os.environ, **(env or {}), PORT=str(port), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if data is not None:
        env["ZONEMAP_DATA"] = str(data)
    cmd = cmd or [sys.executable, "scripts/serve.py", app, "--server.port", str(port)]
    # closed in finally; an unread pipe would block the server
    log = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    SERVER_LOGS[port] = log
    SERVER_PIDS.add(proc.pid)
    try:
        try:
            wait_healthy(url, proc, timeout)
        except (RuntimeError, TimeoutError) as e:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{e}\n--- server output ---\n{tail}") from e
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        SERVER_LOGS.pop(port, None)
        SERVER_PIDS.discard(proc.pid)
        log.close()


def launch(playwright):
    """Headless Debian Chromium (never a browser downloaded by Playwright)."""
    path = chromium_path()
    if not path:
        raise RuntimeError("Debian 的 chromium 未安装：make test 会自动安装（apt-get install chromium）")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


def block_external(page, external: list[str]) -> None:
    """Abort every request that leaves localhost and record its URL in ``external``."""

    def route(r):
        url = r.request.url
        if is_local(url):
            return r.continue_()
        external.append(url)
        return r.abort()

    page.route("**/*", route)


def leaflet_counts(page) -> dict:
    """Per-layer counts over the page and its same-origin iframes (see COUNT_JS)."""
    try:
        return page.evaluate(COUNT_JS)
    except Exception:  # navigating: nothing drawn yet
        return {"maps": 0, "paths": 0, "markers": 0, "highlighted": 0, "layers": {}, "pending": 0, "run": None}


RUNNING = ("running", "rerunRequested")  # Streamlit's script states while a run is under way or asked for
STATE_JS = "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState"


def wait_for_map(page, timeout: float = 60, settle: float = 0.25) -> dict:
    """Wait until a Leaflet map has drawn features, no map is fetching data, the app's script is not running,
    and the counts are the same ``settle`` seconds later; return them."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        c = leaflet_counts(page)
        if c["paths"] + c["markers"] > 0 and not c["pending"] and c["run"] not in RUNNING:
            if c == last:
                return c
            last = c
        else:
            last = None
        page.wait_for_timeout(int(settle * 1000) if last else 200)
    raise TimeoutError(f"no Leaflet features drawn within {timeout} s (last counts {last}){diagnosis(page)}")


def wait_for_run(page, timeout: float = 60, start: float = 0.3) -> None:
    """After an action that reruns the page (a click, a key, a widget): wait until the app's script run has
    finished, twice in a row 0.15 s apart. A run starts within ``start`` seconds of the action, or not at all."""
    page.wait_for_timeout(int(start * 1000))
    deadline, quiet = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        state = page.evaluate(STATE_JS)
        quiet = quiet + 1 if state not in RUNNING else 0
        if quiet >= 2:
            return
        page.wait_for_timeout(150)
    raise TimeoutError(f"the page's run did not end within {timeout} s{diagnosis(page)}")
