"""``client.v3`` on a :class:`ZepClient`: the Zep v3 operations as methods.

One-liners over :mod:`zep_integrations._api_v3` (graph operations in the ``_graph`` mixin),
with the same parameters on both clients (a test compares them). Each raises
:class:`~zep_integrations.errors.UnsupportedOperationError` before any request when the client's
``api_version`` is not ``"v3"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from zep_integrations import _api_v3 as _v3
from zep_integrations import models_v3 as m3
from zep_integrations._api import send_all
from zep_integrations._client_v3_graph import _V3Graph

if TYPE_CHECKING:
    from zep_integrations.client import ZepClient

__all__ = ["V3"]


class V3(_V3Graph):
    """The v3 operations of a :class:`~zep_integrations.ZepClient` (``client.v3``).

    Example:
        >>> import os, tempfile
        >>> from zep_integrations import ZepClient
        >>> client = ZepClient(db_path=os.path.join(tempfile.mkdtemp(), "z.db"), api_version="v3")
        >>> _ = client.v3.add_user("jane", first_name="Jane")
        >>> _ = client.v3.create_thread("chat-1", "jane")
        >>> _ = client.v3.add_messages("chat-1", [{"role": "user", "content": "Hi"}])
        >>> [message.content for message in client.v3.get_messages("chat-1").messages]
        ['Hi']
    """

    __slots__ = ("_client",)

    def __init__(self, client: ZepClient) -> None:
        self._client = client

    def add_messages(
        self,
        thread_id: str,
        messages: Sequence[m3.Message | Mapping[str, Any]],
        *,
        ignore_roles: Sequence[str] | None = None,
        return_context: bool | None = None,
        strict_ontology: bool | None = None,
    ) -> m3.AddThreadMessagesResponse:
        """Build the write of ``messages``: one call per 30, every message validated first."""
        return self._client.run(
            send_all(
                _v3.add_messages(
                    thread_id,
                    messages,
                    ignore_roles=ignore_roles,
                    return_context=return_context,
                    strict_ontology=strict_ontology,
                )
            )
        )

    def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        time_zone: str | None = None,
        disable_default_ontology: bool | None = None,
    ) -> m3.User:
        """``add_user``."""
        return self._client.send(
            _v3.add_user(
                user_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                metadata=metadata,
                time_zone=time_zone,
                disable_default_ontology=disable_default_ontology,
            )
        )

    def create_thread(
        self,
        thread_id: str,
        user_id: str,
    ) -> m3.Thread:
        """``create_thread``."""
        return self._client.send(_v3.create_thread(thread_id, user_id))

    def delete_thread(
        self,
        thread_id: str,
    ) -> m3.SuccessResponse:
        """``delete_thread``."""
        return self._client.send(_v3.delete_thread(thread_id))

    def delete_user(
        self,
        user_id: str,
    ) -> m3.SuccessResponse:
        """``delete_user``."""
        return self._client.send(_v3.delete_user(user_id))

    def get_messages(
        self,
        thread_id: str,
        *,
        limit: int | None = None,
        cursor: int | None = None,
        lastn: int | None = None,
    ) -> m3.MessageListResponse:
        """``thread.get``: ``lastn`` (the newest n, oldest first) overrides ``limit``/``cursor``."""
        return self._client.send(
            _v3.get_messages(thread_id, limit=limit, cursor=cursor, lastn=lastn)
        )

    def get_task(
        self,
        task_id: str,
    ) -> m3.Task:
        """``get_task``."""
        return self._client.send(_v3.get_task(task_id))

    def get_thread_context(
        self,
        thread_id: str,
        *,
        template_id: str | None = None,
    ) -> m3.ThreadContextResponse:
        """``thread.get_user_context``: the context block for the thread's latest messages."""
        return self._client.send(_v3.get_thread_context(thread_id, template_id=template_id))

    def get_thread_episodes(
        self,
        thread_id: str,
    ) -> m3.EpisodeResponse:
        """``get_thread_episodes``."""
        return self._client.send(_v3.get_thread_episodes(thread_id))

    def get_thread_summary(
        self,
        thread_id: str,
    ) -> m3.ThreadSummary:
        """``get_thread_summary``."""
        return self._client.send(_v3.get_thread_summary(thread_id))

    def get_user(
        self,
        user_id: str,
    ) -> m3.User:
        """``get_user``."""
        return self._client.send(_v3.get_user(user_id))

    def get_user_node(
        self,
        user_id: str,
    ) -> m3.UserNodeResponse:
        """``get_user_node``."""
        return self._client.send(_v3.get_user_node(user_id))

    def get_user_threads(
        self,
        user_id: str,
    ) -> list[m3.Thread]:
        """``get_user_threads``."""
        return self._client.send(_v3.get_user_threads(user_id))

    def list_threads(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        order_by: str | None = None,
        asc: bool | None = None,
    ) -> m3.ThreadListResponse:
        """``list_threads``."""
        return self._client.send(
            _v3.list_threads(
                page_number=page_number, page_size=page_size, order_by=order_by, asc=asc
            )
        )

    def list_users(
        self,
        *,
        page_number: int | None = None,
        page_size: int | None = None,
        search: str | None = None,
        order_by: str | None = None,
        asc: bool | None = None,
    ) -> m3.UserListResponse:
        """``list_users``."""
        return self._client.send(
            _v3.list_users(
                page_number=page_number,
                page_size=page_size,
                search=search,
                order_by=order_by,
                asc=asc,
            )
        )

    def update_message_metadata(
        self,
        message_uuid: str,
        metadata: Mapping[str, Any],
    ) -> m3.Message:
        """``update_message_metadata``."""
        return self._client.send(_v3.update_message_metadata(message_uuid, metadata))

    def update_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        time_zone: str | None = None,
        disable_default_ontology: bool | None = None,
    ) -> m3.User:
        """``update_user``."""
        return self._client.send(
            _v3.update_user(
                user_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                metadata=metadata,
                time_zone=time_zone,
                disable_default_ontology=disable_default_ontology,
            )
        )
