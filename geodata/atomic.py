"""Files the app writes: private whatever the umask, and safe when several processes write them at once.

Everything zonemap creates (config/, var/, the accounts file, the working copy of
the sample, exports, derived assets) is for the account that runs it: folders
0700, files 0600, even under ``umask 000`` (issue #27). :func:`private_umask`
sets that umask for a whole process (the server and the command lines call it
first, so files written by libraries — GDAL, SQLite journals — follow);
:func:`private_dir` and :func:`replace_file` do not rely on it.

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

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def private_umask() -> int:
    """Make every file and folder this process creates from now on private to its user; return the old umask."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents as 0700 folders (existing ones are left as they are)."""
    path = Path(path)
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another writer made it meanwhile
            folder.mkdir(mode=DIR_MODE)
            os.chmod(folder, DIR_MODE)  # mkdir's mode is narrowed by the umask, never widened: make sure
    return Path(missing[0]) if missing else path


def replace_file(dest: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a name no other writer uses, then rename ``tmp`` over ``dest`` (atomic on one disk).

    The folders created on the way are 0700 and the file 0600 before it takes ``dest``'s name.
    """
    private_dir(dest.parent)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
