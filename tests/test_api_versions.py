"""api_version: resolution, repr, refusal before any request, operations per version, v4 errors."""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
import pytest

from zep_integrations import AsyncZepClient, ZepClient, _sessions
from zep_integrations._aclient_v3 import AsyncV3
from zep_integrations._aclient_v4 import AsyncV4
from zep_integrations._client_v3 import V3
from zep_integrations._client_v4 import V4
from zep_integrations._operations import OPERATIONS
from zep_integrations.errors import (
    BadRequestError,
    PartialWriteError,
    TaskFailedError,
    UnsupportedOperationError,
)


def _client(handler: Any, **kwargs: Any) -> ZepClient:
    return ZepClient(
        api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)), **kwargs
    )


@pytest.mark.parametrize(
    ("kwargs", "env", "version", "base"),
    [
        ({"api_key": "k"}, {}, "v3", "https://api.getzep.com/api/v2/"),
        ({"api_key": "k", "api_version": "v4"}, {}, "v4", "https://api.getzep.com/api/v4/"),
        ({"api_key": "k"}, {"ZEP_API_VERSION": "v4"}, "v4", "https://api.getzep.com/api/v4/"),
        ({"api_key": "k", "api_version": "v3"}, {"ZEP_API_VERSION": "v4"}, "v3", None),
        ({"base_url": "https://z.example/api/v4"}, {}, "v4", "https://z.example/api/v4/"),
        ({"base_url": "http://127.0.0.1:8000"}, {}, "v2", "http://127.0.0.1:8000/api/v2/"),
        ({}, {"ZEP_API_URL": "https://z.example/api/v4"}, "v4", None),
        ({}, {}, "v2", None),
    ],
)
def test_api_version_resolution(
    monkeypatch: pytest.MonkeyPatch,
    kwargs: dict[str, Any],
    env: dict[str, str],
    version: str,
    base: str | None,
) -> None:
    """Argument > ZEP_API_VERSION > URL suffix > default (v3 on Zep Cloud, else v2)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for cls in (ZepClient, AsyncZepClient):
        client = cls(**kwargs)
        assert client.api_version == version
        assert f"api_version={version!r}" in repr(client)
        if base is not None:
            assert client.base_url == base


@pytest.mark.parametrize(
    "kwargs",
    [
        {"api_key": "k", "api_version": "v5"},
        {"base_url": "https://z.example/api/v4", "api_version": "v3"},
        {"base_url": "https://z.example/api/v2", "api_version": "v4"},
    ],
)
def test_bad_or_contradictory_version_is_a_clear_value_error(kwargs: dict[str, Any]) -> None:
    """An unknown version, or one the URL contradicts, fails at construction with a fix."""
    with pytest.raises(ValueError, match=r"api_version|must be one of"):
        ZepClient(**kwargs)


def test_operation_of_another_version_is_refused_before_any_request() -> None:
    """v2 methods on v3, v3 methods on v4 and v4 methods on v3 raise and send nothing."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    v3 = _client(handler, api_version="v3")
    with pytest.raises(UnsupportedOperationError, match=r"v2 API.*api_version='v3'"):
        v3.add_memory("s", [{"role_type": "user", "content": "x"}])
    with pytest.raises(UnsupportedOperationError, match="v4 API"):
        v3.v4.lookup_user(user_id="u")
    with pytest.raises(UnsupportedOperationError, match="v4 API"):
        v3.v4.list_threads()  # an iterator checks when created, not when first advanced
    v4 = _client(handler, api_version="v4")
    with pytest.raises(UnsupportedOperationError, match=r"v3 and v4 API.*client\.v4\.get_user"):
        v4.v3.get_user("u")
    with pytest.raises(UnsupportedOperationError, match="v2 API"):
        v4.list_collections()
    assert sent == []


def test_v4_error_envelope_maps_onto_the_error_tree() -> None:
    """``{"error": {"code": "invalid_identifier", ...}}`` is a BadRequestError with ``.code``."""

    def handler(request: httpx.Request) -> httpx.Response:
        error = {"code": "invalid_identifier", "message": "not a UUID", "request_id": "r1"}
        return httpx.Response(400, json={"error": {**error, "param": "thread_uuid"}})

    with pytest.raises(BadRequestError) as caught:
        _client(handler, api_version="v4").v4.get_thread("chat-1")
    assert caught.value.code == "invalid_identifier"
    assert caught.value.message == "not a UUID"
    assert (caught.value.param, caught.value.request_id) == ("thread_uuid", "r1")


def test_every_version_lists_its_operations() -> None:
    """The operations of each version, side by side, so a gap between v3 and v4 is visible."""
    v3, v4 = set(OPERATIONS["v3"]), set(OPERATIONS["v4"])
    # The adapters' needs exist on both: a gap here breaks an adapter on one version.
    for needed in (
        "create_thread",
        "delete_thread",
        "add_messages",
        "get_thread_context",
        "get_user",
        "update_message_metadata",
        "list_threads",
    ):
        assert needed in v3 and needed in v4, needed
    assert v3 - v4 == {
        "add_user",
        "add_data",
        "get_graph_edges",
        "get_graph_nodes",
        "get_messages",
        "get_thread_episodes",
        "get_user_edges",
        "get_user_episodes",
        "get_user_nodes",
        "get_user_threads",
        "search_graph",
    }
    assert v4 - v3 == {
        "add_episode",
        "create_user",
        "delete_node",
        "get_graph_context",
        "get_message",
        "get_thread",
        "list_edges",
        "list_episodes",
        "list_messages",
        "list_nodes",
        "list_tasks",
        "list_thread_episodes",
        "lookup",
        "lookup_graph",
        "lookup_thread",
        "lookup_user",
        "search",
    }
    for ns, ops in ((V3, v3), (AsyncV3, v3), (V4, v4), (AsyncV4, v4)):
        assert _public(ns) == ops


def _public(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls, callable) if not name.startswith("_")}


@pytest.mark.parametrize(("sync", "asynchronous"), [(V3, AsyncV3), (V4, AsyncV4)])
def test_sync_and_async_version_namespaces_have_identical_signatures(
    sync: type, asynchronous: type
) -> None:
    """client.v3/client.v4 methods take the same parameters on both clients.

    Returns differ only where they must: a sync ``Iterator`` vs an ``AsyncIterator`` for pages.
    """
    for name in sorted(_public(sync)):
        ours = inspect.signature(getattr(sync, name))
        theirs = inspect.signature(getattr(asynchronous, name))
        assert ours.parameters == theirs.parameters, name
        returned = str(ours.return_annotation)
        expected = (
            returned.replace("Iterator[", "AsyncIterator[", 1)
            if returned.startswith("Iterator[")
            else returned
        )
        assert str(theirs.return_annotation) == expected, name


class Tasks:
    """A v4 MockTransport whose delete answers a pending task that ends as told."""

    def __init__(self, final: str) -> None:
        self.final = final
        self.polls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v4/tasks/"):
            self.polls += 1
            status = "processing" if self.polls < 3 else self.final
            error = {"message": "boom"} if status == "failed" else None
            return httpx.Response(200, json={"uuid": "task-1", "status": status, "error": error})
        return httpx.Response(202, json={"task": {"uuid": "task-1", "status": "pending"}})


def test_wait_polls_the_task_until_it_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """``wait=True`` polls ``GET tasks/{uuid}`` until done and returns the final task."""
    monkeypatch.setattr("zep_integrations.client.time.sleep", lambda seconds: None)
    tasks = Tasks("succeeded")
    result = _client(tasks, api_version="v4").v4.delete_thread("t", wait=True)
    assert tasks.polls == 3
    assert result.task is not None and result.task.status == "succeeded"
    tasks = Tasks("succeeded")
    _client(tasks, api_version="v4").v4.delete_thread("t")  # off by default: no polling
    assert tasks.polls == 0


def test_wait_raises_when_the_task_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """A task that ends ``failed`` raises TaskFailedError carrying the task."""
    monkeypatch.setattr("zep_integrations.client.time.sleep", lambda seconds: None)
    with pytest.raises(TaskFailedError, match="boom") as caught:
        _client(Tasks("failed"), api_version="v4").v4.delete_user("u", wait=True)
    assert caught.value.task.status == "failed"


async def test_wait_polls_on_the_async_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """The async client polls the same way (sleeping with asyncio)."""

    async def no_sleep(seconds: float) -> None:
        return None

    monkeypatch.setattr("zep_integrations.client._async_sleep", no_sleep)
    tasks = Tasks("succeeded")
    client = AsyncZepClient(
        api_key="k",
        api_version="v4",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(tasks)),
    )
    result = await client.v4.delete_thread("t", wait=True)
    assert tasks.polls == 3 and result.task is not None and result.task.status == "succeeded"


@pytest.mark.parametrize("version", ["v3", "v4"])
def test_seam_write_failing_after_the_first_chunk_is_a_partial_write(version: str) -> None:
    """31 messages through the seam: chunk 2 failing raises PartialWriteError(stored_count=30)."""
    posts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/messages"):
            posts.append(len(json.loads(request.content)["messages"]))
            if len(posts) == 2:
                return httpx.Response(400, json={"message": "no"})
            return httpx.Response(200, json={})
        return httpx.Response(201, json={"uuid": THREAD})

    client = _client(handler, api_version=version, max_retries=0)
    messages = [{"role_type": "user", "content": f"m{i}"} for i in range(31)]
    flow = _sessions.write_messages(THREAD, messages, session_known=True)
    with pytest.raises(PartialWriteError) as caught:
        client.run(flow)
    assert posts == [30, 1]
    assert caught.value.stored_count == 30


THREAD = "6f1b7c1e-0000-4000-8000-000000000002"


def test_an_app_with_only_a_zep_cloud_key_speaks_v3_to_zep_cloud(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With just ZEP_API_KEY, a LangChain turn goes to api.getzep.com's v3 thread routes."""
    from langchain_core.messages import AIMessage, HumanMessage

    from zep_integrations.langchain import ZepChatMessageHistory

    monkeypatch.setenv("ZEP_API_KEY", "z_key")
    seen: list[tuple[str, str, str | None]] = []

    def cloud(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url), request.headers.get("authorization")))
        if request.method == "GET":
            return httpx.Response(404, json={"message": "thread not found"})
        return httpx.Response(201 if request.url.path.endswith("/threads") else 200, json={})

    client = ZepClient(http_client=httpx.Client(transport=httpx.MockTransport(cloud)))
    history = ZepChatMessageHistory("chat-1", user_id="jane", client=client)
    assert history.messages == []
    history.add_messages([HumanMessage("hi"), AIMessage("hello")])
    assert [(method, url) for method, url, _ in seen] == [
        ("GET", "https://api.getzep.com/api/v2/threads/chat-1/messages?limit=100&cursor=1"),
        ("POST", "https://api.getzep.com/api/v2/threads"),
        ("POST", "https://api.getzep.com/api/v2/threads/chat-1/messages"),
    ]
    assert {auth for _, _, auth in seen} == {"Api-Key z_key"}
