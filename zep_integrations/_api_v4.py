"""Sans-IO description of the Zep v4 API: one function per endpoint, returning a Call.

Contract: the ``raw_client.py`` files of zep-cloud 4.0.1 (``zep_cloud/{user,thread,
thread/message,lookup,graph,graph/edge,graph/node,graph/episode,task}/raw_client.py``),
summarised in ``zep-api-today.md`` section 4. Base path ``/api/v4``; users, threads and graphs
are addressed by server UUIDs; lists are cursor pages.

Every create and mutation carries an ``Idempotency-Key`` (one per call object, so every resend
of it reuses the key), which is what makes v4 writes safe to resend after a timeout or a 5xx:
they are marked :attr:`Retry.IDEMPOTENT`, unlike v2/v3 writes. Each function's name is the
client method that runs it (``client.v4.<name>``). Graph endpoints are in
:mod:`zep_integrations._api_v4_graph`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from zep_integrations import models_v4 as m4
from zep_integrations._api import (
    MAX_MESSAGES_PER_WRITE,
    Call,
    Flow,
    Sleep,
    _body,
    _check_json,
    _check_limit,
    _meta,
    _model,
    _params,
    chunks,
    segment,
)
from zep_integrations.errors import TaskFailedError
from zep_integrations.models import ZepModel

T = TypeVar("T")
API = "v4"


def _call(op: str, method: str, path: str, parse: Any, **kwargs: Any) -> Call[Any]:
    return Call(method, path, parse, api=API, op=op, **kwargs)


def _write(op: str, method: str, path: str, parse: Any, **kwargs: Any) -> Call[Any]:
    # A fresh key per logical request; the retry loop resends this same Call, hence this key.
    return Call(method, path, parse, api=API, op=op, idempotency_key=str(uuid.uuid4()), **kwargs)


def _page(item: type[ZepModel]) -> Any:
    return _model(m4.Page[item])  # type: ignore[valid-type]


def _paging(page_size: int | None, cursor: str | None, **more: Any) -> dict[str, str]:
    _check_limit(page_size)
    return _params(page_size=page_size, cursor=cursor, **more)


# -- users (zep_cloud/user/raw_client.py) ---------------------------------------------------


def create_user(
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    time_zone: str | None = None,
    disable_default_ontology: bool | None = None,
    user_id: str | None = None,
) -> Call[m4.User]:
    """``user.create`` (201): the caller stores the returned ``uuid`` and ``graph_uuid``."""
    body = _body(
        disable_default_ontology=disable_default_ontology,
        email=email,
        first_name=first_name,
        last_name=last_name,
        metadata=_meta(metadata),
        time_zone=time_zone,
        user_id=user_id,
    )
    return _write("create_user", "POST", "users", _model(m4.User), body=body)


def get_user(user_uuid: str) -> Call[m4.User]:
    return _call("get_user", "GET", f"users/{segment(user_uuid, 'user_uuid')}", _model(m4.User))


def update_user(
    user_uuid: str,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    time_zone: str | None = None,
    disable_default_ontology: bool | None = None,
) -> Call[m4.User]:
    body = _body(
        disable_default_ontology=disable_default_ontology,
        email=email,
        first_name=first_name,
        last_name=last_name,
        metadata=_meta(metadata),
        time_zone=time_zone,
    )
    path = f"users/{segment(user_uuid, 'user_uuid')}"
    return _write("update_user", "PATCH", path, _model(m4.User), body=body)


def delete_user(user_uuid: str) -> Call[m4.AsyncResult]:
    path = f"users/{segment(user_uuid, 'user_uuid')}"
    return _write("delete_user", "DELETE", path, _model(m4.AsyncResult))


def list_users(
    *,
    page_size: int | None = None,
    cursor: str | None = None,
    order_by: str | None = None,
    order: str | None = None,
    search: str | None = None,
) -> Call[m4.Page[m4.User]]:
    params = _paging(page_size, cursor, order_by=order_by, order=order)
    return _write(
        "list_users",
        "POST",
        "users/list",
        _page(m4.User),
        params=params,
        body=_body(search=search) or None,
    )


def get_user_node(user_uuid: str) -> Call[m4.Node]:
    path = f"users/{segment(user_uuid, 'user_uuid')}/node"
    return _call("get_user_node", "GET", path, _model(m4.Node))


def _lookup(op: str, path: str, parse: Any, **ids: str | None) -> Call[Any]:
    given = {key: value for key, value in ids.items() if value is not None}
    if len(given) != 1:
        raise ValueError(f"{op} needs exactly one of user_id, thread_id or graph_id")
    for key, value in given.items():
        segment(value, key)
    return _write(op, "POST", path, parse, body=given)


def lookup_user(
    *, user_id: str | None = None, thread_id: str | None = None, graph_id: str | None = None
) -> Call[m4.User]:
    """``user.lookup``: the user behind a v3 user, thread or graph id (404 when none)."""
    return _lookup(
        "lookup_user",
        "users/lookup",
        _model(m4.User),
        graph_id=graph_id,
        thread_id=thread_id,
        user_id=user_id,
    )


def lookup_thread(
    *, thread_id: str | None = None, user_id: str | None = None, graph_id: str | None = None
) -> Call[m4.Thread]:
    """``thread.lookup``: the thread created through v3 with ``thread_id`` (404 when none)."""
    return _lookup(
        "lookup_thread",
        "threads/lookup",
        _model(m4.Thread),
        graph_id=graph_id,
        thread_id=thread_id,
        user_id=user_id,
    )


def lookup_graph(
    *, graph_id: str | None = None, user_id: str | None = None, thread_id: str | None = None
) -> Call[m4.Graph]:
    """``graph.lookup``: the graph of a v3 graph id, or a v3 user's graph."""
    return _lookup(
        "lookup_graph",
        "graphs/lookup",
        _model(m4.Graph),
        graph_id=graph_id,
        thread_id=thread_id,
        user_id=user_id,
    )


def lookup(
    *,
    users: Sequence[str] | None = None,
    threads: Sequence[str] | None = None,
    graphs: Sequence[str] | None = None,
) -> Call[m4.LookupBatchResponse]:
    """``lookup.batch``: resolve many v3 ids at once."""
    body = _body(
        graphs=list(graphs) if graphs is not None else None,
        threads=list(threads) if threads is not None else None,
        users=list(users) if users is not None else None,
    )
    return _write("lookup", "POST", "lookup", _model(m4.LookupBatchResponse), body=body)


# -- threads and messages (zep_cloud/thread/raw_client.py, thread/message) ------------------


def create_thread(user_uuid: str) -> Call[m4.Thread]:
    """``thread.create`` (201): the thread's UUID is chosen by the server; store it."""
    segment(user_uuid, "user_uuid")
    return _write(
        "create_thread", "POST", "threads", _model(m4.Thread), body={"user_uuid": user_uuid}
    )


def get_thread(thread_uuid: str) -> Call[m4.Thread]:
    path = f"threads/{segment(thread_uuid, 'thread_uuid')}"
    return _call("get_thread", "GET", path, _model(m4.Thread))


def delete_thread(thread_uuid: str) -> Call[m4.AsyncResult]:
    path = f"threads/{segment(thread_uuid, 'thread_uuid')}"
    return _write("delete_thread", "DELETE", path, _model(m4.AsyncResult))


def list_threads(
    *,
    page_size: int | None = None,
    cursor: str | None = None,
    order_by: str | None = None,
    order: str | None = None,
    user_uuid: str | None = None,
) -> Call[m4.Page[m4.Thread]]:
    params = _paging(page_size, cursor, order_by=order_by, order=order, user_uuid=user_uuid)
    return _call("list_threads", "GET", "threads", _page(m4.Thread), params=params)


def list_messages(
    thread_uuid: str,
    *,
    page_size: int | None = None,
    cursor: str | None = None,
    order_by: str | None = None,
    order: str | None = None,
) -> Call[m4.Page[m4.Message]]:
    """``thread.list_messages``: one page; ``order="desc"`` reads the newest first."""
    path = f"threads/{segment(thread_uuid, 'thread_uuid')}/messages"
    params = _paging(page_size, cursor, order_by=order_by, order=order)
    return _call("list_messages", "GET", path, _page(m4.Message), params=params)


def message_to_wire(message: m4.Message | Mapping[str, Any]) -> dict[str, Any]:
    """Validate one v4 ``AddMessage`` and return its JSON form.

    Fields: ``role``, ``content``, ``name``, ``metadata``, ``reference_time``; ``uuid`` must stay
    unset because the server assigns it.

    Raises:
        TypeError: the message, its content or its metadata has the wrong type.
        ValueError: ``role`` is missing or unknown, or a ``uuid`` was given.
    """
    if isinstance(message, m4.Message):
        data = message.to_wire()
    elif isinstance(message, Mapping):
        data = {key: value for key, value in message.items() if value is not None}
    else:
        raise TypeError(
            "messages must be zep_integrations.models_v4.Message objects or dicts, "
            f"got {type(message).__name__}"
        )
    if not isinstance(data.get("content"), str):
        raise TypeError(f"message content must be a str, got {type(data.get('content')).__name__}")
    if data.get("role") not in m4.ROLES:
        raise ValueError(
            f"message role must be one of {', '.join(m4.ROLES)}; got {data.get('role')!r}"
        )
    if "uuid" in data:
        raise ValueError("v4 assigns message UUIDs itself: leave 'uuid' unset when adding")
    return data


def add_messages(
    thread_uuid: str,
    messages: Sequence[m4.Message | Mapping[str, Any]],
    *,
    ignore_roles: Sequence[str] | None = None,
    return_context: bool | None = None,
    strict_ontology: bool | None = None,
    json_checked: bool = False,
) -> list[Call[m4.AddMessagesResult]]:
    """Build the write of ``messages`` (202): one call per 30, every message validated first.

    ``json_checked=True`` skips the JSON-value walk, as in :func:`_api_v3.add_messages`.
    """
    path = f"threads/{segment(thread_uuid, 'thread_uuid')}/messages"
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Sequence):
        raise TypeError("messages must be a list of Message objects or dicts")
    if not messages:
        raise ValueError("add_messages needs at least one message")
    wire = [message_to_wire(message) for message in messages]
    if not json_checked:
        _check_json(wire, "messages")
    parts = chunks(wire, MAX_MESSAGES_PER_WRITE)
    return [
        _write(
            "add_messages",
            "POST",
            path,
            _model(m4.AddMessagesResult),
            body=_body(
                ignore_roles=list(ignore_roles) if ignore_roles is not None else None,
                messages=list(part),
                return_context=return_context if index == len(parts) - 1 else None,
                strict_ontology=strict_ontology,
            ),
        )
        for index, part in enumerate(parts)
    ]


def _message_path(thread_uuid: str, message_uuid: str) -> str:
    return (
        f"threads/{segment(thread_uuid, 'thread_uuid')}"
        f"/messages/{segment(message_uuid, 'message_uuid')}"
    )


def get_message(thread_uuid: str, message_uuid: str) -> Call[m4.Message]:
    path = _message_path(thread_uuid, message_uuid)
    return _call("get_message", "GET", path, _model(m4.Message))


def update_message_metadata(
    thread_uuid: str, message_uuid: str, metadata: Mapping[str, Any]
) -> Call[m4.Message]:
    body = {"metadata": _check_json(dict(metadata), "metadata")}
    path = _message_path(thread_uuid, message_uuid)
    return _write("update_message_metadata", "PATCH", path, _model(m4.Message), body=body)


def get_thread_context(
    thread_uuid: str, *, template_uuid: str | None = None
) -> Call[m4.ThreadContextResponse]:
    path = f"threads/{segment(thread_uuid, 'thread_uuid')}/context"
    params = _params(template_uuid=template_uuid)
    return _call("get_thread_context", "GET", path, _model(m4.ThreadContextResponse), params=params)


def get_thread_summary(thread_uuid: str) -> Call[m4.ThreadSummary]:
    path = f"threads/{segment(thread_uuid, 'thread_uuid')}/summary"
    return _call("get_thread_summary", "GET", path, _model(m4.ThreadSummary))


def list_thread_episodes(
    thread_uuid: str, *, page_size: int | None = None, cursor: str | None = None
) -> Call[m4.Page[m4.Episode]]:
    path = f"threads/{segment(thread_uuid, 'thread_uuid')}/episodes"
    return _call(
        "list_thread_episodes", "GET", path, _page(m4.Episode), params=_paging(page_size, cursor)
    )


# -- tasks (zep_cloud/task/raw_client.py) ---------------------------------------------------


def get_task(task_uuid: str) -> Call[m4.Task]:
    return _call("get_task", "GET", f"tasks/{segment(task_uuid, 'task_uuid')}", _model(m4.Task))


def list_tasks(
    *,
    page_size: int | None = None,
    cursor: str | None = None,
    status: str | None = None,
    type: str | None = None,
) -> Call[m4.Page[m4.Task]]:
    params = _paging(page_size, cursor, status=status, type=type)
    return _call("list_tasks", "GET", "tasks", _page(m4.Task), params=params)


OPERATIONS: tuple[str, ...] = tuple(
    name
    for name, value in sorted(globals().items())
    if callable(value)
    and getattr(value, "__module__", None) == __name__
    and not name.startswith("_")
    and name not in ("message_to_wire", "wait_for_task", "send_and_wait")
)
"""Every v4 operation this module builds (each is ``client.v4.<name>``)."""


# -- flows: task polling --------------------------------------------------------------------

POLL_INTERVAL = 0.25
POLL_INTERVAL_MAX = 2.0
WAIT_TIMEOUT = 120.0


def wait_for_task(task_uuid: str, *, timeout: float = WAIT_TIMEOUT) -> Flow[m4.Task]:
    """Poll ``GET tasks/{uuid}`` (backing off from 0.25 s to 2 s) until the task ends.

    Raises:
        TaskFailedError: the task ended ``failed``, or had not ended after ``timeout`` seconds.
    """
    waited, interval = 0.0, POLL_INTERVAL
    while True:
        task: m4.Task = yield get_task(task_uuid)
        if task.status in m4.TASK_DONE:
            if task.status == "failed":
                raise TaskFailedError(f"task {task_uuid} failed: {task.error}", task)
            return task
        if waited >= timeout:
            raise TaskFailedError(
                f"task {task_uuid} still {task.status!r} after {timeout:.0f} s", task
            )
        yield Sleep(interval)
        waited += interval
        interval = min(interval * 2, POLL_INTERVAL_MAX)


def send_and_wait(calls: Sequence[Call[T]], wait: bool) -> Flow[T]:
    """Send ``calls`` in order; with ``wait``, then wait for every task they started."""
    results: list[T] = []
    for call in calls:
        results.append((yield call))
    if wait:
        for result in results:
            task = getattr(result, "task", None)
            if task is None or not task.uuid:
                continue
            if task.status == "failed":
                raise TaskFailedError(f"task {task.uuid} failed: {task.error}", task)
            if task.status not in m4.TASK_DONE:  # already over: no poll needed
                result.task = yield from wait_for_task(task.uuid)  # type: ignore[attr-defined]
    return results[-1]
