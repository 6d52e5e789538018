"""`streamlit run` for zonemap: ``python scripts/serve.py app.py [streamlit options]``.

Before the server starts (:func:`configure`):

- app.py declares its pages with ``st.navigation``. Streamlit still treats a
  ``pages/`` folder next to the entry script as a legacy multipage app until the
  entry script has run once in the process, so a first visit straight to
  ``/supply`` would run that page without app.py (file names in the menu, no wide
  layout, no assets). Setting the flag before the server starts avoids that.
- Streamlit asks ``checkip.amazonaws.com`` for the machine's external address
  when it listens on every interface (to print an "External URL" and to widen
  its allowed origins). zonemap makes no request outside the local network, so
  that lookup always answers "unknown".
- The process umask is 077: whatever the shell's, every file and folder the
  server creates (var/, the secret key, the working copy, exports, GDAL's and
  SQLite's side files) is private to the user running it.
- The app's own loggers (``geodata``, ``ui``, …) write to the server's stderr:
  details of errors that users see as a Chinese sentence.
- The start-up thread runs as soon as the runtime exists. It first imports
  every module of the app (:func:`preload`) while page runs wait
  (:mod:`ui.boot`): two threads importing a library for the first time at once
  can deadlock on its import cycle. It cannot run before the server: the
  runtime must exist when streamlit-folium declares its component, and the
  configuration must hold the command line's options when it is first read.
  Then the warm start (:mod:`ui.warm`) loads data and map indexes before the
  first visitor.
"""

import contextlib
import importlib
import logging
import os
import pkgutil
import sys
import threading
import time
from pathlib import Path

from streamlit import net_util
from streamlit.runtime import Runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

REPO = Path(__file__).resolve().parent.parent
APP_LOGGERS = ("access", "geodata", "ui", "layers", "domain", "reports", "pages")
APP_PACKAGES = ("access", "domain", "geodata", "layers", "reports", "ui")  # what the pages import (pages/ are scripts)
# Library modules the warm start imports on first use (measured: modules new in sys.modules after ui.warm.warm)
LAZY_MODULES = ("pyarrow.pandas_compat", "pyarrow.vendored.version", "pandas.core.methods.to_dict")


def _no_external_ip() -> None:
    """The external address is never looked up on the internet."""
    return None


def configure() -> None:
    """Process-wide settings for Streamlit and logging (see the module docstring)."""
    os.umask(0o077)  # every file and folder the server creates is its user's only (geodata.atomic.PRIVATE_UMASK)
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


def _start_up(importing: threading.Lock) -> None:
    """Import the app, release ``importing`` (page runs wait for it), then warm the caches (ui.warm)."""
    try:
        while not Runtime.exists():
            time.sleep(0.05)
        preload()
    finally:
        importing.release()
    from ui.warm import warm  # imported by preload()

    warm()


if __name__ == "__main__":
    configure()
    sys.path.insert(0, str(REPO))
    from ui.boot import IMPORTING

    IMPORTING.acquire()
    threading.Thread(target=_start_up, args=(IMPORTING,), name="zonemap-warm", daemon=True).start()
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
