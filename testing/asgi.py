"""A minimal synchronous client for an ASGI app (Starlette's TestClient needs httpx, which is not installed).

One request per call, run to completion with anyio: enough for GET routes
that answer with a single body (no streaming, websockets or lifespan).
"""

from __future__ import annotations

import concurrent.futures
import json
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import anyio


@dataclass
class Reply:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self):
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode()


class Client:
    def __init__(self, app, host: str = "testserver"):
        self.app = app
        self.host = host

    def get(self, path: str, params: dict | list | None = None, headers: dict | None = None) -> Reply:
        query = urlencode(params or {}, doseq=True).encode()
        raw = quote(path, safe="/%:@!$&'()*+,;=")
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": raw.encode(), "query_string": query, "root_path": "",
            "headers": [(b"host", self.host.encode())]
            + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "client": ("127.0.0.1", 50000), "server": (self.host, 80),
        }  # fmt: skip
        out: dict = {"body": b""}

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
                out["headers"] = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")

        run_asgi(self.app, scope, receive, send)
        return Reply(out["status"], out["headers"], out["body"])


def run_asgi(app, scope, receive, send) -> None:
    """Run one ASGI call to completion on a thread of its own.

    The browser tests' session-wide Playwright keeps an asyncio loop marked as
    running on the worker's main thread, where ``anyio.run`` would refuse to start.
    """
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, app, scope, receive, send).result()
