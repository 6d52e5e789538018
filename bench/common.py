"""Helpers shared by the province-scale benchmarks (bench/map_scale.py, bench/pages_scale.py).

Synthetic stores cached in var/bench/, a Streamlit server started through scripts/serve.py
whose process id is known (for /proc memory figures), waiting on Leaflet layer counts, and
the table cell formats (a step that did not finish within the timeout says so).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from geodata.synth import write_synth
from testing.harness import REPO, free_port, leaflet_counts, wait_healthy

OUT = REPO / "var" / "bench"
SET_VIEW_JS = """([lat, lng, z]) => { const w = [...document.querySelectorAll('iframe')].map(f => f.contentWindow)
  .find(w => w && w.map_div); w.map_div.setView([lat, lng], z, {animate: false}); return true; }"""


def synth_store(n: int, seed: int = 1) -> Path:
    """The synthetic store of ``n`` parcels and ``n // 10`` projects, generated once into var/bench/ (by size+seed).

    Written under a temporary name first, so an interrupted run never leaves a half file to be reused.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"synth_{n}_seed{seed}.gpkg"
    if not path.exists():
        partial = path.with_suffix(".partial.gpkg")
        partial.unlink(missing_ok=True)
        write_synth(partial, n, n // 10, seed=seed)
        partial.rename(path)
    return path


def synth_database(n: int, seed: int = 1) -> str:
    """The same store copied once into the PostGIS database ``zonemap_bench_{n}_s{seed}`` (kept; ANALYZEd); its URL.

    A database whose parcel count is not ``n`` (an interrupted copy) is dropped and copied again.
    """
    import psycopg

    from geodata.store.copy import copy_store
    from testing.pg import _admin_url, _with_db, server_url

    server = server_url()
    name = f"zonemap_bench_{n}_s{seed}"
    url = _with_db(server, name)
    with psycopg.connect(_admin_url(server), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            try:
                with psycopg.connect(url) as conn:
                    if conn.execute("SELECT count(*) FROM parcels").fetchone()[0] == n:
                        return url
            except psycopg.Error:
                pass
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE zonemap_template OWNER zonemap')
    path = synth_store(n, seed)
    start = time.perf_counter()
    report = copy_store(str(path), url)
    if not report.ok:
        raise SystemExit("\n".join(report.lines))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    print(f"(copied {n:,} parcels into PostGIS in {time.perf_counter() - start:.0f} s)", flush=True)
    return url


@contextmanager
def server(app: str, data: Path | None, env: dict[str, str] | None = None, log_path: Path | None = None):
    """A Streamlit server (scripts/serve.py, so the warm start runs) on ``data``; yields (url, pid).

    Streamlit serves ``static/`` next to the main script, so an app other than app.py runs from a
    temp folder linking to it and to the repo's static/ (Leaflet assets). ``env`` adds variables
    (e.g. ZONEMAP_ACCOUNTS); the server's output goes to ``log_path`` when given.
    """
    if app != "app.py":
        home = Path(tempfile.mkdtemp(prefix="zonemap-bench-"))
        (home / "static").symlink_to(REPO / "static")
        (home / Path(app).name).symlink_to(REPO / app)
        app = str(home / Path(app).name)
    port = free_port()
    env = dict(os.environ, **(env or {}), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if data is not None:
        env["ZONEMAP_DATA"] = str(data)
    cmd = [sys.executable, "scripts/serve.py", app, "--server.port", str(port), "--server.headless", "true"]
    log = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, 120)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process now (``rss``, VmRSS) and at its peak so far (``hwm``, VmHWM), in MB."""
    out = {"rss": float("nan"), "hwm": float("nan")}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            out["rss"] = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            out["hwm"] = int(line.split()[1]) / 1024
    return out


def peak_mb(pid: int) -> float:
    return memory_mb(pid)["hwm"]


def drawn(page) -> dict:
    return leaflet_counts(page)["layers"]


def wait_for(page, predicate, timeout: float) -> float | None:
    """Seconds until ``predicate(layers)`` holds (None after ``timeout``)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate(drawn(page)):
            return time.monotonic() - t0
        page.wait_for_timeout(50)
    return None


def has_data(layers: dict) -> bool:
    return any(layers.get(k, 0) for k in ("parcels", "parcels_cell", "projects", "projects_cell"))


def done(value, timeout: float) -> bool:
    return value is not None and value <= timeout


def fmt(value, timeout: float, digits: int = 2) -> str:
    if not done(value, timeout):
        seen = "" if value is None else f"，测得 {value:.0f}"
        return f"> {timeout:.0f}（未在 {timeout:.0f} 秒内完成{seen}，按 {timeout:.0f} 计）"
    return f"{value:.{digits}f}"


def capped(value, timeout: float) -> float:
    return value if done(value, timeout) else timeout
