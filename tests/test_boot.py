"""ui.boot: a page run waits while the server's start-up thread imports the app, and not at all without it."""

from __future__ import annotations

import threading
import time

from ui import boot


def test_a_page_run_waits_until_the_start_up_imports_are_done(monkeypatch):
    lock = threading.Lock()
    monkeypatch.setattr(boot, "IMPORTING", lock)
    lock.acquire()  # what scripts/serve.py does before the server starts
    released_at = []

    def start_up():
        time.sleep(0.3)
        released_at.append(time.monotonic())
        lock.release()

    threading.Thread(target=start_up).start()
    boot.wait_for_imports(timeout=10)
    assert released_at and time.monotonic() >= released_at[0]
    assert not lock.locked()  # the next page run passes at once


def test_without_the_server_script_nothing_waits_and_a_stuck_start_up_is_logged(monkeypatch, caplog):
    monkeypatch.setattr(boot, "IMPORTING", threading.Lock())
    started = time.monotonic()
    boot.wait_for_imports(timeout=10)
    assert time.monotonic() - started < 0.1
    boot.IMPORTING.acquire()
    boot.wait_for_imports(timeout=0.2)  # the page goes on and imports what it needs itself
    assert "did not finish" in caplog.text
