"""The ASGI app: ``st.App`` serving app.py with zonemap's routes, middleware and start-up work.

Started by ``scripts/serve.py`` (``make run``), which hands this file to
``streamlit run``: Streamlit finds ``app`` here and serves it with uvicorn,
with the command line's options (port, address). The lifespan hook imports the
whole app before the server answers anyone (web.startup.preload: no two threads
import a library for the first time at once), then starts the warm start
(ui.warm) in a thread.

Middleware, outermost first: security headers on every response, the Host
check, uploads only for signed-in editors (web.guard). Routes: the session
cookie's ``/auth/session`` and ``/auth/signout`` (web.auth_routes), and the
read-only OGC API with vector tiles under ``/ogc/`` (ogc; visitors see what the
pages show visitors: no land holders or prices; ``ZONEMAP_OGC_API=off`` turns it off).
"""

from __future__ import annotations

import logging
import sys
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import streamlit as st
from starlette.middleware import Middleware

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `streamlit run web/server.py` puts web/ first, not the repository
    sys.path.insert(1, str(REPO))

from web import startup  # noqa: E402

startup.configure()  # first: the GDAL lock-down must precede the store's pyogrio import

import ogc  # noqa: E402
from geodata.store import open_store  # noqa: E402
from web import auth_routes, guard  # noqa: E402

APP_SCRIPT = REPO / "app.py"
log = logging.getLogger("web.server")


@asynccontextmanager
async def lifespan(_app):
    """Import the app (page runs cannot start before this returns), then warm the caches in a thread."""
    names = await anyio.to_thread.run_sync(startup.preload)
    log.info("start-up: %d modules imported", len(names))
    from ui.warm import warm  # imported by preload()

    threading.Thread(target=warm, name="zonemap-warm", daemon=True).start()
    yield


app = st.App(
    APP_SCRIPT,
    routes=[*auth_routes.ROUTES, *ogc.routes(open_store, visitor=lambda request: not guard.signed_in(request.scope))],
    middleware=[Middleware(guard.SecurityHeaders), Middleware(guard.HostCheck), Middleware(guard.UploadGuard)],
    lifespan=lifespan,
)
