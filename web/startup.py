"""Process set-up and start-up work for the server (``scripts/serve.py``, ``web.server``'s lifespan).

- app.py declares its pages with ``st.navigation``. Streamlit still treats a
  ``pages/`` folder next to the entry script as a legacy multipage app until the
  entry script has run once in the process, so a first visit straight to
  ``/supply`` would run that page without app.py (file names in the menu, no wide
  layout, no assets). Setting the flag before the server starts avoids that.
- Streamlit asks ``checkip.amazonaws.com`` for the machine's external address
  when it listens on every interface (to print an "External URL" and to widen
  its allowed origins). zonemap makes no request outside the local network, so
  that lookup always answers "unknown". It is printed before the app module is
  imported: :func:`configure` must run in ``scripts/serve.py`` first.
- The app's own loggers (``geodata``, ``ui``, …) write to the server's stderr:
  details of errors that users see as a Chinese sentence.
- :func:`preload` imports every module of the app in one thread before any page
  runs: two threads importing a library for the first time at once can deadlock
  on its import cycle (ui.boot). Under ``st.App`` the lifespan hook runs it
  before the server answers anyone, then starts the warm start (ui.warm) in a
  thread, so the first visitor finds data and indexes loaded (or waits on them).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pkgutil
import sys

from streamlit import net_util
from streamlit.runtime.pages_manager import PagesManager

from geodata.io.gdal import lock_environment

APP_LOGGERS = ("access", "geodata", "ui", "layers", "domain", "reports", "stats", "pages", "web")
APP_PACKAGES = (
    "access",
    "domain",
    "geodata",
    "layers",
    "reports",
    "stats",
    "ui",
)  # what the pages import (pages/ are scripts)
# Library modules the warm start imports on first use (measured: modules new in sys.modules after ui.warm.warm)
LAZY_MODULES = ("pyarrow.pandas_compat", "pyarrow.vendored.version", "pandas.core.methods.to_dict")


def _no_external_ip() -> None:
    """The external address is never looked up on the internet."""
    return None


def configure() -> None:
    """Process-wide settings for Streamlit and logging (see the module docstring); safe to call twice.

    The process umask is 077: whatever the shell's, every file and folder the server creates (var/, the
    working copy, exports, GDAL's and SQLite's side files) is private to the user running it.
    """
    lock_environment()  # GDAL: before the preload imports pyogrio
    os.umask(0o077)  # geodata.atomic.PRIVATE_UMASK
    from layers.assets import STATIC_DIR

    # Streamlit checks for the served folder before the first page run copies the map's assets into it: made
    # here, no English "no static folder found" warning greets the administrator at start (#26).
    STATIC_DIR.mkdir(exist_ok=True)
    PagesManager.uses_pages_directory = False
    net_util.get_external_ip = _no_external_ip
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if not logger.handlers:
            logger.addHandler(handler)


def preload() -> list[str]:
    """Import every module of the app's packages (and so their libraries) in this thread; return their names.

    Command-line entry points (``__main__``) are skipped: importing one would run it.
    """
    names = []
    for package in APP_PACKAGES:
        module = importlib.import_module(package)
        names.append(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if info.name.rsplit(".", 1)[-1] != "__main__":
                importlib.import_module(info.name)
                names.append(info.name)
    for name in LAZY_MODULES:
        with contextlib.suppress(ImportError):  # a library's internals may move between versions
            importlib.import_module(name)
    return names
