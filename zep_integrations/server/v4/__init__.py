"""The v4 API (zep-cloud 4.x) under ``/api/v4/``: thin shape translators over the one store.

Example:
    >>> import httpx, tempfile, os
    >>> from zep_integrations.server import ZepServer
    >>> server = ZepServer(os.path.join(tempfile.mkdtemp(), "zep.db"))
    >>> http = httpx.Client(transport=server.transport(), base_url="http://zep/api/v4/")
    >>> user = http.post("users", json={"first_name": "Jane"}).json()
    >>> thread = http.post("threads", json={"user_uuid": user["uuid"]}).json()
    >>> body = {"messages": [{"role": "user", "name": "Jane", "content": "I live in Lisbon."}]}
    >>> http.post(f"threads/{thread['uuid']}/messages", json=body).status_code
    202
    >>> page = http.get(f"threads/{thread['uuid']}/messages").json()
    >>> [m["content"] for m in page["items"]], page["total_size"]
    (['I live in Lisbon.'], 1)
    >>> http.get("threads/not-a-uuid").json()["error"]["code"]
    'invalid_identifier'
    >>> server.close()
"""

from __future__ import annotations

from typing import Any

from zep_integrations.server.handler import Api, Ctx, Route
from zep_integrations.server.idempotency import run_idempotent
from zep_integrations.server.v4 import graphs, items, search, threads, users
from zep_integrations.server.v4.common import fail

__all__ = ["API", "PREFIX", "ROUTES"]

PREFIX = "/api/v4/"

ROUTES: tuple[Route, ...] = (
    *users.ROUTES,
    *threads.ROUTES,
    *graphs.ROUTES,
    *search.ROUTES,
    *items.ROUTES,
)


def _run(ctx: Ctx, route: Route) -> tuple[int, Any]:
    return run_idempotent(ctx, route, graphs.READS)


API = Api(PREFIX, ROUTES, fail=fail, run=_run)
"""The v4 API as the handler serves it."""
