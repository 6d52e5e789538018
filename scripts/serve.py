"""`streamlit run` for zonemap: ``python scripts/serve.py app.py [streamlit options]``.

app.py declares its pages with ``st.navigation``. Streamlit still treats a
``pages/`` folder next to the entry script as a legacy multipage app until the
entry script has run once in the process, so a first visit straight to
``/supply`` would run that page without app.py (file names in the menu, no wide
layout, no assets). Setting the flag before the server starts avoids that.
"""

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
