"""Sans-IO description of the Zep v3 "threads" API: one function per endpoint, returning a Call.

Contract: the ``raw_client.py`` files of zep-cloud 3.30.0 (``zep_cloud/{user,thread,
thread/message,graph,graph/edge,graph/node,graph/episode,context,task}/raw_client.py``),
summarised in ``zep-api-today.md`` section 3. The base path is still ``/api/v2``. Writes keep
v2's rule: never resent once the server may have applied them (v3 has no idempotency keys).
Each function's name is the client method that runs it (``client.v3.<name>``). Graph
endpoints are in :mod:`zep_integrations._api_v3_graph`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zep_integrations import models_v3 as m3
from zep_integrations._api import (
    MAX_MESSAGES_PER_WRITE,
    Call,
    Retry,
    _body,
    _check_json,
    _check_limit,
    _meta,
    _model,
    _model_list,
    _params,
    chunks,
    segment,
)

API = "v3"


def _call(op: str, method: str, path: str, parse: Any, **kwargs: Any) -> Call[Any]:
    return Call(method, path, parse, api=API, op=op, **kwargs)


# -- users (zep_cloud/user/raw_client.py) ---------------------------------------------------


def add_user(
    user_id: str,
    *,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    time_zone: str | None = None,
    disable_default_ontology: bool | None = None,
) -> Call[m3.User]:
    segment(user_id, "user_id")
    body = _body(
        disable_default_ontology=disable_default_ontology,
        email=email,
        first_name=first_name,
        last_name=last_name,
        metadata=_meta(metadata),
        time_zone=time_zone,
        user_id=user_id,
    )
    return _call("add_user", "POST", "users", _model(m3.User), body=body, retry=Retry.UNAPPLIED)


def get_user(user_id: str) -> Call[m3.User]:
    return _call("get_user", "GET", f"users/{segment(user_id, 'user_id')}", _model(m3.User))


def update_user(
    user_id: str,
    *,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    time_zone: str | None = None,
    disable_default_ontology: bool | None = None,
) -> Call[m3.User]:
    body = _body(
        disable_default_ontology=disable_default_ontology,
        email=email,
        first_name=first_name,
        last_name=last_name,
        metadata=_meta(metadata),
        time_zone=time_zone,
    )
    path = f"users/{segment(user_id, 'user_id')}"
    return _call("update_user", "PATCH", path, _model(m3.User), body=body)


def delete_user(user_id: str) -> Call[m3.SuccessResponse]:
    path = f"users/{segment(user_id, 'user_id')}"
    return _call("delete_user", "DELETE", path, _model(m3.SuccessResponse))


def list_users(
    *,
    page_number: int | None = None,
    page_size: int | None = None,
    search: str | None = None,
    order_by: str | None = None,
    asc: bool | None = None,
) -> Call[m3.UserListResponse]:
    params = _params(
        pageNumber=page_number, pageSize=page_size, search=search, order_by=order_by, asc=asc
    )
    return _call("list_users", "GET", "users-ordered", _model(m3.UserListResponse), params=params)


def get_user_node(user_id: str) -> Call[m3.UserNodeResponse]:
    path = f"users/{segment(user_id, 'user_id')}/node"
    return _call("get_user_node", "GET", path, _model(m3.UserNodeResponse))


def get_user_threads(user_id: str) -> Call[list[m3.Thread]]:
    path = f"users/{segment(user_id, 'user_id')}/threads"
    return _call("get_user_threads", "GET", path, _model_list(m3.Thread))


# -- threads and messages (zep_cloud/thread/raw_client.py, thread/message) ------------------


def create_thread(thread_id: str, user_id: str) -> Call[m3.Thread]:
    segment(thread_id, "thread_id")
    segment(user_id, "user_id")
    body = {"thread_id": thread_id, "user_id": user_id}
    return _call(
        "create_thread", "POST", "threads", _model(m3.Thread), body=body, retry=Retry.UNAPPLIED
    )


def delete_thread(thread_id: str) -> Call[m3.SuccessResponse]:
    path = f"threads/{segment(thread_id, 'thread_id')}"
    return _call("delete_thread", "DELETE", path, _model(m3.SuccessResponse))


def list_threads(
    *,
    page_number: int | None = None,
    page_size: int | None = None,
    order_by: str | None = None,
    asc: bool | None = None,
) -> Call[m3.ThreadListResponse]:
    # Unlike users-ordered, GET threads spells its paging snake_case (thread/raw_client.py).
    params = _params(page_number=page_number, page_size=page_size, order_by=order_by, asc=asc)
    return _call("list_threads", "GET", "threads", _model(m3.ThreadListResponse), params=params)


def get_messages(
    thread_id: str,
    *,
    limit: int | None = None,
    cursor: int | None = None,
    lastn: int | None = None,
) -> Call[m3.MessageListResponse]:
    """``thread.get``: ``lastn`` (the newest n, oldest first) overrides ``limit``/``cursor``."""
    _check_limit(limit)
    _check_limit(lastn)
    path = f"threads/{segment(thread_id, 'thread_id')}/messages"
    params = _params(limit=limit, cursor=cursor, lastn=lastn)
    return _call("get_messages", "GET", path, _model(m3.MessageListResponse), params=params)


def message_to_wire(message: m3.Message | Mapping[str, Any]) -> dict[str, Any]:
    """Validate one v3 message (``role``, ``content``, optional ``name``/``metadata``).

    Raises:
        TypeError: the message, its content or its metadata has the wrong type.
        ValueError: ``role`` is missing or unknown.
    """
    if isinstance(message, m3.Message):
        data = message.to_wire()
    elif isinstance(message, Mapping):
        data = {key: value for key, value in message.items() if value is not None}
    else:
        raise TypeError(
            "messages must be zep_integrations.models_v3.Message objects or dicts, "
            f"got {type(message).__name__}"
        )
    if not isinstance(data.get("content"), str):
        raise TypeError(f"message content must be a str, got {type(data.get('content')).__name__}")
    if data.get("role") not in m3.ROLES:
        raise ValueError(
            f"message role must be one of {', '.join(m3.ROLES)}; got {data.get('role')!r}"
        )
    return data


def add_messages(
    thread_id: str,
    messages: Sequence[m3.Message | Mapping[str, Any]],
    *,
    ignore_roles: Sequence[str] | None = None,
    return_context: bool | None = None,
    strict_ontology: bool | None = None,
    json_checked: bool = False,
) -> list[Call[m3.AddThreadMessagesResponse]]:
    """Build the write of ``messages``: one call per 30, every message validated first.

    ``json_checked=True`` skips the walk that checks every value is JSON (the limits of
    :func:`~zep_integrations._limits.check_json_value`): for messages whose values were already
    checked, as the session seam checks them in their v2 shape before converting them.
    """
    path = f"threads/{segment(thread_id, 'thread_id')}/messages"
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Sequence):
        raise TypeError("messages must be a list of Message objects or dicts")
    if not messages:
        raise ValueError("add_messages needs at least one message")
    wire = [message_to_wire(message) for message in messages]
    if not json_checked:
        _check_json(wire, "messages")
    if ignore_roles is not None and any(role not in m3.ROLES for role in ignore_roles):
        raise ValueError(f"ignore_roles must be roles ({', '.join(m3.ROLES)}): {ignore_roles}")
    parts = chunks(wire, MAX_MESSAGES_PER_WRITE)
    return [
        _call(
            "add_messages",
            "POST",
            path,
            _model(m3.AddThreadMessagesResponse),
            body=_body(
                ignore_roles=list(ignore_roles) if ignore_roles is not None else None,
                messages=list(part),
                # Only the last chunk's context is about the newest messages.
                return_context=return_context if index == len(parts) - 1 else None,
                strict_ontology=strict_ontology,
            ),
            retry=Retry.UNAPPLIED,
        )
        for index, part in enumerate(parts)
    ]


def update_message_metadata(message_uuid: str, metadata: Mapping[str, Any]) -> Call[m3.Message]:
    path = f"messages/{segment(message_uuid, 'message_uuid')}"
    body = {"metadata": _check_json(dict(metadata), "metadata")}
    return _call("update_message_metadata", "PATCH", path, _model(m3.Message), body=body)


def get_thread_context(
    thread_id: str, *, template_id: str | None = None
) -> Call[m3.ThreadContextResponse]:
    """``thread.get_user_context``: the context block for the thread's latest messages."""
    path = f"threads/{segment(thread_id, 'thread_id')}/context"
    return _call(
        "get_thread_context",
        "GET",
        path,
        _model(m3.ThreadContextResponse),
        params=_params(template_id=template_id),
    )


def get_thread_summary(thread_id: str) -> Call[m3.ThreadSummary]:
    path = f"threads/{segment(thread_id, 'thread_id')}/summary"
    return _call("get_thread_summary", "GET", path, _model(m3.ThreadSummary))


def get_thread_episodes(thread_id: str) -> Call[m3.EpisodeResponse]:
    path = f"threads/{segment(thread_id, 'thread_id')}/episodes"
    return _call("get_thread_episodes", "GET", path, _model(m3.EpisodeResponse))


# -- tasks (zep_cloud/task/raw_client.py) ---------------------------------------------------


def get_task(task_id: str) -> Call[m3.Task]:
    return _call("get_task", "GET", f"tasks/{segment(task_id, 'task_id')}", _model(m3.Task))


OPERATIONS: tuple[str, ...] = tuple(
    name
    for name, value in sorted(globals().items())
    if callable(value)
    and getattr(value, "__module__", None) == __name__
    and not name.startswith("_")
    and name != "message_to_wire"
)
"""Every v3 operation this module builds (each is ``client.v3.<name>``)."""

__all__ = [*OPERATIONS, "message_to_wire"]
