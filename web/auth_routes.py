"""The session cookie's two routes: the server sets it (``HttpOnly``), and deletes it.

- ``POST /auth/session``, body: the one-time handoff code the page gave its own
  script after a sign-in (access.sessions.start). The answer sets the cookie:
  ``HttpOnly; SameSite=Strict; Path=/``, ``Secure`` under HTTPS (the scheme a
  loopback proxy reports in ``X-Forwarded-Proto``, which uvicorn trusts from
  127.0.0.1 only), expiring with the session.
- ``POST /auth/signout``, body: the token hash of the tab's ended session. When
  the cookie is that session, it is ended in the store (everywhere) and deleted;
  a cookie of another session still active (signed in again in another tab) stays.

Both refuse a request whose ``Origin`` is another site (403). Answers are 204
without a body, or a short Chinese text.
"""

from __future__ import annotations

import hmac
import logging
import time
from urllib.parse import urlsplit

import anyio
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from access import sessions
from geodata.store import StoreError, open_store
from web import guard

log = logging.getLogger(__name__)

MAX_BODY = 256


def same_origin(request: Request) -> bool:
    """No ``Origin`` (not a browser's cross-site request) or one naming this server's host.

    Host names only: behind a proxy the scheme and port the browser used may not reach the app.
    """
    origin = request.headers.get("origin")
    if origin is None:
        return True
    name = guard.host_name(urlsplit(origin).netloc)
    return bool(name) and name == guard.host_name(request.headers.get("host", ""))


def _refuse(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status, headers={"Cache-Control": "no-store"})


def _set(response: Response, request: Request, value: str, expires: float) -> None:
    response.set_cookie(
        sessions.COOKIE, value, max_age=max(0, int(expires - time.time())), path="/",
        secure=request.url.scheme == "https", httponly=True, samesite="strict",
    )  # fmt: skip


async def session(request: Request) -> Response:
    if not same_origin(request):
        return _refuse(403, "不接受其他网站的请求。")
    body = await request.body()
    redeemed = sessions.redeem(body[:MAX_BODY].decode("ascii", "replace").strip())
    if redeemed is None:
        return _refuse(400, "登录凭据无效或已过期，请重新登录。")
    token, expires = redeemed
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    _set(response, request, token, expires)
    return response


def _end(token: str | None, ended: str) -> bool:
    """End the cookie's session when it is the one the tab says ended; whether the cookie should go.

    The tab names its session by token hash (``ended``). Another tab may have signed in
    again meanwhile: a cookie of another, active session is kept.
    """
    digest = sessions.token_hash(token)
    if digest is None:
        return token is not None  # an old v1 token or garbage
    try:
        store = open_store()
        if hmac.compare_digest(digest.encode(), ended.encode()):
            sessions.end(store, digest, "signout")
            return True
        return sessions.active(store, digest) is None
    except (StoreError, OSError):
        log.exception("could not end the session in the store")
        return True


async def signout(request: Request) -> Response:
    if not same_origin(request):
        return _refuse(403, "不接受其他网站的请求。")
    ended = (await request.body())[:MAX_BODY].decode("ascii", "replace").strip()
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if await anyio.to_thread.run_sync(_end, request.cookies.get(sessions.COOKIE), ended):
        _set(response, request, "", 0)
    return response


ROUTES = [
    Route(sessions.SESSION_PATH, session, methods=["POST"]),
    Route(sessions.SIGNOUT_PATH, signout, methods=["POST"]),
]
