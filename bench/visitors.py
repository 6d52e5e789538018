"""Many visitors at once: what they cost the server, against its idle memory in the same run (issue #27).

    .venv/bin/python -m bench.visitors [--sessions 20] [--seconds 60] [--settle 10]

The app is started on a copy of the sample (scripts/serve.py, warm start included). Baseline: the
server's resident memory once it has been idle for --settle seconds after the warm start. Then
--sessions visitors (not signed in) hammer every page for --seconds: each is one Streamlit session
on its own websocket, as a browser tab is, asking for 总览地图, 标准地供给, 三个一批, 闲置土地盘活, 观摩会 and
数据管理 in turn (a rerun of that page) and waiting until the server says the run finished. The server
does all of a page's work (data, tables, the map's HTML) and sends all of it; nothing is drawn, so the
two cores go to the server rather than to 20 headless browsers (tried first: at this machine's load no
page drew within 30 s, and the server was hardly busy).

Memory (VmRSS of the server, and of the server with every process it started, e.g. a renderer's
Chromium) is sampled every 0.25 s during the run and for --settle seconds after the visitors leave.
Reported, as multiples of the idle baseline: peak and mean during, and after; also the page runs,
their p50/p95 time, the bytes sent, runs not finished within --timeout, and the largest number of
Chromium processes the server had (0: visitors cannot start a browser on the server).
Results also go to var/bench/visitors.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.common import OUT, memory_mb, server
from bench.pages_scale import pct
from geodata.store import SAMPLE_PATH
from testing.harness import descendants

PAGES = ["", "supply", "tracker", "idle", "tour", "data"]  # url paths, as app.py declares them


def sample(pid: int) -> dict:
    """The server's VmRSS, with its child processes, and how many of those are Chromium (MiB)."""
    own = memory_mb(pid)["rss"]
    total, chromium = own, 0
    for child in descendants(pid):
        try:
            total += memory_mb(child)["rss"]
            chromium += "chrom" in Path(f"/proc/{child}/comm").read_text()
        except (OSError, ValueError):
            continue
    return {"rss": own, "tree": total, "chromium": chromium}


async def watch(pid: int, until: asyncio.Event, into: list[dict]) -> None:
    while not until.is_set():
        into.append(sample(pid))
        await asyncio.sleep(0.25)


async def visitor(url: str, i: int, deadline: float, timeout: float, res: dict) -> None:
    """One session: every page in turn, each until the server's run of it has finished."""
    async with websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None) as ws:  # fmt: skip
        k = i
        while time.monotonic() < deadline:
            res["started"] += 1
            ask = BackMsg()
            ask.rerun_script.query_string = ""
            ask.rerun_script.page_name = PAGES[k % len(PAGES)]
            t0 = time.monotonic()
            await ws.send(ask.SerializeToString())
            try:
                while True:
                    raw = await asyncio.wait_for(ws.recv(), max(0.1, timeout - (time.monotonic() - t0)))
                    res["sent"] += len(raw)
                    msg = ForwardMsg()
                    msg.ParseFromString(raw)
                    if msg.WhichOneof("type") == "script_finished":
                        break
                res["runs"].append(time.monotonic() - t0)
            except TimeoutError:
                res["timeouts"] += 1
            k += 1


async def hammer(url: str, pid: int, sessions: int, seconds: float, settle: float, timeout: float) -> dict:
    res = {"started": 0, "runs": [], "sent": 0, "timeouts": 0, "during": [], "after": []}
    stop = asyncio.Event()
    sampler = asyncio.create_task(watch(pid, stop, res["during"]))
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(visitor(url, i, deadline, timeout, res) for i in range(sessions)))
    stop.set()
    await sampler
    stop = asyncio.Event()
    sampler = asyncio.create_task(watch(pid, stop, res["after"]))
    await asyncio.sleep(settle)
    stop.set()
    await sampler
    return res


def idle_baseline(pid: int, settle: float) -> dict:
    """Memory once the server has been idle for ``settle`` seconds (the mean of the last second's samples)."""
    time.sleep(settle)
    samples = []
    for _ in range(4):
        samples.append(sample(pid))
        time.sleep(0.25)
    return {k: statistics.mean(s[k] for s in samples) for k in ("rss", "tree")}


def report(res: dict) -> str:
    base, during, after = res["idle"], res["during"], res["after"]
    rows = [
        ("idle (baseline)", base["rss"], base["tree"]),
        ("during: peak", max(s["rss"] for s in during), max(s["tree"] for s in during)),
        ("during: mean", statistics.mean(s["rss"] for s in during), statistics.mean(s["tree"] for s in during)),
        (f"after ({res['settle']:.0f} s)", after[-1]["rss"], after[-1]["tree"]),
    ]
    lines = [
        f"{res['sessions']} visitor sessions × {res['seconds']:.0f} s on the sample ({res['date']}):",
        "",
        "| server memory | VmRSS (MiB) | × idle | with child processes (MiB) | × idle |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {name} | {rss:.0f} | {rss / base['rss']:.2f} | {tree:.0f} | {tree / base['tree']:.2f} |"
              for name, rss, tree in rows]  # fmt: skip
    runs = res["runs"]
    lines += [
        "",
        f"{res['started']} page runs asked for, {len(runs)} finished (p50 {pct(runs, 0.5):.2f} s, "
        f"p95 {pct(runs, 0.95):.2f} s; {res['sent'] / 1e6:.0f} MB sent), {res['timeouts']} not finished within "
        f"{res['timeout']:.0f} s; Chromium processes under the server at most "
        f"{max(s['chromium'] for s in during + after)}.",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--settle", type=float, default=10, help="idle seconds before the baseline and after the run")
    ap.add_argument("--timeout", type=float, default=60, help="seconds a page run may take")
    a = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="zonemap-visitors-"))
    data = folder / "zonemap.gpkg"
    shutil.copyfile(SAMPLE_PATH, data)
    res: dict = {"date": dt.date.today().isoformat(), "sessions": a.sessions, "seconds": a.seconds,
                 "settle": a.settle, "timeout": a.timeout}  # fmt: skip
    try:
        with server("app.py", data, env={"ZONEMAP_ACCOUNTS": str(folder / "none.toml")}) as (url, pid):
            res["idle"] = idle_baseline(pid, a.settle)
            print("idle", res["idle"], flush=True)
            res |= asyncio.run(hammer(url, pid, a.sessions, a.seconds, a.settle, a.timeout))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "visitors.json").write_text(json.dumps(res, ensure_ascii=False, indent=1))
    print()
    print(report(res))


if __name__ == "__main__":
    main()
