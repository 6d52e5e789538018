"""What the scope check costs a save: the same saves with and without a scope, both stores, one run.

    python -m bench.scoped_saves [--saves 200]     (part of `make bench-edits`)

One writer saves a new ``note`` on parcels of 晋中市 (the sample's 介休 and
综改区晋中园区 parcels) against the version it read, alternating in blocks of
ten between an edit without a scope (tools) and one with the 市级 scope of
晋中 (what the pages send): the contract's check reads the record unlocked and
its zone, and on PostGIS the transaction declares the scope for row-level
security. The ratio is the median latency with the scope over without it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.concurrent_edits import gpkg_copy, postgis_copy
from domain.scope import Scope
from geodata.edits import Edit
from geodata.store import open_store

JINZHONG = Scope("city", frozenset({"140700"}), "晋中市")


def measure(location: str, saves: int) -> dict[str, list[float]]:
    store = open_store(location)
    parcels = store.read("parcels")
    zones = store.read("zones")
    ids = sorted(parcels[parcels["zone_id"].isin(zones.loc[zones["city_adcode"] == "140700", "zone_id"])]["parcel_id"])
    times: dict[str, list[float]] = {"无范围": [], "市级范围": []}
    for i in range(saves):
        mode = "市级范围" if (i // 10) % 2 else "无范围"
        rid = ids[i % len(ids)]
        _, version = store.read_record("parcels", rid)
        edit = Edit(
            "parcels", rid, {"note": f"bench {i}"}, version, "bench", scope=JINZHONG if mode == "市级范围" else None
        )
        start = time.perf_counter()
        store.apply_edit(edit)
        times[mode].append((time.perf_counter() - start) * 1000)
    store.close()
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--saves", type=int, default=200)
    args = ap.parse_args(argv)
    from testing.pg import server_url

    print("| 存储 | 无范围 中位数 ms | 市级范围 中位数 ms | 比值 |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, copy in (("GeoPackage", gpkg_copy(Path(tmp))), ("PostGIS", postgis_copy(server_url()))):
            with copy as location:
                t = measure(location, args.saves)
            plain, scoped = statistics.median(t["无范围"]), statistics.median(t["市级范围"])
            print(f"| {name} | {plain:.2f} | {scoped:.2f} | {scoped / plain:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
