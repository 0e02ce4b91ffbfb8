"""Messages and search hits between the adapters' v2 shapes and the v3/v4 wire shapes.

Lossless both ways: v3/v4 ``role``/``name`` carry v2 ``role_type``/``role``; v4's missing
``norole`` and v3/v4's scalar-only metadata values are bridged with marker keys that are removed
again on read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from zep_integrations import models as m
from zep_integrations import models_v3 as m3
from zep_integrations import models_v4 as m4

_ROLE_KEY = "zep_role_type"
"""v4 has no ``norole``: such messages are sent as ``user`` with this metadata key, restored on
read, so a round trip is lossless."""
_JSON_KEY = "zep_json_keys"
"""v3/v4 metadata values must be scalars or arrays of scalars (``zep-api-today.md`` 3.3); the
adapters keep nested values (LangChain/LlamaIndex message payloads), so those are stored as JSON
strings and listed under this key, then decoded on read: a lossless round trip."""


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _encode_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    nested = [
        key
        for key, value in metadata.items()
        if not (_scalar(value) or (isinstance(value, list) and all(map(_scalar, value))))
    ]
    if not nested:
        return metadata
    out = {key: json.dumps(value) if key in nested else value for key, value in metadata.items()}
    out[_JSON_KEY] = nested
    return out


def _decode_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    nested = metadata.pop(_JSON_KEY, None)
    if isinstance(nested, list):
        for key in nested:
            if isinstance(metadata.get(key), str):
                metadata[key] = json.loads(metadata[key])
    return metadata


def to_thread_message(data: Mapping[str, Any], version: str) -> dict[str, Any]:
    """A validated v2 message dict (``role_type``, ``role``) as a v3/v4 message."""
    out: dict[str, Any] = {"role": data.get("role_type"), "content": data["content"]}
    if data.get("role") is not None:
        out["name"] = data["role"]
    metadata = dict(data["metadata"]) if data.get("metadata") else None
    if version == "v4" and out["role"] == "norole":
        out["role"] = "user"
        metadata = {**(metadata or {}), _ROLE_KEY: "norole"}
    if metadata:
        out["metadata"] = _encode_metadata(metadata)
    if data.get("created_at") is not None:
        out["reference_time" if version == "v4" else "created_at"] = data["created_at"]
    return out


def from_thread_message(message: m3.Message | m4.Message) -> m.Message:
    """A v3/v4 message in the v2 shape the adapters read."""
    metadata = _decode_metadata(dict(message.metadata)) if message.metadata else None
    role_type = message.role
    if metadata and metadata.get(_ROLE_KEY) == "norole":
        role_type = "norole"
        del metadata[_ROLE_KEY]
    return m.Message(
        content=message.content,
        role_type=role_type,
        role=message.name,
        metadata=metadata or None,
        uuid=message.uuid,
        created_at=message.created_at,
    )


def search_hit(hit: Any, scope: str, session_id: str | None) -> m.SessionSearchResult:
    """One v3/v4 search item (edge, thread summary or episode) as a v2 search result."""
    score = getattr(hit, "score", None)
    if scope == "edges":
        fact = m.Fact(
            uuid=hit.uuid,
            fact=hit.fact,
            name=hit.name,
            created_at=hit.created_at,
            valid_at=hit.valid_at,
            invalid_at=hit.invalid_at,
            expired_at=hit.expired_at,
        )
        return m.SessionSearchResult(session_id=session_id, fact=fact, score=score)
    if scope == "thread_summaries":
        data = hit if isinstance(hit, Mapping) else hit.model_dump()
        summary = m.Summary(uuid=data.get("uuid"), content=data.get("summary"))
        return m.SessionSearchResult(session_id=session_id, summary=summary, score=score)
    role_type = getattr(hit, "role_type", None) or (hit.role if hasattr(hit, "role_name") else None)
    name = getattr(hit, "role_name", None) or (None if hasattr(hit, "role_name") else hit.role)
    metadata = _decode_metadata(dict(hit.metadata)) if hit.metadata else None
    if metadata and metadata.get(_ROLE_KEY) == "norole":
        role_type = "norole"
        del metadata[_ROLE_KEY]
    message = m.Message(
        content=hit.content or "",
        role_type=role_type,
        role=name,
        metadata=metadata or None,
        uuid=hit.uuid,
        created_at=hit.created_at,
    )
    thread = getattr(hit, "thread_id", None) or getattr(hit, "thread_uuid", None)
    return m.SessionSearchResult(session_id=session_id or thread, message=message, score=score)
