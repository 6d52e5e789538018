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
- The app's own loggers (``geodata``, ``ui``, …) write to the server's stderr:
  details of errors that users see as a Chinese sentence.
- The warm start (:mod:`ui.warm`) runs in a thread as soon as the runtime
  exists: data and map indexes are loaded before the first visitor.
"""

import logging
import sys
import threading
import time
from pathlib import Path

from streamlit import net_util
from streamlit.runtime import Runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP_LOGGERS = ("geodata", "ui", "layers", "domain", "reports", "pages")


def _no_external_ip() -> None:
    """The external address is never looked up on the internet."""
    return None


def configure() -> None:
    """Process-wide settings for Streamlit and logging (see the module docstring)."""
    PagesManager.uses_pages_directory = False
    net_util.get_external_ip = _no_external_ip
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if not logger.handlers:
            logger.addHandler(handler)


def _warm_when_ready() -> None:
    """Load data and indexes as soon as the server runs (ui.warm), so the first visitor does not wait."""
    while not Runtime.exists():
        time.sleep(0.1)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from ui.warm import warm

    warm()


if __name__ == "__main__":
    configure()
    threading.Thread(target=_warm_when_ready, name="zonemap-warm", daemon=True).start()
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
