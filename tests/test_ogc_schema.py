"""schemathesis against the OGC API's own OpenAPI document (``/ogc/api``), on a live server, both stores.

Every operation of the document gets generated requests: valid ones (positive) and ones that break the
document's rules (negative: a bbox of three numbers, ``limit=0``, ``offset=-1``, a filter value outside its
enum, unknown parameters …). Any 5xx, a response off the document (status, content type, body schema) or
a rule-breaking request accepted with 2xx fails the test. A request the document allows may still get a 400
where the rule is not one OpenAPI can say (bbox minimum ≤ maximum, a chain or zone that exists: the
document's descriptions say so): such a 400 passes when its sentence is one of :data:`BEYOND_OPENAPI`.
Bounded: a few examples per operation and mode, no shrinking, no example database.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import load_all_checks
from starlette.applications import Starlette

import ogc
from testing.harness import free_port

# The one rule-breaking value the API must accept: OGC API – Features (/req/core/fc-limit-response-1) says a
# limit above the advertised maximum is served as the maximum, not refused (tests/test_ogc.py checks the clamp).
CLAMPED = "Invalid component: parameter `limit` in query - violates `maximum`"
# 400s a request the document allows may get, by rules OpenAPI cannot state (the parameter descriptions say
# them): a box on the globe with minimum ≤ maximum and plain decimal numbers, a real date with start ≤ end, a
# filter value that exists in the data. Anything else refused while the document allows it fails the test.
BEYOND_OPENAPI = (r"^参数 bbox (超出经纬度范围|的最小值大于最大值|应为四个数|含有非有限数值)", r"^参数 datetime",
                  r"^筛选条件 \w+ 的值“.*”不存在$")  # fmt: skip
EXAMPLES = 8  # per operation and mode (both stores: about 15 s on an idle 2-core machine)


@pytest.fixture(scope="module")
def live_api(shared_store):
    """The OGC routes on uvicorn, a loopback port; yields the API's base URL."""
    port = free_port()
    app = Starlette(routes=ogc.routes(lambda: shared_store))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/ogc"
    finally:
        server.should_exit = True
        thread.join(10)


def _beyond_openapi(body: dict) -> bool:
    """A 400 for a value the document allows, by a rule OpenAPI cannot state (its description says it)."""
    return any(re.search(rule, body.get("description", "")) for rule in BEYOND_OPENAPI)


def _run(operation, mode, base: str, failures: list[str]) -> None:
    """``EXAMPLES`` generated requests of one operation in one mode; what fails is added to ``failures``."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call(base_url=base, timeout=30)
        try:
            case.validate_response(response)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis' failure group: noted, then the next request
            detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())[:400]
            if CLAMPED in detail and response.status_code == 200:
                return  # a limit above the maximum is clamped, as OGC API – Features requires, not refused
            if "ST202" in detail and response.status_code == 400 and _beyond_openapi(response.json()):
                return
            failures.append(f"{mode.value} {case.method} {case.formatted_path} {case.query}: {detail}")

    try:
        check()
    except Unsatisfiable:  # negative mode, an operation without parameters: nothing can break its rules
        assert mode == GenerationMode.NEGATIVE


def test_every_operation_answers_as_its_openapi_document_says(live_api):
    load_all_checks()
    schema = schemathesis.openapi.from_url(f"{live_api}/api")
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert {"GET /collections", "GET /collections/parcels/items",
            "GET /collections/projects/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"} <= labels  # fmt: skip
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, live_api, failures)
    assert not failures, "\n".join(dict.fromkeys(failures))
