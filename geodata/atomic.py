"""Files several processes may write at once: each writer fills a file of its own, then renames it into place.

App servers that start together (and, in one server, the warm start and the first
page) write the same derived files: the vendored assets, the admin base, the
working copy of the sample. A shared temporary name lets one writer rename the
other's half-written file into place, or find it gone (``FileNotFoundError``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def replace_file(dest: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a name no other writer uses, then rename ``tmp`` over ``dest`` (atomic on one disk)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        write(tmp)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
