"""Routes of section 4.5 (document collections and documents) and the document routes of 6."""

from __future__ import annotations

import json
import math
import sqlite3
from typing import Any

from zep_integrations._limits import MAX_SEARCH_LIMIT
from zep_integrations.server import search
from zep_integrations.server.handler import (
    Ctx,
    HTTPError,
    Route,
    check_batch,
    field_map,
    field_num,
    field_str,
    field_strs,
)
from zep_integrations.server.records import collection_json, deep_merge, document_json
from zep_integrations.server.storage import dumps, insert_many, loads


def _find(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM collections WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise HTTPError(404, "not found")
    return row  # type: ignore[no-any-return]


def _collection(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    # Every stored document is searchable at once: all of them count as embedded.
    count = conn.execute(
        "SELECT count(*) FROM documents WHERE collection_id = ?", (row["id"],)
    ).fetchone()[0]
    sample = conn.execute(
        "SELECT embedding FROM documents WHERE collection_id = ? AND embedding IS NOT NULL LIMIT 1",
        (row["id"],),
    ).fetchone()
    dims = len(loads(sample[0])) if sample else None
    return collection_json(row, (int(count), int(count)), dims)


def list_collections(ctx: Ctx) -> tuple[int, Any]:
    """``GET collections``: a list of lists (section 8.6)."""
    with ctx.env.store.read() as conn:
        rows = conn.execute("SELECT * FROM collections ORDER BY id").fetchall()
        return 200, [[_collection(conn, row) for row in rows]]


def get_collection(ctx: Ctx) -> tuple[int, Any]:
    """``GET collections/{name}``."""
    with ctx.env.store.read() as conn:
        return 200, _collection(conn, _find(conn, ctx.args["name"]))


def _check_name(name: str) -> None:
    if not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
        raise HTTPError(400, "collection names may contain only letters, digits and underscores")


def add_collection(ctx: Ctx) -> tuple[int, Any]:
    """``POST collections/{name}``."""
    name = ctx.args["name"]
    _check_name(name)
    body = ctx.obj()
    description = field_str(body, "description")
    metadata = field_map(body, "metadata")
    now = ctx.now()
    with ctx.env.store.write() as conn:
        if conn.execute("SELECT 1 FROM collections WHERE name = ?", (name,)).fetchone():
            raise HTTPError(400, f"collection already exists with name: {name}")
        conn.execute(
            "INSERT INTO collections(uuid, name, description, metadata, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (ctx.env.new_uuid(), name, description, dumps(metadata), now, now),
        )
    return 200, {"message": "OK"}


def update_collection(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH collections/{name}``."""
    body = ctx.obj()
    description = field_str(body, "description")
    metadata = field_map(body, "metadata")
    with ctx.env.store.write() as conn:
        row = _find(conn, ctx.args["name"])
        merged = (
            deep_merge(loads(row["metadata"]), metadata) if metadata else loads(row["metadata"])
        )
        conn.execute(
            "UPDATE collections SET description = ?, metadata = ?, updated_at = ? WHERE id = ?",
            (
                description if description is not None else row["description"],
                dumps(merged),
                ctx.now(),
                row["id"],
            ),
        )
    return 200, {"message": "OK"}


def delete_collection(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE collections/{name}`` with its documents."""
    with ctx.env.store.write() as conn:
        conn.execute("DELETE FROM collections WHERE id = ?", (_find(conn, ctx.args["name"])["id"],))
    return 200, {"message": "OK"}


def _embedding(value: Any, what: str = "embedding") -> list[float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in value
    ):
        raise HTTPError(400, f"{what} must be an array of finite numbers")
    return [float(x) for x in value]


def _array(ctx: Ctx) -> list[Any]:
    value = ctx.json()
    if not isinstance(value, list):
        raise HTTPError(400, "request body must be a JSON array")
    check_batch(value, "request body")
    return value


def add_documents(ctx: Ctx) -> tuple[int, Any]:
    """``POST collections/{name}/documents``: the new documents' UUIDs, in the caller's shape.

    Zep's own server answers a flat ``[uuid, ...]``, and so do zep-cloud 1.x (its generated
    parser is ``List[str]``), zep-python 1.x and langchain-community's Zep vector store. Only
    zep-cloud 2.x's generated types expect ``[[uuid, ...]]`` (section 8.6), and it says who it
    is in ``X-Fern-SDK-Name``/``X-Fern-SDK-Version``: it gets the nested list, everyone else
    the flat one. (This package's client accepts both.)
    """
    docs = _array(ctx)
    for doc in docs:
        if not isinstance(doc, dict):
            raise HTTPError(400, "every document must be a JSON object")
        field_str(doc, "content", required=True)
        field_str(doc, "document_id")
        field_map(doc, "metadata")
        _embedding(doc.get("embedding"))
    now = ctx.now()
    uuids = [ctx.env.new_uuid() for _ in docs]
    with ctx.env.store.write() as conn:
        row = _find(conn, ctx.args["name"])
        insert_many(
            conn,
            "documents",
            (
                "uuid",
                "collection_id",
                "document_id",
                "content",
                "metadata",
                "embedding",
                "created_at",
                "updated_at",
            ),
            [
                (
                    uid,
                    row["id"],
                    d.get("document_id"),
                    d["content"],
                    dumps(d.get("metadata")),
                    dumps(_embedding(d.get("embedding"))),
                    now,
                    now,
                )
                for uid, d in zip(uuids, docs, strict=True)
            ],
        )
    major = ctx.sdk_major("zep-cloud")
    return 200, ([uuids] if major is not None and major >= 2 else uuids)


def batch_get(ctx: Ctx) -> tuple[int, Any]:
    """``POST collections/{name}/documents/batchGet``: ``[[Document, ...]]``.

    zep-cloud 1.x parses a flat ``[Document, ...]`` here and gets one.
    """
    body = ctx.obj()
    uuids = field_strs(body, "uuids") or []
    document_ids = field_strs(body, "document_ids") or []
    with ctx.env.store.read() as conn:
        row = _find(conn, ctx.args["name"])
        found: dict[int, sqlite3.Row] = {}
        for column, values in (("uuid", uuids), ("document_id", document_ids)):
            if values:
                # json_each: one bound parameter however many IDs ("too many SQL variables").
                for doc in conn.execute(
                    f"SELECT * FROM documents WHERE collection_id = ?"
                    f" AND {column} IN (SELECT value FROM json_each(?))",
                    [row["id"], json.dumps(values)],
                ):
                    found[int(doc["id"])] = doc
    docs = [document_json(found[key]) for key in sorted(found)]
    return 200, (docs if ctx.sdk_major("zep-cloud") == 1 else [docs])


def _update(conn: sqlite3.Connection, ctx: Ctx, collection_id: int, update: dict[str, Any]) -> None:
    uid = field_str(update, "uuid", required=True)
    document_id = field_str(update, "document_id")
    metadata = field_map(update, "metadata")
    doc = conn.execute(
        "SELECT * FROM documents WHERE collection_id = ? AND uuid = ?", (collection_id, uid)
    ).fetchone()
    if doc is None:
        raise HTTPError(404, "not found")
    conn.execute(
        "UPDATE documents SET document_id = ?, metadata = ?, updated_at = ? WHERE id = ?",
        (
            document_id if document_id is not None else doc["document_id"],
            dumps(
                deep_merge(loads(doc["metadata"]), metadata) if metadata else loads(doc["metadata"])
            ),
            ctx.now(),
            doc["id"],
        ),
    )


def batch_update(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH collections/{name}/documents/batchUpdate``."""
    updates = _array(ctx)
    if not all(isinstance(u, dict) for u in updates):
        raise HTTPError(400, "every update must be a JSON object")
    with ctx.env.store.write() as conn:
        row = _find(conn, ctx.args["name"])
        for update in updates:
            _update(conn, ctx, int(row["id"]), update)
    return 200, {"message": "OK"}


def batch_delete(ctx: Ctx) -> tuple[int, Any]:
    """``POST collections/{name}/documents/batchDelete``: body is an array of UUIDs."""
    uuids = _array(ctx)
    if not all(isinstance(u, str) for u in uuids):
        raise HTTPError(400, "request body must be an array of document UUIDs")
    with ctx.env.store.write() as conn:
        row = _find(conn, ctx.args["name"])
        conn.execute(
            "DELETE FROM documents WHERE collection_id = ?"
            " AND uuid IN (SELECT value FROM json_each(?))",
            (row["id"], json.dumps(uuids)),
        )
    return 200, {"message": "OK"}


def _document(conn: sqlite3.Connection, ctx: Ctx) -> sqlite3.Row:
    row = _find(conn, ctx.args["name"])
    doc = conn.execute(
        "SELECT * FROM documents WHERE collection_id = ? AND uuid = ?",
        (row["id"], ctx.args["uuid"]),
    ).fetchone()
    if doc is None:
        raise HTTPError(404, "not found")
    return doc  # type: ignore[no-any-return]


def get_document(ctx: Ctx) -> tuple[int, Any]:
    """``GET collections/{name}/documents/uuid/{uuid}``."""
    with ctx.env.store.read() as conn:
        return 200, document_json(_document(conn, ctx))


def update_document(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH collections/{name}/documents/uuid/{uuid}``."""
    body = ctx.obj()
    with ctx.env.store.write() as conn:
        row = _find(conn, ctx.args["name"])
        _update(conn, ctx, int(row["id"]), {**body, "uuid": ctx.args["uuid"]})
    return 200, {"message": "OK"}


def delete_document(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE collections/{name}/documents/uuid/{uuid}``."""
    with ctx.env.store.write() as conn:
        conn.execute("DELETE FROM documents WHERE id = ?", (_document(conn, ctx)["id"],))
    return 200, {"message": "OK"}


def search_documents(ctx: Ctx) -> tuple[int, Any]:
    """``POST collections/{name}/search``: cosine when ``embedding`` is given, else FTS5."""
    limit = ctx.q_int("limit", maximum=MAX_SEARCH_LIMIT)
    body = ctx.obj()
    text = field_str(body, "text")
    metadata_filter = field_map(body, "metadata")
    embedding = _embedding(body.get("embedding"))
    min_score = field_num(body, "min_score")
    mmr_lambda = field_num(body, "mmr_lambda")
    search_type = field_str(body, "search_type")
    if search_type not in (None, "similarity", "mmr"):
        raise HTTPError(400, "search_type must be similarity or mmr")
    if text is None and metadata_filter is None and embedding is None:
        raise HTTPError(400, "one of text, metadata or embedding is required")
    try:
        keep = search.metadata_filter(metadata_filter)
    except ValueError as exc:
        raise HTTPError(400, str(exc)) from None
    with ctx.env.store.read() as conn:
        row = _find(conn, ctx.args["name"])
        scored: list[tuple[sqlite3.Row, float]]
        if embedding is not None:
            docs = conn.execute(
                "SELECT * FROM documents WHERE collection_id = ? AND embedding IS NOT NULL",
                (row["id"],),
            ).fetchall()
            scored = sorted(
                ((d, search.cosine(embedding, loads(d["embedding"]))) for d in docs),
                key=lambda pair: -pair[1],
            )
        elif text and text.strip():
            ranked = search.normalise(
                search.search_fts(conn, "documents_fts", text, [f"c{row['id']}"], 1000)
            )
            scored = search.ranked_rows(conn, "documents", ranked)
        else:
            docs = conn.execute(
                "SELECT * FROM documents WHERE collection_id = ? ORDER BY id", (row["id"],)
            ).fetchall()
            scored = [(d, 1.0) for d in docs]
    scored = [(d, s) for d, s in scored if keep(loads(d["metadata"]))]
    chosen = search.select(
        scored,
        text_of=lambda d: str(d["content"]),
        limit=limit,
        min_score=min_score,
        search_type=search_type,
        mmr_lambda=mmr_lambda,
    )
    results = [document_json(d, score) for d, score in chosen]
    return 200, {
        "results": results,
        "result_count": len(results),
        "current_page": 1,
        "total_pages": 1,
        "query_vector": embedding or [],
    }


ROUTES = [
    Route("GET", "collections", list_collections),
    Route("GET", "collections/{name}", get_collection),
    Route("POST", "collections/{name}", add_collection),
    Route("PATCH", "collections/{name}", update_collection),
    Route("DELETE", "collections/{name}", delete_collection),
    Route("POST", "collections/{name}/documents", add_documents),
    Route("POST", "collections/{name}/documents/batchGet", batch_get),
    Route("PATCH", "collections/{name}/documents/batchUpdate", batch_update),
    Route("POST", "collections/{name}/documents/batchDelete", batch_delete),
    Route("GET", "collections/{name}/documents/uuid/{uuid}", get_document),
    Route("PATCH", "collections/{name}/documents/uuid/{uuid}", update_document),
    Route("DELETE", "collections/{name}/documents/uuid/{uuid}", delete_document),
    Route("POST", "collections/{name}/search", search_documents),
]
