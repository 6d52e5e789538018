"""Save → visible at province scale: patching the cached dataset against reading it again (the baseline).

    python -m bench.save_visible [--parcels 100000] [--projects 10000]

Builds a synthetic store (``geodata synth``), reads it once as the app does,
then for a few edits times (a) :func:`geodata.dataset.refresh_dataset` — what
the app does after a save — and (b) :func:`geodata.dataset.load_dataset`, a full
read, in the same run. Also times the idle page's candidate search, which used
to compare every two parcels. Prints a small table with ratios against (b).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from domain.idle import IdleRules
from geodata.dataset import load_dataset, refresh_dataset
from geodata.edits import Edit
from geodata.query import Filters, apply_filters
from geodata.synth import write_synth
from stats.idle import candidates, classify_parcels


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--projects", type=int, default=10_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = write_synth(Path(tmp) / "s.gpkg", args.parcels, args.projects, seed=7)
        data, t_load = timed(lambda: load_dataset(store))
        ids = list(data.parcels["parcel_id"].iloc[[10, 5000, 20000, 40000, 60000]])
        patch_times, full_times = [], []
        for i, pid in enumerate(ids):
            _, version = store.read_record("parcels", pid)
            store.apply_edit(Edit("parcels", pid, {"note": f"基准 {i}", "road": True}, version, "bench"))
            fresh, t_patch = timed(lambda d=data: refresh_dataset(d, store))
            assert fresh.parcels.set_index("parcel_id").loc[pid, "note"] == f"基准 {i}"
            _, t_full = timed(lambda: load_dataset(store))
            patch_times.append(t_patch)
            full_times.append(t_full)
            data = fresh
        view = apply_filters(data, Filters())
        classified = classify_parcels(view.parcels, dt.date(2026, 11, 23), IdleRules())
        cands, t_cand = timed(lambda: candidates(classified, view.zones))
    patch, full = sorted(patch_times)[len(patch_times) // 2], sorted(full_times)[len(full_times) // 2]
    print(f"parcels {args.parcels:,}, projects {args.projects:,}")
    print("| step | seconds | × full read |")
    print("|---|---:|---:|")
    print(f"| first read (load_dataset) | {t_load:.2f} | {t_load / full:.2f} |")
    print(f"| save → visible, full read (baseline, median of {len(ids)}) | {full:.2f} | 1.00 |")
    print(f"| save → visible, patched (median of {len(ids)}) | {patch:.3f} | {patch / full:.3f} |")
    print(f"| idle candidates incl. neighbour pairs ({len(cands):,}) | {t_cand:.2f} | {t_cand / full:.2f} |")


if __name__ == "__main__":
    main()
