"""Start zonemap: ``python scripts/serve.py app.py [streamlit options]`` (``make run``).

For app.py this runs ``streamlit run web/server.py`` with the same options
(``--server.port``, ``--server.address`` …): Streamlit finds the ``st.App`` there
(routes, middleware, lifespan: see web/server.py) and serves it with uvicorn.
The lifespan hook imports the app before the server answers anyone and then
warms the caches (web.startup, ui.warm).

Any other script (the benchmarks' bare Streamlit page, bench/hello_app.py) runs
as a plain ``streamlit run``, with the start-up thread of before: it imports the
app while page runs wait for :data:`ui.boot.IMPORTING`, then warms the caches.

:func:`web.startup.configure` runs first in both cases (no external IP lookup
when printing the URLs, the pages folder flag, the app's loggers).
"""

import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from streamlit.runtime import Runtime  # noqa: E402
from streamlit.web import cli  # noqa: E402

from web.startup import LAZY_MODULES, configure, preload  # noqa: E402, F401  (tests and bench call them from here)

SERVER = REPO / "web" / "server.py"


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


def command(argv: list[str]) -> list[str]:
    """The ``streamlit`` command line for ``serve.py``'s arguments: app.py becomes web/server.py."""
    script, options = (argv[0], argv[1:]) if argv and not argv[0].startswith("-") else ("app.py", argv)
    if Path(script).resolve() == REPO / "app.py":
        script = str(SERVER)
    return ["streamlit", "run", script, *options]


if __name__ == "__main__":
    configure()
    sys.argv = command(sys.argv[1:])
    if sys.argv[2] != str(SERVER):
        from ui.boot import IMPORTING

        IMPORTING.acquire()
        threading.Thread(target=_start_up, args=(IMPORTING,), name="zonemap-warm", daemon=True).start()
    sys.exit(cli.main())
