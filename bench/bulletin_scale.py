"""The 通报 at province scale: ``python -m geodata report bulletin`` on 100 000 parcels / 10 000 projects.

    .venv/bin/python -m bench.bulletin_scale [--parcels 100000] [--period 2026-Q3] [--formats docx xlsx pdf]
                                             [--year 2025] [--asof 2026-06-30] [--visits 3] [--no-browser]

Each run is a fresh process on the synthetic store (``geodata synth``, seed 1,
cached in var/bench/). Baseline, measured in the same run: a process that only
opens the store and reads every layer and the audit (what any bulletin must do
first). Columns: wall seconds, peak RSS of the Python process (MB; chromium's
own processes for PDF are not counted), and the ratio to the baseline.

The 开发区年度考核 (``python -m geodata report evaluation --year``, the workbook of
ranking, cards and firms) is timed the same way. Then 总览地图 as of a past day
against today, in one server and the same run: after a first (cold) visit, fresh
browsers (new sessions, nothing cached) open ``/`` and ``/?asof=DAY`` in turn
``--visits`` times each until the map has drawn; the table gives the medians and
their ratio (goal ≤ 1.2×).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from bench.common import REPO, memory_mb, server, synth_store

READ_ONLY = "import sys; from geodata.store import open_store; s = open_store(sys.argv[1]); s.read_all(); s.history()"


def _run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, *args], cwd=REPO, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # ru_maxrss: kB on Linux
    if status:
        raise SystemExit(f"{args} exited {status}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.bulletin_scale")
    p.add_argument("--parcels", type=int, default=100_000)
    p.add_argument("--period", default="2026-Q3")
    p.add_argument("--formats", nargs="+", default=["docx", "xlsx", "pdf"])
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--asof", default="2026-06-30")
    p.add_argument("--visits", type=int, default=3)
    p.add_argument("--no-browser", action="store_true")
    args = p.parse_args(argv)
    data = synth_store(args.parcels)
    out_dir = data.parent
    base_s, base_mb = _run(["-c", READ_ONLY, str(data)])
    print(f"{args.parcels} parcels, {args.parcels // 10} projects, period {args.period}")
    print("| run | seconds | × baseline | peak RSS (MB) |\n|---|---:|---:|---:|")
    print(f"| baseline: read store and audit | {base_s:.2f} | 1.00 | {base_mb:.0f} |")
    for fmt in args.formats:
        seconds, mb = _run(["-m", "geodata", "report", "bulletin", "--period", args.period, "--format", fmt,
                            "--out", str(out_dir / f"bulletin.{fmt}"), "--data", str(data)])  # fmt: skip
        print(f"| bulletin .{fmt} | {seconds:.2f} | {seconds / base_s:.2f} | {mb:.0f} |")
    seconds, mb = _run(["-m", "geodata", "report", "evaluation", "--year", str(args.year),
                        "--out", str(out_dir / "evaluation.xlsx"), "--data", str(data)])  # fmt: skip
    print(f"| 年度考核 {args.year} .xlsx | {seconds:.2f} | {seconds / base_s:.2f} | {mb:.0f} |")
    if not args.no_browser:
        asof_overview(data, args.asof, args.visits)
    return 0


def asof_overview(data, day: str, visits: int, timeout: float = 120) -> None:
    """总览地图 today and as of ``day``: first draw of fresh sessions, medians and ratio (see module doc)."""
    from playwright.sync_api import sync_playwright

    from bench.pages_scale import fresh_page, wait_drawn
    from testing.harness import launch

    def visit(browser, url: str) -> float:
        ctx, page, _ = fresh_page(browser)
        t0 = time.monotonic()
        page.goto(url)
        drawn = wait_drawn(page, "overview", timeout)
        seconds = float("nan") if drawn is None else time.monotonic() - t0
        external = len(page.external)
        ctx.close()
        if external:
            raise SystemExit(f"{external} requests outside localhost")
        return seconds

    with sync_playwright() as pw, server("app.py", data) as (url, pid):
        browser = launch(pw)
        cold = visit(browser, url + "/")
        times: dict[str, list[float]] = {"today": [], "asof": []}
        for _ in range(visits):
            times["today"].append(visit(browser, url + "/"))
            times["asof"].append(visit(browser, f"{url}/?asof={day}"))
        browser.close()
        peak = memory_mb(pid)["hwm"]
    today, past = statistics.median(times["today"]), statistics.median(times["asof"])
    print(f"\n总览地图 first draw, fresh sessions, {visits} each (cold first visit {cold:.2f} s; "
          f"server peak {peak:.0f} MiB)")  # fmt: skip
    print("| view | median (s) | runs (s) |\n|---|---:|---|")
    for name, label in (("today", "today"), ("asof", f"截至 {day}")):
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        print(f"| {label} | {statistics.median(times[name]):.2f} | {runs} |")
    print(f"\nas-of ÷ today: {past / today:.2f}× (goal ≤ 1.2×)")


if __name__ == "__main__":
    sys.exit(main())
