"""What ``python -m geodata`` shows on the terminal: its own Chinese sentences, and nothing a library prints.

Libraries talk on their own: pyogrio and pandas warn with site-packages and
temporary paths, GDAL writes ``Warning 1: …`` straight to file descriptor 2,
and the sandboxed reader (a spawned process) inherits that descriptor. While
the command runs, :func:`library_output_to_log` points descriptor 2, Python's
warnings and logging at a log file (``$ZONEMAP_CLI_LOG``, default
``var/log/geodata-cli.log``), and gives ``sys.stderr`` a copy of the terminal
for the command's own messages.

Text taken from users' files (a zip member's name, a column, a value) can hold
a newline or an ANSI escape sequence that would forge a line or recolour the
terminal: :func:`safe` shows such characters as escapes (``\\n``, ``\\u001b``).
"""

from __future__ import annotations

import logging
import os
import sys
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from geodata.settings import raw

DEFAULT_LOG = Path(__file__).resolve().parents[1] / "var" / "log" / "geodata-cli.log"
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def safe(text: object) -> str:
    """``text`` for a terminal: control characters, line separators and direction overrides as visible escapes."""
    out = str(text)
    if out.isprintable():
        return out
    return "".join(
        _NAMED.get(ch, f"\\u{ord(ch):04x}") if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI else ch
        for ch in out
    )


def log_path() -> Path:
    return Path(raw("ZONEMAP_CLI_LOG") or DEFAULT_LOG)


@contextmanager
def library_output_to_log() -> Iterator[Path | None]:
    """Descriptor 2, warnings and logging to the log file; ``sys.stderr`` to the terminal (see module doc)."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        path, log_fd = None, os.open(os.devnull, os.O_WRONLY)  # no log to write: library output is dropped
    sys.stderr.flush()
    terminal_fd = os.dup(2)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    old_stderr = sys.stderr
    terminal = os.fdopen(os.dup(terminal_fd), "w", encoding=old_stderr.encoding or "utf-8", errors="replace")
    sys.stderr = terminal
    handler = logging.StreamHandler(os.fdopen(os.dup(2), "w", encoding="utf-8", errors="replace", buffering=1))
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.WARNING, logging.INFO))
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    try:
        yield path
    finally:
        logging.captureWarnings(False)
        root.removeHandler(handler)
        handler.close()
        handler.stream.close()
        with suppress(OSError, ValueError):
            terminal.close()
        sys.stderr = old_stderr
        os.dup2(terminal_fd, 2)
        os.close(terminal_fd)
