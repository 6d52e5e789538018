"""Concurrent editors against both stores: saves per second, conflicts, busy answers, and no lost update.

    python -m bench.concurrent_edits [--seconds 5] [--writers 2 8 32] [--quick]   (or `make bench-edits`)

For each backend (a copy of the sample GeoPackage; a fresh PostGIS database
loaded from the sample with ``copy_store``) and each number N of writers, N
writer processes (started once and reused; each opens the store itself for
every run and inherits no connection) edit parcels for ``--seconds``: pick a parcel
(half the time one of a hot set of 5, so writers collide, otherwise any),
read its record and version, and save a unique ``note`` (writer id + counter)
against the version read. Each attempt ends as a save (its ``apply_edit``
latency is kept), a :class:`~geodata.edits.ConflictError` (someone saved in
between), or a :class:`~geodata.store.StoreError` (busy or locked: counted as
*busy* and the same parcel retried after a short pause). Anything else is a
store bug and fails the run.

Afterwards the store is read back: for every save exactly one ``edit`` audit
row (version = the one the save returned, ``new`` = its token, ``old`` = the
note the writer read), no other ``edit`` rows, every parcel's version equal to
the number of its audit versions, and its stored note equal to the ``new``
value of its latest audit row. Any mismatch counts as a lost update; the run
then prints the numbers and exits non-zero.

The ratio column is PostGIS saves/s ÷ GeoPackage saves/s at the same N, both
measured in this run; runs alternate between the backends at each N.

Writers start with multiprocessing's ``forkserver``: a fresh interpreter
(spawned, no connections) imports the store once and forks the writers from
it. ``--start-method spawn`` starts each writer as its own interpreter, which
is the same for the measurement but costs about 3 s of imports per writer
(32 writers took 100 s on the shared 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import geodata.store.postgis  # noqa: F401  (imported before a worker says it is ready)
from geodata.edits import ConflictError, Edit
from geodata.store import SAMPLE_PATH, StoreError, open_store
from geodata.store.copy import copy_store

LAYER = "parcels"
HOT = 5  # parcels most writers fight over
HOT_SHARE = 0.5  # share of attempts that go to the hot set
BACKENDS = ("GeoPackage", "PostGIS")


@dataclass
class Tally:
    """What one writer (or a whole run, merged) saw."""

    saves: list[tuple[str, int, int, str | None, str]] = field(default_factory=list)  # id, base, new, seen, token
    latencies: list[float] = field(default_factory=list)  # seconds per successful apply_edit
    conflicts: int = 0
    busy: int = 0
    errors: list[str] = field(default_factory=list)  # anything but ConflictError/StoreError: a store bug
    elapsed: float = 0.0

    def merge(self, other: Tally) -> None:
        self.saves += other.saves
        self.latencies += other.latencies
        self.conflicts += other.conflicts
        self.busy += other.busy
        self.errors += other.errors
        self.elapsed = max(self.elapsed, other.elapsed)

    @property
    def rate(self) -> float:
        return len(self.saves) / self.elapsed if self.elapsed else 0.0

    def summary(self) -> str:
        return (f"{len(self.saves)} saves in {self.elapsed:.1f} s ({self.rate:.1f}/s), {self.conflicts} conflicts, "
                f"{self.busy} busy, p95 save {self.p95_ms:.1f} ms")  # fmt: skip

    @property
    def p95_ms(self) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def write_for(location: str, writer: int, seconds: float, ids: Sequence[str], hot: Sequence[str],
              start_at: float | None = None) -> Tally:  # fmt: skip
    """One writer: edit parcels' notes for ``seconds`` (from wall-clock ``start_at``), tallying every attempt."""
    store = open_store(location)
    rng = random.Random(writer)
    tally = Tally()
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.time()))
    t0 = time.monotonic()
    deadline, count, retry = t0 + seconds, 0, None
    try:
        while time.monotonic() < deadline:
            record_id = retry or (rng.choice(hot) if rng.random() < HOT_SHARE else rng.choice(ids))
            retry = None
            count += 1
            token = f"w{writer}-{count}"
            try:
                record, version = store.read_record(LAYER, record_id)
                started = time.perf_counter()
                new = store.apply_edit(Edit(LAYER, record_id, {"note": token}, version, f"bench{writer}"))
                tally.latencies.append(time.perf_counter() - started)
                tally.saves.append((record_id, version, new, record["note"], token))
            except ConflictError:
                tally.conflicts += 1
            except StoreError:
                tally.busy += 1
                retry = record_id
                time.sleep(rng.uniform(0.005, 0.02))
            except Exception as exc:  # a store bug: keep going, report it
                tally.errors.append(f"{record_id}: {type(exc).__name__}: {exc}")
    finally:
        tally.elapsed = time.monotonic() - t0
        store.close()
    return tally


# --- writers as processes (the benchmark) or threads (the smoke test) -----------------------------------------------


def _serve(tasks, results) -> None:
    """A writer process: say ready, then run one writer per task until told to stop."""
    results.put(("ready", None))
    while (task := tasks.get()) is not None:
        try:
            results.put(("done", write_for(**task)))
        except BaseException as exc:
            results.put(("failed", f"{type(exc).__name__}: {exc}"))


class Writers:
    """``size`` writer processes, started once (imports are slow on 2 cores) and reused for every run."""

    def __init__(self, size: int, method: str = "forkserver"):
        ctx = mp.get_context(method)
        if method == "forkserver":  # the heavy imports once, in the server the writers fork from
            ctx.set_forkserver_preload(["geodata.edits", "geodata.store", "geodata.store.postgis"])
        self.results = ctx.Queue()
        self.tasks = [ctx.Queue() for _ in range(size)]
        self.procs = [ctx.Process(target=_serve, args=(q, self.results), daemon=True) for q in self.tasks]
        for p in self.procs:
            p.start()
        for _ in self.procs:
            self.results.get(timeout=300)

    def run(self, location: str, n: int, seconds: float, ids, hot) -> Tally:
        start_at = time.time() + 0.5
        for i in range(n):
            self.tasks[i].put(dict(location=location, writer=i + 1, seconds=seconds, ids=ids, hot=hot,
                                   start_at=start_at))  # fmt: skip
        total = Tally()
        for _ in range(n):
            kind, payload = self.results.get(timeout=seconds + 120)  # a writer stuck this long is a deadlock
            if kind != "done":
                total.errors.append(f"writer process: {payload}")
            else:
                total.merge(payload)
        return total

    def close(self) -> None:
        for q in self.tasks:
            q.put(None)
        for p in self.procs:
            p.join(10)
            if p.is_alive():
                p.kill()


def run_threads(location: str, n: int, seconds: float, ids, hot) -> Tally:
    """The same writers as threads of this process (for the smoke test)."""
    tallies: list[Tally] = [Tally() for _ in range(n)]

    def one(i: int) -> None:
        try:
            tallies[i] = write_for(location, i + 1, seconds, ids, hot)
        except BaseException as exc:
            tallies[i].errors.append(f"writer thread: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    total = Tally()
    for t in tallies:
        total.merge(t)
    return total


# --- stores ---------------------------------------------------------------------------------------------------------


def parcel_ids(location: str) -> tuple[list[str], list[str]]:
    """All parcel ids and the hot set (the first few, in id order)."""
    ids = sorted(open_store(location).read(LAYER)["parcel_id"].astype(str))
    return ids, ids[:HOT]


@contextmanager
def gpkg_copy(folder: Path) -> Iterator[str]:
    """A copy of the sample GeoPackage."""
    path = folder / f"edits-{uuid.uuid4().hex[:8]}.gpkg"
    shutil.copyfile(SAMPLE_PATH, path)
    try:
        yield str(path)
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def postgis_copy(server: str) -> Iterator[str]:
    """A fresh database on ``server`` (testing/pg.py's, from the template ``make db`` made), loaded from the sample."""
    from testing.pg import fresh_database

    with fresh_database(server) as url:
        report = copy_store(str(SAMPLE_PATH), url)
        if not report.ok:
            raise SystemExit("copy_store 校验不一致：\n" + "\n".join(report.lines))
        yield url


# --- checking -------------------------------------------------------------------------------------------------------


@dataclass
class Check:
    saves: int
    audit_rows: int
    lost: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.audit_rows == self.saves

    def line(self) -> str:
        if self.ok:
            return "lost updates: 0, audit rows = successful saves"
        return f"lost updates: {self.lost}, audit rows = {self.audit_rows}, successful saves = {self.saves}"


def verify(location: str, tally: Tally, ids: Sequence[str]) -> Check:
    """Read the store back and compare it with what the writers were told (see module doc)."""
    store = open_store(location)
    rows = [r for r in store.audit_rows(layer=LAYER) if r["action"] == "edit"]
    by_version: dict[tuple[str, int], list[dict]] = {}
    for r in rows:
        by_version.setdefault((r["record_id"], int(r["version"])), []).append(r)
    problems: list[str] = []
    lost = 0
    for record_id, base, new, seen, token in tally.saves:
        found = by_version.get((record_id, new), [])
        if new != base + 1 or len(found) != 1 or json.loads(found[0]["new"]) != token:
            lost += 1
            problems.append(f"{record_id} v{base}→v{new} ({token}): audit rows {[r['new'] for r in found]}")
        elif json.loads(found[0]["old"]) != seen:  # saved against a version whose value the writer never saw
            lost += 1
            problems.append(f"{record_id} v{new} ({token}): read {seen!r} as v{base}, audit old {found[0]['old']}")
    tokens = {s[4] for s in tally.saves}
    stray = [r for r in rows if json.loads(r["new"]) not in tokens]
    lost += len(stray)
    problems += [f"audit row without a save: {r['record_id']} v{r['version']} {r['new']}" for r in stray]
    for record_id in ids:
        record, version = store.read_record(LAYER, record_id)
        versions = sorted(v for (rid, v) in by_version if rid == record_id)
        if versions != list(range(1, version + 1)):
            lost += 1
            problems.append(f"{record_id}: version {version}, audit versions {versions}")
        elif version and record["note"] != json.loads(by_version[(record_id, version)][-1]["new"]):
            lost += 1
            problems.append(f"{record_id}: note {record['note']!r} is not the latest audit value")
    store.close()
    return Check(len(tally.saves), len(rows), lost, problems)


# --- the benchmark --------------------------------------------------------------------------------------------------


def fmt_row(backend: str, n: int, t: Tally, ratio: str) -> str:
    return (f"| {backend} | {n} | {len(t.saves):,} | {t.rate:,.1f} | {ratio} | {t.conflicts:,} | {t.busy:,} | "
            f"{t.p95_ms:,.1f} |")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=5.0, help="how long the writers edit in each run (default 5)")
    ap.add_argument("--writers", type=int, nargs="+", default=[2, 8, 32], help="numbers of writer processes")
    ap.add_argument("--quick", action="store_true", help="smoke test: 1 s, 2 and 8 writers")
    ap.add_argument("--start-method", choices=["forkserver", "spawn"], default="forkserver",
                    help="how writer processes start (see above; default forkserver)")  # fmt: skip
    ap.add_argument("--pg", help="PostgreSQL server URL (default: the one scripts/pg.sh starts)")
    a = ap.parse_args(argv)
    if a.quick:
        a.seconds, a.writers = 1.0, [2, 8]
    from testing.pg import server_url  # the URL `make db` prints (or $ZONEMAP_TEST_PG)

    server = a.pg or server_url()
    t_start = time.monotonic()
    ids, hot = parcel_ids(str(SAMPLE_PATH))
    print(f"{len(ids)} parcels, hot set {', '.join(hot)}; {a.seconds:g} s per run; starting {max(a.writers)} "
          "writer processes …", flush=True)  # fmt: skip
    writers = Writers(max(a.writers), a.start_method)
    print(f"writers ready after {time.monotonic() - t_start:.0f} s", flush=True)
    results: dict[tuple[str, int], Tally] = {}
    failed = False
    try:
        with tempfile.TemporaryDirectory(prefix="zonemap-edits-") as tmp:
            for n in a.writers:
                for backend in BACKENDS:
                    store = gpkg_copy(Path(tmp)) if backend == "GeoPackage" else postgis_copy(server)
                    t0 = time.monotonic()
                    with store as location:
                        t1 = time.monotonic()
                        tally = writers.run(location, n, a.seconds, ids, hot)
                        t2 = time.monotonic()
                        check = verify(location, tally, ids)
                        t3 = time.monotonic()
                    print(f"  (store {t1 - t0:.1f} s, run {t2 - t1:.1f} s, check {t3 - t2:.1f} s)")
                    results[(backend, n)] = tally
                    print(f"{backend}, {n} writers: {tally.summary()}", flush=True)
                    for message in tally.errors[:10]:
                        print(f"  store error (not ConflictError/StoreError): {message}")
                    for message in check.problems[:10]:
                        print(f"  mismatch: {message}")
                    print(check.line(), flush=True)
                    failed |= not check.ok or bool(tally.errors)
    finally:
        writers.close()
    print()
    print("| backend | writers | saves | saves/s | × GeoPackage | conflicts | busy | p95 save (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for backend in BACKENDS:
        for n in a.writers:
            t, base = results[(backend, n)], results[("GeoPackage", n)]
            ratio = f"{t.rate / base.rate:.2f}" if base.rate else "–"
            print(fmt_row(backend, n, t, ratio))
    print(f"\ntotal {time.monotonic() - t_start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
