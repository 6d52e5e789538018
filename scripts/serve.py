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
"""

import logging
import sys

from streamlit import net_util
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


if __name__ == "__main__":
    configure()
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
