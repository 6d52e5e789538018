"""The 通报 at province scale: ``python -m geodata report bulletin`` on 100 000 parcels / 10 000 projects.

    .venv/bin/python -m bench.bulletin_scale [--parcels 100000] [--period 2026-Q3] [--formats docx xlsx pdf]

Each run is a fresh process on the synthetic store (``geodata synth``, seed 1,
cached in var/bench/). Baseline, measured in the same run: a process that only
opens the store and reads every layer and the audit (what any bulletin must do
first). Columns: wall seconds, peak RSS of the Python process (MB; chromium's
own processes for PDF are not counted), and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench.common import REPO, synth_store

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
