"""``Idempotency-Key``: a resent write answers like the first one and is not applied again.

zep-cloud 4.x sends the header (a random UUID unless the caller gives one) on every create and
mutation, and retries 408/409/429/5xx with the same key. Rules here:

* The key, a fingerprint of the request (method, path, query, body) and the answer (status and
  body) are stored in the ``idempotency_keys`` table **in the same transaction as the write**.
  So the write and its record commit together or not at all, a crash cannot leave a write
  without its record, and two concurrent requests with one key (threads or processes on one
  file) serialise on SQLite's write lock: the second one finds the first one's answer.
* Same key, same request: the stored status and body, nothing applied again.
* Same key, another request: 422 ``idempotency_key_reused``, as the IETF draft
  *The Idempotency-Key HTTP Header Field* prescribes (and not 409, which the SDKs retry).
* Only successful (2xx) answers are kept: a refused request stores nothing and may be resent
  with the same key once fixed (as Stripe does for validation errors).
* Keys are kept :data:`KEEP_SECONDS` (24 hours) by the server clock, then forgotten.
* Reads ignore the header, including ``POST`` reads (search, lists, lookups): they change
  nothing, and recording them would turn every search into a write.
"""

from __future__ import annotations

import hashlib
import json
import weakref
import zlib
from collections.abc import Collection
from typing import Any

from zep_integrations.server.handler import Ctx, EncodedJSON, HTTPError, Route, encode_json
from zep_integrations.server.storage import Storage

__all__ = ["KEEP_SECONDS", "MAX_KEY_CHARS", "run_idempotent"]

KEEP_SECONDS = 24 * 3600
MAX_KEY_CHARS = 255
PURGE_EVERY_SECONDS = 600
"""Expired keys are deleted in bulk at most this often per server (an expired key is also
ignored, and replaced, when it is met)."""

_last_purge: weakref.WeakKeyDictionary[Storage, float] = weakref.WeakKeyDictionary()


def _fingerprint(ctx: Ctx) -> str:
    request = ctx.request
    digest = hashlib.sha256()
    for part in (request.method.upper(), request.raw_path, json.dumps(list(request.query))):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def run_idempotent(ctx: Ctx, route: Route, reads: Collection[str]) -> tuple[int, Any]:
    """Run ``route`` honouring the request's ``Idempotency-Key`` (see the module docstring).

    Args:
        ctx: The request.
        route: The matched route.
        reads: Patterns of routes that change nothing even though their method is ``POST``.
    """
    key = ctx.request.headers.get("idempotency-key")
    if key is None or ctx.request.method.upper() == "GET" or route.pattern in reads:
        return route.fn(ctx)
    if not key or len(key) > MAX_KEY_CHARS:
        raise HTTPError(
            400,
            f"Idempotency-Key must be 1 to {MAX_KEY_CHARS} characters",
            code="invalid_idempotency_key",
            param="Idempotency-Key",
        )
    fingerprint = _fingerprint(ctx)
    now = ctx.env.clock().timestamp()
    store = ctx.env.store
    with store.write() as conn:
        if now - _last_purge.get(store, float("-inf")) > PURGE_EVERY_SECONDS:
            _last_purge[store] = now
            # Rows are inserted in time order: delete those before the first one still kept.
            conn.execute(
                "DELETE FROM idempotency_keys WHERE id < coalesce("
                "(SELECT id FROM idempotency_keys WHERE created_at >= ? ORDER BY id LIMIT 1),"
                " (SELECT max(id) + 1 FROM idempotency_keys), 0)",
                (now - KEEP_SECONDS,),
            )
        row = conn.execute(
            "SELECT fingerprint, status, body, created_at FROM idempotency_keys WHERE key = ?",
            (key,),
        ).fetchone()
        if row is not None and row["created_at"] < now - KEEP_SECONDS:
            conn.execute("DELETE FROM idempotency_keys WHERE key = ?", (key,))
            row = None
        if row is not None:
            if row["fingerprint"] != fingerprint:
                raise HTTPError(
                    422,
                    "this Idempotency-Key was already used with a different request; "
                    "use a new key for a new request",
                    code="idempotency_key_reused",
                    param="Idempotency-Key",
                )
            return int(row["status"]), EncodedJSON(zlib.decompress(row["body"]))
        status, value = route.fn(ctx)
        if 200 <= status < 300:
            # Encoded once, for the record and the answer. Compressed: an add-messages answer
            # echoes its messages (~10 KB for 30), and each stored byte is written twice (WAL,
            # then the table).
            value = EncodedJSON(encode_json(value))
            body = zlib.compress(value.data, 1)
            conn.execute(
                "INSERT INTO idempotency_keys(key, fingerprint, status, body, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, fingerprint, status, body, now),
            )
        return status, value
