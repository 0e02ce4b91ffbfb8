"""Wire equivalence with the official SDKs: zep-cloud 3.30.0 (v3) and 4.0.1 (v4), offline.

For every operation in ``tests/wire_ops.py`` the SDK (in its own venv, built on first use by
``tests/sdk_envs.py``) and our client each send their request to an ``httpx.MockTransport``
that records it; method, path, query, JSON body and the API key must match, and on v4 so must
the presence of an ``Idempotency-Key`` (not its random value). Telemetry headers
(``User-Agent``, ``X-Fern-*``) are ignored. Run alone with ``pytest tests/test_wire_sdk.py``.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.sdk_envs import run_sdk
from tests.wire_ops import V3_OPS, V4_OPS, Op
from zep_integrations import ZepClient
from zep_integrations._operations import OPERATIONS

SDK_SCRIPT = """
import json, httpx
from urllib.parse import parse_qsl
from zep_cloud.client import Zep
from zep_cloud.types import {message_type}
{message_type_alias}
OPS = json.loads({ops!r})
seen = []

def handler(request):
    body = request.content
    seen.append({{
        "method": request.method,
        "path": request.url.path,
        "query": sorted(parse_qsl(request.url.query.decode(), keep_blank_values=True)),
        "body": json.loads(body) if body else None,
        "auth": request.headers.get("authorization"),
        "idempotency_key": "idempotency-key" in request.headers,
    }})
    return httpx.Response(200, json={{}})

client = Zep(api_key="k", httpx_client=httpx.Client(transport=httpx.MockTransport(handler)))
out = {{}}
for name, code in OPS:
    seen.clear()
    try:
        eval(code)
    except Exception:
        pass  # an empty answer may not parse; the request is what we compare
    out[name] = list(seen)
print(json.dumps(out))
"""


def _record(request: httpx.Request) -> dict[str, Any]:
    body = request.content
    return {
        "method": request.method,
        "path": request.url.path,
        "query": [list(pair) for pair in sorted(parse_qsl(request.url.query.decode(), True))],
        "body": json.loads(body) if body else None,
        "auth": request.headers.get("authorization"),
        "idempotency_key": "idempotency-key" in request.headers,
    }


def _ours(version: str, ops: list[Op]) -> dict[str, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(_record(request))
        return httpx.Response(200, json={})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = ZepClient(api_key="k", api_version=version, http_client=http, max_retries=0)
    out: dict[str, list[dict[str, Any]]] = {}
    for name, _, ours in ops:
        seen.clear()
        # The empty answer may not parse; what is compared is the request.
        with contextlib.suppress(Exception):
            ours(client)
        out[name] = list(seen)
    return out


def _sdk(version: str, ops: list[Op], message_type: str) -> dict[str, list[dict[str, Any]]]:
    script = SDK_SCRIPT.format(
        message_type=message_type,
        message_type_alias="Message = AddMessage" if message_type == "AddMessage" else "",
        ops=json.dumps([[name, code] for name, code, _ in ops]),
    )
    result: dict[str, list[dict[str, Any]]] = run_sdk(version, script)
    return result


@pytest.fixture(scope="module")
def v3_wire() -> tuple[dict[str, Any], dict[str, Any]]:
    """What zep-cloud 3.30.0 and our v3 client send for every v3 operation."""
    return _sdk("3.30.0", V3_OPS, "Message"), _ours("v3", V3_OPS)


@pytest.fixture(scope="module")
def v4_wire() -> tuple[dict[str, Any], dict[str, Any]]:
    """What zep-cloud 4.0.1 and our v4 client send for every v4 operation."""
    return _sdk("4.0.1", V4_OPS, "AddMessage"), _ours("v4", V4_OPS)


@pytest.mark.parametrize("name", [op[0] for op in V3_OPS])
def test_v3_request_matches_zep_cloud_3_30(
    v3_wire: tuple[dict[str, Any], dict[str, Any]], name: str
) -> None:
    """Our v3 request equals zep-cloud 3.30.0's: method, path, query, body, key header."""
    sdk, ours = v3_wire
    assert sdk[name], f"zep-cloud 3.30.0 sent nothing for {name}"
    assert ours[name] == sdk[name]


@pytest.mark.parametrize("name", [op[0] for op in V4_OPS])
def test_v4_request_matches_zep_cloud_4_0(
    v4_wire: tuple[dict[str, Any], dict[str, Any]], name: str
) -> None:
    """Our v4 request equals zep-cloud 4.0.1's, including whether an Idempotency-Key is sent."""
    sdk, ours = v4_wire
    assert sdk[name], f"zep-cloud 4.0.1 sent nothing for {name}"
    assert ours[name] == sdk[name]


@pytest.mark.parametrize(("version", "ops"), [("v3", V3_OPS), ("v4", V4_OPS)], ids=["v3", "v4"])
def test_every_operation_is_compared_with_the_sdk(version: str, ops: list[Op]) -> None:
    """No v3/v4 operation we build escapes the wire comparison."""
    compared = {op[0] for op in ops}
    missing = [
        name
        for name in OPERATIONS[version]
        if name not in compared and not any(c.startswith(name + "_") for c in compared)
    ]
    assert missing == []
