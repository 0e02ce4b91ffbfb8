"""``client.v4`` on a :class:`ZepClient`: the Zep v4 operations as methods.

One-liners over :mod:`zep_integrations._api_v4` (graph operations in the ``_graph`` mixin),
with the same parameters on both clients (a test compares them). Each raises
:class:`~zep_integrations.errors.UnsupportedOperationError` before any request when the client's
``api_version`` is not ``"v4"``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from zep_integrations import _api_v4 as _v4
from zep_integrations import models_v4 as m4
from zep_integrations._client_v4_graph import _V4Graph
from zep_integrations._pages import pages

if TYPE_CHECKING:
    from zep_integrations.client import ZepClient

__all__ = ["V4"]


class V4(_V4Graph):
    """The v4 operations of a :class:`~zep_integrations.ZepClient` (``client.v4``).

    Example:
        >>> import os, tempfile
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"), api_version="v4")
        >>> user = client.v4.create_user(first_name="Jane")  # store user.uuid
        >>> thread = client.v4.create_thread(user.uuid)  # store thread.uuid
        >>> _ = client.v4.add_messages(thread.uuid, [{"role": "user", "content": "Hi"}])
        >>> [message.content for message in client.v4.list_messages(thread.uuid)]
        ['Hi']
    """

    __slots__ = ("_client",)

    def __init__(self, client: ZepClient) -> None:
        self._client = client

    def add_messages(
        self,
        thread_uuid: str,
        messages: Sequence[m4.Message | Mapping[str, Any]],
        *,
        ignore_roles: Sequence[str] | None = None,
        return_context: bool | None = None,
        strict_ontology: bool | None = None,
        wait: bool = False,
    ) -> m4.AddMessagesResult:
        """Build the write of ``messages`` (202): one call per 30, every message validated first."""
        return self._client.run(
            _v4.send_and_wait(
                _v4.add_messages(
                    thread_uuid,
                    messages,
                    ignore_roles=ignore_roles,
                    return_context=return_context,
                    strict_ontology=strict_ontology,
                ),
                wait,
            )
        )

    def create_thread(
        self,
        user_uuid: str,
    ) -> m4.Thread:
        """``thread.create`` (201): the thread's UUID is chosen by the server; store it."""
        return self._client.send(_v4.create_thread(user_uuid))

    def create_user(
        self,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        time_zone: str | None = None,
        disable_default_ontology: bool | None = None,
        user_id: str | None = None,
    ) -> m4.User:
        """``user.create`` (201): the caller stores the returned ``uuid`` and ``graph_uuid``."""
        return self._client.send(
            _v4.create_user(
                first_name=first_name,
                last_name=last_name,
                email=email,
                metadata=metadata,
                time_zone=time_zone,
                disable_default_ontology=disable_default_ontology,
                user_id=user_id,
            )
        )

    def delete_thread(
        self,
        thread_uuid: str,
        *,
        wait: bool = False,
    ) -> m4.AsyncResult:
        """``delete_thread``."""
        return self._client.run(_v4.send_and_wait([_v4.delete_thread(thread_uuid)], wait))

    def delete_user(
        self,
        user_uuid: str,
        *,
        wait: bool = False,
    ) -> m4.AsyncResult:
        """``delete_user``."""
        return self._client.run(_v4.send_and_wait([_v4.delete_user(user_uuid)], wait))

    def get_message(
        self,
        thread_uuid: str,
        message_uuid: str,
    ) -> m4.Message:
        """``get_message``."""
        return self._client.send(_v4.get_message(thread_uuid, message_uuid))

    def get_task(
        self,
        task_uuid: str,
    ) -> m4.Task:
        """``get_task``."""
        return self._client.send(_v4.get_task(task_uuid))

    def get_thread(
        self,
        thread_uuid: str,
    ) -> m4.Thread:
        """``get_thread``."""
        return self._client.send(_v4.get_thread(thread_uuid))

    def get_thread_context(
        self,
        thread_uuid: str,
        *,
        template_uuid: str | None = None,
    ) -> m4.ThreadContextResponse:
        """``get_thread_context``."""
        return self._client.send(_v4.get_thread_context(thread_uuid, template_uuid=template_uuid))

    def get_thread_summary(
        self,
        thread_uuid: str,
    ) -> m4.ThreadSummary:
        """``get_thread_summary``."""
        return self._client.send(_v4.get_thread_summary(thread_uuid))

    def get_user(
        self,
        user_uuid: str,
    ) -> m4.User:
        """``get_user``."""
        return self._client.send(_v4.get_user(user_uuid))

    def get_user_node(
        self,
        user_uuid: str,
    ) -> m4.Node:
        """``get_user_node``."""
        return self._client.send(_v4.get_user_node(user_uuid))

    def list_messages(
        self,
        thread_uuid: str,
        *,
        page_size: int | None = None,
        order_by: str | None = None,
        order: str | None = None,
    ) -> Iterator[m4.Message]:
        """``thread.list_messages``: one page; ``order="desc"`` reads the newest first.

        Yields every item, fetching pages of ``page_size`` as iteration reaches them.
        """
        return pages(
            self._client,
            lambda cursor: _v4.list_messages(
                thread_uuid, page_size=page_size, order_by=order_by, order=order, cursor=cursor
            ),
        )

    def list_tasks(
        self,
        *,
        page_size: int | None = None,
        status: str | None = None,
        type: str | None = None,
    ) -> Iterator[m4.Task]:
        """``list_tasks``.

        Yields every item, fetching pages of ``page_size`` as iteration reaches them.
        """
        return pages(
            self._client,
            lambda cursor: _v4.list_tasks(
                page_size=page_size, status=status, type=type, cursor=cursor
            ),
        )

    def list_thread_episodes(
        self,
        thread_uuid: str,
        *,
        page_size: int | None = None,
    ) -> Iterator[m4.Episode]:
        """``list_thread_episodes``.

        Yields every item, fetching pages of ``page_size`` as iteration reaches them.
        """
        return pages(
            self._client,
            lambda cursor: _v4.list_thread_episodes(
                thread_uuid, page_size=page_size, cursor=cursor
            ),
        )

    def list_threads(
        self,
        *,
        page_size: int | None = None,
        order_by: str | None = None,
        order: str | None = None,
        user_uuid: str | None = None,
    ) -> Iterator[m4.Thread]:
        """``list_threads``.

        Yields every item, fetching pages of ``page_size`` as iteration reaches them.
        """
        return pages(
            self._client,
            lambda cursor: _v4.list_threads(
                page_size=page_size,
                order_by=order_by,
                order=order,
                user_uuid=user_uuid,
                cursor=cursor,
            ),
        )

    def list_users(
        self,
        *,
        page_size: int | None = None,
        order_by: str | None = None,
        order: str | None = None,
        search: str | None = None,
    ) -> Iterator[m4.User]:
        """``list_users``.

        Yields every item, fetching pages of ``page_size`` as iteration reaches them.
        """
        return pages(
            self._client,
            lambda cursor: _v4.list_users(
                page_size=page_size, order_by=order_by, order=order, search=search, cursor=cursor
            ),
        )

    def lookup(
        self,
        *,
        users: Sequence[str] | None = None,
        threads: Sequence[str] | None = None,
        graphs: Sequence[str] | None = None,
    ) -> m4.LookupBatchResponse:
        """``lookup.batch``: resolve many v3 ids at once."""
        return self._client.send(_v4.lookup(users=users, threads=threads, graphs=graphs))

    def lookup_graph(
        self,
        *,
        graph_id: str | None = None,
        user_id: str | None = None,
        thread_id: str | None = None,
    ) -> m4.Graph:
        """``graph.lookup``: the graph of a v3 graph id, or a v3 user's graph."""
        return self._client.send(
            _v4.lookup_graph(graph_id=graph_id, user_id=user_id, thread_id=thread_id)
        )

    def lookup_thread(
        self,
        *,
        thread_id: str | None = None,
        user_id: str | None = None,
        graph_id: str | None = None,
    ) -> m4.Thread:
        """``thread.lookup``: the thread created through v3 with ``thread_id`` (404 when none)."""
        return self._client.send(
            _v4.lookup_thread(thread_id=thread_id, user_id=user_id, graph_id=graph_id)
        )

    def lookup_user(
        self,
        *,
        user_id: str | None = None,
        thread_id: str | None = None,
        graph_id: str | None = None,
    ) -> m4.User:
        """``user.lookup``: the user behind a v3 user, thread or graph id (404 when none)."""
        return self._client.send(
            _v4.lookup_user(user_id=user_id, thread_id=thread_id, graph_id=graph_id)
        )

    def update_message_metadata(
        self,
        thread_uuid: str,
        message_uuid: str,
        metadata: Mapping[str, Any],
    ) -> m4.Message:
        """``update_message_metadata``."""
        return self._client.send(_v4.update_message_metadata(thread_uuid, message_uuid, metadata))

    def update_user(
        self,
        user_uuid: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        time_zone: str | None = None,
        disable_default_ontology: bool | None = None,
    ) -> m4.User:
        """``update_user``."""
        return self._client.send(
            _v4.update_user(
                user_uuid,
                first_name=first_name,
                last_name=last_name,
                email=email,
                metadata=metadata,
                time_zone=time_zone,
                disable_default_ontology=disable_default_ontology,
            )
        )
