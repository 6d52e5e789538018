"""Time from `make run` to the first map drawn, against a bare Streamlit page.

    .venv/bin/python -m bench.first_map [--cold] [--repeat 3]

Both are measured in the same run on this machine, in headless Debian Chromium
with every non-localhost request blocked, from process start to what a user sees:

- baseline: `streamlit run bench/hello_app.py` until its title is visible;
- zonemap (warm): `make run` with the virtual environment in place, until Leaflet
  has drawn the zones, parcels and projects;
- zonemap (cold, with --cold): `make run` in a fresh `git clone` of this repo
  (creates the venv and installs from the package registry) until the map.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from testing.harness import REPO, app_server, block_external, launch, wait_for_map


def time_to(url_cm, until) -> tuple[float, dict]:
    t0 = time.monotonic()
    with url_cm as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        external: list[str] = []
        block_external(page, external)
        page.goto(url)
        info = until(page)
        elapsed = time.monotonic() - t0
        browser.close()
    info["external_requests"] = len(external)
    return elapsed, info


def hello_visible(page) -> dict:
    page.get_by_text("你好，开发区").first.wait_for(timeout=60_000)
    return {}


def map_drawn(page) -> dict:
    c = wait_for_map(page, timeout=120, settle=0.0)
    return {"layers": c["layers"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cold", action="store_true", help="also time make run in a fresh clone")
    a = ap.parse_args()
    rows = []
    base = [time_to(app_server(app="bench/hello_app.py"), hello_visible)[0] for _ in range(a.repeat)]
    rows.append(("baseline: bare Streamlit page", statistics.median(base), {}))
    warm = [time_to(app_server(cmd=["make", "-s", "run"]), map_drawn) for _ in range(a.repeat)]
    rows.append(("zonemap: make run → map drawn (warm)", statistics.median(t for t, _ in warm), warm[-1][1]))
    if a.cold:
        tmp = Path(tempfile.mkdtemp(prefix="zonemap-clone-"))
        try:
            subprocess.run(["git", "clone", "-q", str(REPO), str(tmp / "zm")], check=True)
            cold = time_to(app_server(cmd=["make", "-s", "run"], cwd=tmp / "zm", timeout=900), map_drawn)
            rows.append(("zonemap: make run → map drawn (fresh clone)", cold[0], cold[1]))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    ref = rows[0][1]
    print(f"{'measure':48s} {'seconds':>8s} {'× baseline':>11s}  notes")
    for name, secs, info in rows:
        print(f"{name:48s} {secs:8.2f} {secs / ref:11.2f}  {info}")


if __name__ == "__main__":
    main()
