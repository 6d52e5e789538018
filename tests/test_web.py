"""The HTTP layer (web/): Host check, security headers, uploads only for signed-in editors, the cookie routes.

The middleware is driven as plain ASGI (no HTTP client library is installed);
then the real server (scripts/serve.py → web/server.py) is asked over HTTP.
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import shutil
import time
from urllib.parse import urlparse

import pytest

from access import sessions
from geodata.store import SAMPLE_PATH, GpkgStore
from geodata.store.contract import SessionRow
from testing import harness
from testing.asgi import run_asgi
from web import guard
from web.auth_routes import ROUTES

MB = 1024 * 1024


def new_session(store, username="zhangsan") -> str:
    """A token whose session is active in ``store`` (what /auth/session would put in the cookie)."""
    token = "v2." + secrets.token_urlsafe(32)
    now = time.time()
    store.create_session(SessionRow(sessions.token_hash(token), username, now, now, now + 3600))
    return token


def call(app, method="GET", path="/", headers=(), body=b"") -> tuple[int, dict[str, str], bytes]:
    """One HTTP request through an ASGI app: status, headers (lower-case names), body."""
    scope = {"type": "http", "method": method, "path": path, "scheme": "http", "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers], "client": ("127.0.0.1", 1)}  # fmt: skip
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    run_asgi(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    out = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start.get("headers", [])}, out


async def accepted(scope, receive, send):
    """Stands for Streamlit's upload route: takes the body, answers 204."""
    await receive()
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "zonemap.gpkg"
    shutil.copyfile(SAMPLE_PATH, path)
    monkeypatch.setenv("ZONEMAP_DATA", str(path))
    monkeypatch.setattr(sessions, "_checked", {})
    return GpkgStore(path)


# --- Host -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost:8501", "127.0.0.1", "[::1]:8501", "LOCALHOST", "zonemap.example.cn",
                                  "a.intra.example.cn:443"])  # fmt: skip
def test_loopback_and_configured_hosts_pass(host):
    check = guard.HostCheck(accepted, [*guard.LOOPBACK_HOSTS, "zonemap.example.cn", "*.intra.example.cn"])
    assert call(check, headers=[("Host", host)])[0] == 204


@pytest.mark.parametrize("host", ["evil.example", "", "127.0.0.1.evil.example", "intra.example.cn",
                                  "zonemap.example.cn.evil", "localhost:8501@evil", "a b"])  # fmt: skip
def test_other_hosts_get_400(host):
    check = guard.HostCheck(accepted, [*guard.LOOPBACK_HOSTS, "zonemap.example.cn", "*.intra.example.cn"])
    status, _, body = call(check, headers=[("Host", host)])
    assert status == 400 and "Host" in body.decode()


def test_allowed_hosts_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ZONEMAP_ALLOWED_HOSTS", " zonemap.example.cn, GIS.example.cn ,")
    assert guard.allowed_hosts()[:5] == [*guard.LOOPBACK_HOSTS, "zonemap.example.cn", "gis.example.cn"][:5]
    assert "gis.example.cn" in guard.allowed_hosts()


# --- headers --------------------------------------------------------------------------------------------------------


def test_every_response_gets_the_security_headers_and_the_apps_own_are_kept():
    _, headers, _ = call(guard.SecurityHeaders(accepted), headers=[("Host", "127.0.0.1:8501")])
    assert headers["x-frame-options"] == "SAMEORIGIN" and headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert "'unsafe-eval'" in headers["content-security-policy"]  # streamlit-folium's dynamic layers
    assert "connect-src 'self' ws://127.0.0.1:8501;" in headers["content-security-policy"]
    _, headers, _ = call(guard.SecurityHeaders(accepted), headers=[("Host", "x; script-src *")])
    assert "connect-src 'self';" in headers["content-security-policy"]  # a strange Host is not written into it


# --- uploads --------------------------------------------------------------------------------------------------------


def put(app, token=None, size=10, file_id="f1", session_id="s1"):
    headers = [("Host", "127.0.0.1"), ("Content-Length", str(size))]
    if token:
        headers.append(("Cookie", f"_streamlit_xsrf=x; {sessions.COOKIE}={token}"))
    return call(app, "PUT", f"/_stcore/upload_file/{session_id}/{file_id}", headers, b"x" * size)


def test_uploads_need_an_active_session(store):
    app = guard.UploadGuard(accepted, guard.UploadLedger(10 * MB, 100 * MB), alive=lambda s: True)
    status, _, body = put(app)
    assert status == 403 and "未登录" in body.decode()
    assert put(app, token="v2." + "A" * 43)[0] == 403  # well-formed, never signed in
    assert put(app, token="v1.emhhbmdzYW4.1800028800.c2ln")[0] == 403  # the old signed format
    token = new_session(store)
    assert put(app, token=token)[0] == 204
    sessions.end(store, sessions.token_hash(token), "signout")
    assert put(app, token=token, file_id="f2")[0] == 403
    assert call(app, "GET", "/_stcore/health")[0] == 204  # nothing else is guarded


def test_upload_bytes_held_are_capped_per_session_and_for_the_server(store):
    ledger = guard.UploadLedger(per_session=3 * MB, total=5 * MB)
    app = guard.UploadGuard(accepted, ledger, alive=lambda s: s != "gone")
    token = new_session(store)
    assert put(app, token, 2 * MB, "a")[0] == 204
    status, _, body = put(app, token, 2 * MB, "b")
    assert status == 413 and "3 MB" in body.decode()
    assert put(app, token, 2 * MB, "a")[0] == 204  # the same file again replaces what it held
    assert call(app, "DELETE", "/_stcore/upload_file/s1/a", [("Host", "127.0.0.1")])[0] == 204
    assert put(app, token, 3 * MB, "b")[0] == 204 and ledger.held("s1") == 3 * MB
    assert put(app, token, 2 * MB, "c", session_id="s2")[0] == 204
    status, _, body = put(app, token, 1 * MB, "d", session_id="s3")
    assert status == 413 and "上限" in body.decode() and ledger.held() == 5 * MB
    ledger.prune(lambda s: s != "s1")  # Streamlit ended session s1 and dropped its files
    assert put(app, token, 1 * MB, "d", session_id="s3")[0] == 204


def test_an_upload_without_a_length_is_refused(store):
    app = guard.UploadGuard(accepted, guard.UploadLedger(MB, MB), alive=lambda s: True)
    headers = [("Host", "127.0.0.1"), ("Cookie", f"{sessions.COOKIE}={new_session(store)}")]
    assert call(app, "PUT", "/_stcore/upload_file/s1/f1", headers, b"x")[0] == 411


# --- the cookie routes ----------------------------------------------------------------------------------------------


def route(path):
    return next(r for r in ROUTES if r.path == path).app


def test_the_handoff_code_becomes_an_httponly_cookie_once(store):
    started = sessions.start(store, "zhangsan")
    status, headers, _ = call(route("/auth/session"), "POST", "/auth/session", [("Host", "127.0.0.1")],
                              started.code.encode())  # fmt: skip
    cookie = headers["set-cookie"]
    token = cookie.split(";")[0].split("=", 1)[1]
    assert status == 204 and sessions.token_hash(token) == started.token_hash
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie and "Secure" not in cookie
    again = call(route("/auth/session"), "POST", "/auth/session", [("Host", "127.0.0.1")], started.code.encode())
    assert again[0] == 400 and "set-cookie" not in again[1]


def test_the_cookie_is_secure_under_https_and_other_sites_are_refused(store):
    started = sessions.start(store, "zhangsan")
    app = route("/auth/session")
    for origin in ("https://evil.example", "http://127.0.0.1.evil.example", "null"):
        foreign = [("Host", "127.0.0.1:8501"), ("Origin", origin)]
        assert call(app, "POST", "/auth/session", foreign, started.code.encode())[0] == 403
    scope_https = {"scheme": "https"}  # what uvicorn makes of X-Forwarded-Proto from a loopback proxy

    async def https(scope, receive, send):
        await app({**scope, **scope_https}, receive, send)

    behind_proxy = [("Host", "zonemap.example.cn"), ("Origin", "https://zonemap.example.cn")]  # nginx: Host $host
    _, headers, _ = call(https, "POST", "/auth/session", behind_proxy, started.code.encode())
    assert "Secure" in headers["set-cookie"]


def signout(token, ended):
    headers = [("Host", "127.0.0.1")] + ([("Cookie", f"{sessions.COOKIE}={token}")] if token else [])
    return call(route("/auth/signout"), "POST", "/auth/signout", headers, ended.encode())


def test_signout_ends_the_tabs_session_and_deletes_its_cookie(store):
    token = new_session(store)
    status, headers, _ = signout(token, sessions.token_hash(token))
    assert status == 204 and store.find_session(sessions.token_hash(token), time.time()) is None
    assert headers["set-cookie"].startswith(f'{sessions.COOKIE}=""') and "Max-Age=0" in headers["set-cookie"]


def test_signout_keeps_the_cookie_of_a_newer_session(store):
    """Tab B learns its session ended after tab A signed in again: B's request must not end A's new session."""
    ended, newer = new_session(store), new_session(store)
    sessions.end(store, sessions.token_hash(ended), "signout")
    status, headers, _ = signout(newer, sessions.token_hash(ended))
    assert status == 204 and "set-cookie" not in headers
    assert store.find_session(sessions.token_hash(newer), time.time())
    assert "Max-Age=0" in signout(ended, "")[1]["set-cookie"]  # a dead cookie goes whatever the tab says
    assert "Max-Age=0" in signout("v1.emhhbmdzYW4.1800028800.c2ln", "")[1]["set-cookie"]  # so does an old one
    status, headers, _ = signout(newer, "é" * 64)  # a body that is no token hash: no error, the cookie stays
    assert status == 204 and "set-cookie" not in headers


# --- the running server ---------------------------------------------------------------------------------------------


def request(url, method="GET", path="/", headers=None, body=None):
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        conn.close()


def test_the_server_refuses_strange_hosts_and_visitors_uploads_and_sends_the_headers(tmp_path):
    data = tmp_path / "zonemap.gpkg"
    shutil.copyfile(SAMPLE_PATH, data)
    store = GpkgStore(data)
    with harness.app_server(data=data) as url:
        status, headers, _ = request(url, path="/supply")
        assert status == 200 and headers["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "no-referrer" and headers["x-content-type-options"] == "nosniff"
        assert request(url, headers={"Host": "evil.example"})[0] == 400
        _, headers, _ = request(url, path="/supply", headers={"X-Forwarded-Proto": "https"})  # a loopback proxy
        assert f"wss://{urlparse(url).netloc};" in headers["content-security-policy"]  # https seen: cookies Secure
        status, _, text = request(url, "PUT", "/_stcore/upload_file/s1/f1", body=b"x" * 1000)
        assert status == 403 and "未登录" in text
        token = new_session(store)
        status, _, text = request(url, "PUT", "/_stcore/upload_file/s1/f1", {"Cookie": f"{sessions.COOKIE}={token}"},
                                  b"x" * 1000)  # fmt: skip
        assert "未登录" not in text  # past the guard: Streamlit's own checks (XSRF, its session) answer
        # The OGC API is mounted in the same server: visitors read the layers without private fields
        status, headers, text = request(url, path="/ogc/collections")
        ids = sorted(c["id"] for c in json.loads(text)["collections"])
        assert status == 200 and ids == ["parcels", "projects", "zones"] and headers["x-frame-options"] == "SAMEORIGIN"
        status, _, text = request(url, path="/ogc/collections/parcels/items?limit=5")
        props = json.loads(text)["features"][0]["properties"]
        assert status == 200 and "land_holder" not in props and "land_price" not in props
        status, _, text = request(url, path="/ogc/collections/parcels/items?limit=5",
                                  headers={"Cookie": f"{sessions.COOKIE}={token}"})  # fmt: skip
        assert status == 200 and "land_holder" in json.loads(text)["features"][0]["properties"]
        assert request(url, path="/ogc/collections/parcels/tiles/WebMercatorQuad/99/0/0")[0] in (400, 404)


def test_the_readme_documents_the_headers_the_app_sends_and_its_settings():
    readme = (harness.REPO / "README.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^([A-Z][\w-]+): (.+)$", readme, flags=re.MULTILINE))
    assert documented["Content-Security-Policy"] == guard.CSP.format(sockets=" wss://访问地址")
    sent = {k.decode().title(): v.decode() for k, v in guard.HEADERS.items()}
    assert {k: documented[k] for k in sent} == sent
    for setting in ("ZONEMAP_ALLOWED_HOSTS", "ZONEMAP_UPLOADS_HELD_MB", "ZONEMAP_MAX_UPLOAD_MB"):
        assert f"`{setting}`" in readme
