"""Run the parsing of users' files in one worker process with a memory cap and a time limit.

A hostile file can make a parser loop for ever (a GeoPackage whose layer is a
``WITH RECURSIVE`` view) or grow without end (an ``.xlsx`` whose sheet XML
expands to gigabytes). Parsing therefore happens in a separate process:

* memory: the worker's address space is capped (``RLIMIT_AS``,
  ``$ZONEMAP_IMPORT_MEMORY_MB``, default 2048); running out raises
  MemoryError there, never in the app server;
* time: the caller waits at most ``$ZONEMAP_IMPORT_TIMEOUT_S`` seconds (default
  120), then the worker is killed and started anew;
* fairness: one worker per server process, so imports queue one after another
  and can take at most one core; page views never wait on them.

The worker is started on first use (spawned, not forked from the threaded
server) and kept for later files.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import resource
import sys
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geodata.settings import env_number

log = logging.getLogger(__name__)
RECYCLE_AFTER = 25  # files read by one worker process before it is replaced


class SandboxError(Exception):
    """The work was stopped (time, memory, crash); the message is Chinese."""


@dataclass(frozen=True)
class SandboxLimits:
    memory_mb: int = 2048
    timeout_s: float = 120

    @classmethod
    def from_env(cls) -> SandboxLimits:
        return cls(int(env_number("ZONEMAP_IMPORT_MEMORY_MB", 2048)), env_number("ZONEMAP_IMPORT_TIMEOUT_S", 120))


def _init_worker(memory_mb: int) -> None:
    from geodata.io.gdal import lock_environment

    lock_environment()  # inherited from the parent already; said again where users' files are parsed

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _no_main_module():
    """Start worker processes without re-running ``__main__`` in them.

    A spawned child imports the parent's main module first. In the app that is
    the page script Streamlit runs (it becomes ``__main__``), in tests an
    AppTest script: neither may run in the reader. With a bare ``__main__``
    while the executor starts its process, the child starts clean.
    """
    with _MAIN_LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


class _Worker:
    """One spawned worker process behind a lock; killed and replaced after a timeout or crash."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one job at a time: the queue
        self._pool: cf.ProcessPoolExecutor | None = None
        self._memory_mb: int | None = None
        self._tasks = 0

    def _executor(self, memory_mb: int) -> cf.ProcessPoolExecutor:
        if self._pool is None or self._memory_mb != memory_mb:
            self._shutdown()
            self._pool = cf.ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(memory_mb,),
            )
            self._memory_mb = memory_mb
            self._tasks = 0
        return self._pool

    def _shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for proc in list(getattr(pool, "_processes", {}).values()):
            if proc.is_alive():
                proc.kill()
                proc.join(5)  # gone before the caller removes the folder it was writing to
        pool.shutdown(wait=False, cancel_futures=True)

    def run(self, fn: Callable[..., Any], args: tuple, limits: SandboxLimits, waiting: Callable[[], None]) -> Any:
        if not self._lock.acquire(blocking=False):
            waiting()
            self._lock.acquire()
        try:
            if self._tasks >= RECYCLE_AFTER:  # memory a parser leaves behind is given back now and then
                self._shutdown()
            with _no_main_module():
                future = self._executor(limits.memory_mb).submit(fn, *args)
            self._tasks += 1
            try:
                return future.result(timeout=limits.timeout_s)
            except cf.TimeoutError as exc:
                log.warning("sandboxed %s stopped after %.0f s", getattr(fn, "__name__", fn), limits.timeout_s)
                self._shutdown()
                raise SandboxError(
                    f"读取文件超过 {limits.timeout_s:g} 秒仍未完成，已停止（文件可能过大或结构异常）。"
                ) from exc
            except MemoryError as exc:
                log.warning("sandboxed %s ran out of its %d MB", getattr(fn, "__name__", fn), limits.memory_mb)
                self._shutdown()
                raise SandboxError(
                    f"读取文件需要的内存超过 {limits.memory_mb} MB，已停止（文件可能过大或是压缩炸弹）。"
                ) from exc
            except cf.process.BrokenProcessPool as exc:
                log.error("sandbox worker died while running %s", getattr(fn, "__name__", fn))
                self._shutdown()
                raise SandboxError(
                    "读取文件时处理进程意外退出（文件可能已损坏、过大，"
                    f"或需要的内存超过 {limits.memory_mb} MB），已停止。"
                ) from exc
        finally:
            self._lock.release()


_WORKER = _Worker()


def run_limited(
    fn: Callable[..., Any],
    *args: Any,
    limits: SandboxLimits | None = None,
    waiting: Callable[[], None] = lambda: None,
) -> Any:
    """``fn(*args)`` in the worker process within ``limits``; exceptions ``fn`` raises are re-raised here.

    ``fn`` and its arguments and result must be picklable (a module-level function).
    ``waiting`` is called when another file is being read and this one has to queue.
    """
    started = time.monotonic()
    try:
        return _WORKER.run(fn, args, limits or SandboxLimits.from_env(), waiting)
    finally:
        log.info("sandboxed %s took %.2f s", getattr(fn, "__name__", fn), time.monotonic() - started)


def stop_worker() -> None:
    """Stop the worker (tests, shutdown)."""
    with _WORKER._lock:
        _WORKER._shutdown()


atexit.register(stop_worker)  # stop the reader before the interpreter tears down the executor's globals
