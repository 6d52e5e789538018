"""`streamlit run` for zonemap: ``python scripts/serve.py app.py [streamlit options]``.

app.py declares its pages with ``st.navigation``. Streamlit still treats a
``pages/`` folder next to the entry script as a legacy multipage app until the
entry script has run once in the process, so a first visit straight to
``/supply`` would run that page without app.py (file names in the menu, no wide
layout, no assets). Setting the flag before the server starts avoids that.

It also starts the warm start (:mod:`ui.warm`): data and map indexes are loaded
when the server starts, not on the first visit.
"""

import logging
import sys
import threading
import time
from pathlib import Path

from streamlit.runtime import Runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli


def _warm_when_ready() -> None:
    """Load data and indexes as soon as the server runs (ui.warm), so the first visitor does not wait."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    while not Runtime.exists():
        time.sleep(0.1)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from ui.warm import warm

    warm()


if __name__ == "__main__":
    threading.Thread(target=_warm_when_ready, name="zonemap-warm", daemon=True).start()
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
