"""The v3 graph API (zep-cloud 3.30.0 ``graph/raw_client.py``) under ``/api/v2``.

Search, add data, standalone graphs. Shapes only; the work is in ``graph.py`` and
``graph_search.py``.

Search honours ``scope`` ``edges`` / ``nodes`` / ``episodes`` / ``thread_summaries``, ``limit``
(1-50), ``reranker`` ``rrf`` / ``mmr`` (with ``mmr_lambda``) and the filters that map onto what
is stored (:data:`SUPPORTED_FILTERS`). Anything else is refused with a 400 naming it, never ignored:
the caller would otherwise get results that silently disregard what they asked for.
``observations`` is answered empty (none are ever derived here). ``auto`` answers the context
block of the graph for the query (this server's block layout, without the user summary, as Zep's
auto search leaves it out), fitted to ``max_characters``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from zep_integrations.server import graph
from zep_integrations.server.graph_search import (
    DATE_OPERATORS,
    GraphQuery,
    graph_context,
    search_edges,
    search_episodes,
    search_nodes,
    search_thread_summaries,
)
from zep_integrations.server.handler import (
    Ctx,
    HTTPError,
    Route,
    field_num,
    field_str,
    field_strs,
)
from zep_integrations.server.knowledge import graph_hooks
from zep_integrations.server.routes_v3_threads import (
    metadata_field,
    parse_time,
    strict_flag,
    valid_id,
)
from zep_integrations.server.threads import sql_int

__all__ = ["MAX_DATA_CHARS", "MAX_SEARCH_LIMIT", "ROUTES", "SUPPORTED_FILTERS"]

MAX_SEARCH_LIMIT = 50
DEFAULT_AUTO_CHARACTERS = 2_500
MAX_AUTO_CHARACTERS = 50_000
MAX_DATA_CHARS = 10_000
"""``POST graph`` ``data`` per call (getzep/zep ``integrations/CLAUDE.md``)."""
SUPPORTED_FILTERS = frozenset(
    {
        "edge_types",
        "exclude_edge_types",
        "edge_uuids",
        "node_labels",
        "exclude_node_labels",
        "created_at",
        "valid_at",
        "invalid_at",
        "expired_at",
    }
)
_DATE_FIELDS = ("created_at", "valid_at", "invalid_at", "expired_at")
GRAPH_ORDER = {"created_at": "created_at", "graph_id": "graph_id", "name": "name"}


def _owner(conn: Any, body: dict[str, Any]) -> graph.Owner:
    user_id, graph_id = field_str(body, "user_id"), field_str(body, "graph_id")
    if bool(user_id) == bool(graph_id):
        raise HTTPError(400, "give exactly one of user_id or graph_id")
    if user_id:
        return graph.user_owner(conn, user_id)
    assert graph_id is not None
    return graph.graph_owner(conn, graph_id)


def _dates(filters: dict[str, Any], name: str) -> list[list[tuple[str, str | None]]]:
    groups = filters[name]
    if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
        raise HTTPError(400, f"search_filters.{name} must be an array of arrays of date filters")
    out = []
    for group in groups:
        items = []
        for item in group:
            op = item.get("comparison_operator") if isinstance(item, dict) else None
            if op not in DATE_OPERATORS:
                raise HTTPError(
                    400,
                    f"search_filters.{name}: comparison_operator must be one of "
                    + ", ".join(sorted(DATE_OPERATORS)),
                )
            date = parse_time(item.get("date"), f"search_filters.{name}.date")
            if date is None and op not in ("IS NULL", "IS NOT NULL"):
                raise HTTPError(400, f"search_filters.{name}: operator {op} needs a date")
            items.append((str(op), date))
        out.append(items)
    return out


def _query(body: dict[str, Any]) -> GraphQuery:
    text = field_str(body, "query", required=True, empty_ok=False) or ""
    limit = body.get("limit", 10)
    if limit is None:
        limit = 10
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise HTTPError(400, f"limit must be an integer from 1 to {MAX_SEARCH_LIMIT}")
    reranker = field_str(body, "reranker") or "rrf"
    if reranker not in ("rrf", "mmr"):
        raise HTTPError(
            400,
            f"reranker {reranker!r} is not supported by this server; use rrf or mmr",
        )
    mmr_lambda = field_num(body, "mmr_lambda")
    if mmr_lambda is not None and not 0.0 <= mmr_lambda <= 1.0:
        raise HTTPError(400, "mmr_lambda must be between 0 and 1")
    for name in ("center_node_uuid", "bfs_origin_node_uuids"):
        if body.get(name):
            raise HTTPError(400, f"{name} is not supported by this server")
    if body.get("return_raw_results") is not None and not isinstance(
        body["return_raw_results"], bool
    ):
        raise HTTPError(400, "return_raw_results must be a boolean")
    filters = body.get("search_filters") or {}
    if not isinstance(filters, dict):
        raise HTTPError(400, "search_filters must be an object")
    unknown = sorted(k for k, v in filters.items() if v is not None and k not in SUPPORTED_FILTERS)
    if unknown:
        raise HTTPError(
            400,
            f"search_filters {', '.join(unknown)} not supported by this server; supported: "
            + ", ".join(sorted(SUPPORTED_FILTERS)),
        )
    return GraphQuery(
        text=text,
        limit=limit,
        reranker=reranker,
        mmr_lambda=0.5 if mmr_lambda is None else mmr_lambda,
        edge_types=field_strs(filters, "edge_types"),
        exclude_edge_types=field_strs(filters, "exclude_edge_types") or (),
        edge_uuids=field_strs(filters, "edge_uuids"),
        node_labels=field_strs(filters, "node_labels"),
        exclude_node_labels=field_strs(filters, "exclude_node_labels") or (),
        dates={n: _dates(filters, n) for n in _DATE_FIELDS if filters.get(n) is not None},
    )


def _max_characters(body: dict[str, Any]) -> int:
    """``max_characters`` of ``scope="auto"``: default 2,500, at most 50,000."""
    value = body.get("max_characters")
    if value is None:
        return DEFAULT_AUTO_CHARACTERS
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MAX_AUTO_CHARACTERS
    ):
        raise HTTPError(400, f"max_characters must be an integer from 1 to {MAX_AUTO_CHARACTERS}")
    return value


def search(ctx: Ctx) -> tuple[int, Any]:
    """``POST graph/search`` -> ``GraphSearchResults`` with the list of the asked ``scope``."""
    started = time.perf_counter()
    body = ctx.obj()
    scope = field_str(body, "scope") or "edges"
    if scope not in ("edges", "nodes", "episodes", "thread_summaries", "observations", "auto"):
        raise HTTPError(
            400,
            f"scope {scope!r} is not supported by this server; use edges, nodes, episodes,"
            " thread_summaries or auto",
        )
    q = _query(body)
    if scope in ("episodes", "thread_summaries") and (q.node_labels or q.exclude_node_labels):
        raise HTTPError(400, f"node label filters do not apply to {scope}")
    if scope != "edges" and (q.edge_types or q.exclude_edge_types or q.edge_uuids or q.dates):
        raise HTTPError(400, f"edge filters do not apply to scope {scope}")
    hooks = graph_hooks(ctx.env.intelligence)
    with ctx.env.store.read() as conn:
        owner = _owner(conn, body)
        out: dict[str, Any] = {}
        if scope == "edges":
            out["edges"] = search_edges(conn, owner, q, hooks)
        elif scope == "nodes":
            out["nodes"] = search_nodes(conn, owner, q, hooks)
        elif scope == "episodes":
            out["episodes"] = search_episodes(conn, owner, q)
        elif scope == "thread_summaries":
            out["thread_summaries"] = search_thread_summaries(conn, owner, q)
        elif scope == "auto":
            out["context"] = graph_context(
                conn,
                owner,
                q.text,
                hooks,
                with_user_summary=False,
                max_characters=_max_characters(body),
            )
            if body.get("return_raw_results") is True:
                out["edges"] = search_edges(conn, owner, q, hooks)
                out["nodes"] = search_nodes(conn, owner, q, hooks)
        else:
            out["observations"] = []
    out["response"] = {"server_latency_ms": int((time.perf_counter() - started) * 1000)}
    return 200, out


def _episode(body: Any, what: str, document_id: str | None) -> dict[str, Any]:
    """One episode to add, validated (400 naming ``what`` otherwise)."""
    if not isinstance(body, dict):
        raise HTTPError(400, f"{what} must be an object")
    kind = field_str(body, "type", required=True)
    if kind not in ("text", "json", "message"):
        raise HTTPError(
            400, f"{what}.type must be text, json or message (fact_triple is not supported)"
        )
    data = field_str(body, "data", required=True, empty_ok=False) or ""
    if len(data) > MAX_DATA_CHARS:
        raise HTTPError(
            400, f"{what}.data has {len(data)} characters; at most {MAX_DATA_CHARS} per episode"
        )
    if kind == "json":
        try:
            json.loads(data)
        except ValueError as exc:
            raise HTTPError(400, f"{what}.data of type json is not valid JSON: {exc}") from None
    return {
        "source": kind,
        "data": data,
        "created_at": parse_time(body.get("created_at"), f"{what}.created_at"),
        "metadata": metadata_field(body, f"{what}.metadata"),
        "source_description": field_str(body, "source_description"),
        "document_id": field_str(body, "document_id") or document_id,
    }


def _add(ctx: Ctx, body: dict[str, Any], episodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    strict = strict_flag(body)
    now = ctx.now()
    hooks = graph_hooks(ctx.env.intelligence)
    with ctx.env.store.write() as conn:
        owner = _owner(conn, body)
        return [
            graph.add_data_episode(
                conn,
                hooks,
                ctx.env.new_uuid,
                owner,
                source=episode["source"],
                data=episode["data"],
                created_at=episode["created_at"] or now,
                now=now,
                source_description=episode["source_description"],
                metadata=episode["metadata"],
                document_id=episode["document_id"],
                strict_ontology=strict,
            )
            for episode in episodes
        ]


def add_data(ctx: Ctx) -> tuple[int, Any]:
    """``POST graph``: text, json or message data -> the ``Episode`` (facts already extracted)."""
    body = ctx.obj()
    return 200, _add(ctx, body, [_episode(body, "body", None)])[0]


def add_batch(ctx: Ctx) -> tuple[int, Any]:
    """``POST graph-batch`` ``{episodes, user_id | graph_id, document_id}``: all or nothing."""
    body = ctx.obj()
    raw = body.get("episodes")
    if not isinstance(raw, list) or not raw:
        raise HTTPError(400, "episodes must be a non-empty array")
    document_id = field_str(body, "document_id")
    episodes = [_episode(e, f"episodes[{i}]", document_id) for i, e in enumerate(raw)]
    return 200, _add(ctx, body, episodes)


def _graph_json(ctx: Ctx, row: Any) -> dict[str, Any]:
    return {
        "uuid": row["uuid"],
        "id": row["id"],
        "graph_id": row["graph_id"],
        "name": row["name"],
        "description": row["description"],
        "time_zone": row["time_zone"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "project_uuid": ctx.env.project_uuid,
    }


def _find(conn: Any, graph_id: str) -> Any:
    row = conn.execute("SELECT * FROM graphs WHERE graph_id = ?", (graph_id,)).fetchone()
    if row is None:
        raise HTTPError(404, f"graph not found: {graph_id}")
    return row


def create_graph(ctx: Ctx) -> tuple[int, Any]:
    """``POST graph/create`` ``{graph_id, name, description, time_zone}`` -> ``Graph``."""
    body = ctx.obj()
    graph_id = valid_id(body.get("graph_id"), "graph_id")
    texts = [field_str(body, name) for name in ("name", "description", "time_zone")]
    now = ctx.now()
    with ctx.env.store.write() as conn:
        if conn.execute("SELECT 1 FROM graphs WHERE graph_id = ?", (graph_id,)).fetchone():
            raise HTTPError(400, f"graph already exists with graph_id: {graph_id}")
        conn.execute(
            "INSERT INTO graphs(uuid, graph_id, name, description, time_zone, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ctx.env.new_uuid(), graph_id, *texts, now, now),
        )
        return 201, _graph_json(ctx, _find(conn, graph_id))


def get_graph(ctx: Ctx) -> tuple[int, Any]:
    """``GET graph/{graph_id}``."""
    with ctx.env.store.read() as conn:
        return 200, _graph_json(ctx, _find(conn, ctx.args["graph_id"]))


def update_graph(ctx: Ctx) -> tuple[int, Any]:
    """``PATCH graph/{graph_id}``: given fields replace."""
    body = ctx.obj()
    texts = {name: field_str(body, name) for name in ("name", "description", "time_zone")}
    with ctx.env.store.write() as conn:
        row = _find(conn, ctx.args["graph_id"])
        values = [row[name] if value is None else value for name, value in texts.items()]
        conn.execute(
            "UPDATE graphs SET name = ?, description = ?, time_zone = ?, updated_at = ?"
            " WHERE id = ?",
            (*values, ctx.now(), row["id"]),
        )
        return 200, _graph_json(ctx, _find(conn, ctx.args["graph_id"]))


def delete_graph(ctx: Ctx) -> tuple[int, Any]:
    """``DELETE graph/{graph_id}``: with its episodes and edges (cascade)."""
    with ctx.env.store.write() as conn:
        row = _find(conn, ctx.args["graph_id"])
        conn.execute("DELETE FROM graphs WHERE id = ?", (row["id"],))
    return 200, {"message": "OK"}


def list_graphs(ctx: Ctx) -> tuple[int, Any]:
    """``GET graph/list-all?pageNumber&pageSize&search&order_by&asc`` -> ``GraphListResponse``."""
    page_number = ctx.q_int("pageNumber", "page_number", minimum=1) or 1
    page_size = ctx.q_int("pageSize", "page_size", minimum=1)
    order_by = ctx.q("order_by")
    if order_by is not None and order_by not in GRAPH_ORDER:
        raise HTTPError(400, f"order_by must be one of {', '.join(GRAPH_ORDER)}")
    direction = "ASC" if ctx.q_bool("asc") else "DESC"
    where, args = "", []
    if ctx.q("search"):
        pattern = "%" + str(ctx.q("search")).replace("\\", "\\\\").replace("%", "\\%") + "%"
        where = " WHERE graph_id LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\'"
        args = [pattern, pattern]
    column = GRAPH_ORDER[order_by] if order_by else "id"
    sql = f"SELECT * FROM graphs{where} ORDER BY {column} {direction}, id {direction}"
    page_args: list[Any] = []
    if page_size is not None:
        sql += " LIMIT ? OFFSET ?"
        page_args = [sql_int(page_size), sql_int((page_number - 1) * page_size)]
    with ctx.env.store.read() as conn:
        total = conn.execute(f"SELECT count(*) FROM graphs{where}", args).fetchone()[0]
        graphs = [_graph_json(ctx, row) for row in conn.execute(sql, [*args, *page_args])]
    return 200, {
        "graphs": graphs,
        "page_number": page_number,
        "page_size": page_size,
        "row_count": len(graphs),
        "total_count": total,
    }


ROUTES = [
    # Literal paths before graph/{graph_id}.
    Route("POST", "graph/search", search),
    Route("POST", "graph/create", create_graph),
    Route("GET", "graph/list-all", list_graphs),
    Route("POST", "graph", add_data),
    Route("POST", "graph-batch", add_batch),
    Route("GET", "graph/{graph_id}", get_graph),
    Route("PATCH", "graph/{graph_id}", update_graph),
    Route("DELETE", "graph/{graph_id}", delete_graph),
]
