"""Database rows to wire JSON (``zep-api-v2.md`` section 3), plus small shared helpers."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from zep_integrations.server.storage import loads

__all__ = [
    "collection_json",
    "deep_merge",
    "document_json",
    "fact_json",
    "message_json",
    "rfc3339",
    "session_json",
    "summary_json",
    "token_count",
    "user_json",
]

_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def rfc3339(moment: datetime) -> str:
    """RFC 3339 UTC timestamp with microseconds and ``Z`` (section 1, "Timestamps")."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token_count(text: str) -> int:
    """Approximate token count: words and punctuation marks (no tokenizer dependency)."""
    return len(_WORD.findall(text))


def deep_merge(base: Mapping[str, Any] | None, patch: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``patch`` into ``base``: nested maps merge, other values overwrite (section 4.1)."""
    merged: dict[str, Any] = dict(base or {})
    for key, value in patch.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def session_json(row: sqlite3.Row, project_uuid: str) -> dict[str, Any]:
    """A Session object."""
    return {
        "uuid": row["uuid"],
        "id": row["id"],
        "session_id": row["session_id"],
        "user_id": row["user_id"],
        "metadata": loads(row["metadata"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "deleted_at": None,
        "ended_at": row["ended_at"],
        "project_uuid": project_uuid,
        "classifications": loads(row["classifications"]),
        "fact_rating_instruction": loads(row["fact_rating_instruction"]),
    }


def user_json(row: sqlite3.Row, project_uuid: str, session_count: int) -> dict[str, Any]:
    """A User object."""
    return {
        "uuid": row["uuid"],
        "id": row["id"],
        "user_id": row["user_id"],
        "email": row["email"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "metadata": loads(row["metadata"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "deleted_at": None,
        "project_uuid": project_uuid,
        "session_count": session_count,
        "fact_rating_instruction": loads(row["fact_rating_instruction"]),
    }


def message_json(row: sqlite3.Row) -> dict[str, Any]:
    """A Message object."""
    return {
        "uuid": row["uuid"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "role": row["role"],
        "role_type": row["role_type"],
        "content": row["content"],
        "metadata": loads(row["metadata"]),
        "token_count": row["token_count"],
        "processed": True,
    }


def fact_json(row: sqlite3.Row) -> dict[str, Any]:
    """A Fact: both ``fact`` and ``content`` (zep-cloud requires both, section 3)."""
    return {
        "uuid": row["uuid"],
        "fact": row["content"],
        "content": row["content"],
        "created_at": row["created_at"],
        "rating": row["rating"],
    }


def summary_json(row: sqlite3.Row) -> dict[str, Any]:
    """A Summary object."""
    return {
        "uuid": row["uuid"],
        "content": row["content"],
        "created_at": row["created_at"],
        "metadata": loads(row["metadata"]),
        "related_message_uuids": loads(row["related_message_uuids"]) or [],
        "token_count": row["token_count"],
    }


def collection_json(row: sqlite3.Row, counts: tuple[int, int], dims: int | None) -> dict[str, Any]:
    """A DocumentCollection object; ``counts`` is (documents, documents searchable).

    Zep embeds documents in the background and reports progress in ``document_embedded_count``;
    the official examples poll until it equals ``document_count``. Here a document is indexed
    for search in the transaction that stores it, so every stored document counts as embedded.
    """
    return {
        "uuid": row["uuid"],
        "name": row["name"],
        "description": row["description"],
        "metadata": loads(row["metadata"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "document_count": counts[0],
        "document_embedded_count": counts[1],
        "embedding_dimensions": dims,
        "embedding_model_name": None,
        "is_auto_embedded": False,
        "is_indexed": True,
        "is_normalized": False,
    }


def document_json(row: sqlite3.Row, score: float | None = None) -> dict[str, Any]:
    """A Document object (search hits add ``score``)."""
    embedding = loads(row["embedding"])
    out: dict[str, Any] = {
        "uuid": row["uuid"],
        "document_id": row["document_id"],
        "content": row["content"],
        "metadata": loads(row["metadata"]),
        "embedding": embedding,
        # Searchable from the moment it is stored (see collection_json).
        "is_embedded": True,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    if score is not None:
        out["score"] = score
    return out
