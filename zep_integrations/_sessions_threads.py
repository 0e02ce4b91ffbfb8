"""The session seam on Zep v3 (threads) and v4 (UUIDs): what :mod:`_sessions` runs there.

The adapters speak v2 shapes (``role_type``/``role`` messages, :class:`~models.Memory`,
:class:`~models.SessionSearchResult`); this module translates them to and from v3/v4 once, for
both clients. v3 maps ``session_id``/``user_id`` to ``thread_id``/``user_id`` one to one. v4
addresses by server UUIDs: a ``session_id`` is taken as the thread UUID when it looks like one,
else resolved as a v3 thread id with ``POST threads/lookup``; a ``user_id`` likewise (UUID, else
``POST users/lookup``, else created with that IdP ``user_id``). Resolutions are cached in the
client's :class:`~zep_integrations._api.ClientInfo`, so each costs one request per client.

A v4 thread cannot be given an id, so an unknown non-UUID ``session_id`` gets a new thread whose
UUID is remembered only by this client (logged at WARNING): store thread UUIDs (see
:func:`zep_integrations.create_user_and_thread`) for conversations that outlive the process.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from zep_integrations import _api_v3 as v3
from zep_integrations import _api_v3_graph as v3g
from zep_integrations import _api_v4 as v4
from zep_integrations import _api_v4_graph as v4g
from zep_integrations import models as m
from zep_integrations import models_v3 as m3
from zep_integrations import models_v4 as m4
from zep_integrations._api import ClientInfo, Flow
from zep_integrations._thread_messages import from_thread_message, search_hit, to_thread_message
from zep_integrations._writes import send_writes
from zep_integrations.errors import BadRequestError, ConflictError, NotFoundError, ZepAPIError

logger = logging.getLogger("zep_integrations")

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PAGE = 100
MAX_PAGE = 1000
"""The largest v4 ``page_size`` (the embedded server's limit; Zep documents 50 for search)."""


SCOPES = {None: "episodes", "messages": "episodes", "facts": "edges", "summary": "thread_summaries"}


def is_uuid(value: str) -> bool:
    """Whether ``value`` has the shape of a UUID (what v4 addresses by)."""
    return bool(_UUID.match(value))


def _exists(exc: ZepAPIError) -> bool:
    return isinstance(exc, ConflictError) or (
        isinstance(exc, BadRequestError) and "already exists" in exc.message.lower()
    )


def _user_missing(exc: ZepAPIError) -> bool:
    return isinstance(exc, NotFoundError) or (
        isinstance(exc, BadRequestError) and "not found" in exc.message.lower()
    )


# -- v4 identifier resolution ----------------------------------------------------------------


def user_uuid(info: ClientInfo, user_id: str, *, create: bool) -> Flow[str | None]:
    """The v4 UUID of ``user_id`` (a UUID, or an app/IdP id found by lookup or created)."""
    if is_uuid(user_id):
        return user_id
    key = ("user", user_id)
    if key in info.ids:
        return info.ids[key]
    try:
        user: m4.User = yield v4.lookup_user(user_id=user_id)
    except NotFoundError:
        if not create:
            return None
        try:
            user = yield v4.create_user(user_id=user_id)
        except (BadRequestError, ConflictError) as exc:  # created concurrently
            if not _exists(exc):
                raise
            user = yield v4.lookup_user(user_id=user_id)
    assert user.uuid is not None
    info.ids[key] = user.uuid
    return user.uuid


def thread_uuid(
    info: ClientInfo, session_id: str, *, user_id: str | None = None, create: bool = False
) -> Flow[str | None]:
    """The v4 UUID behind ``session_id``: itself, a cached or looked-up v3 thread id, or new."""
    key = ("thread", session_id)
    if key in info.ids:
        return info.ids[key]
    if is_uuid(session_id):
        return session_id
    try:
        thread: m4.Thread = yield v4.lookup_thread(thread_id=session_id)
    except NotFoundError:
        if not create:
            return None
        owner = yield from user_uuid(info, user_id or session_id, create=True)
        assert owner is not None
        thread = yield v4.create_thread(owner)
        logger.warning(
            "Zep v4 cannot name threads: session_id %r got the new thread %s, remembered only by "
            "this client. Store the UUID and pass it as session_id to reach it later.",
            session_id,
            thread.uuid,
        )
    assert thread.uuid is not None
    info.ids[key] = thread.uuid
    return thread.uuid


# -- the seam's operations ---------------------------------------------------------------------


def ensure_session(info: ClientInfo, session_id: str, user_id: str | None) -> Flow[None]:
    """Create the thread (and its user when missing); "already exists" is success.

    v3 threads always belong to a user: without ``user_id`` the session gets a user of its own,
    named like the session, so sessions without users stay isolated from each other.
    """
    if info.api_version == "v4":
        yield from thread_uuid(info, session_id, user_id=user_id, create=True)
        return
    owner = user_id if user_id is not None else session_id
    try:
        yield v3.create_thread(session_id, owner)
        return
    except (BadRequestError, ConflictError, NotFoundError) as exc:
        if _exists(exc):
            return
        if not _user_missing(exc):
            raise
    try:
        yield v3.add_user(owner)
    except (BadRequestError, ConflictError) as exc:
        if not _exists(exc):
            raise
    try:
        yield v3.create_thread(session_id, owner)
    except (BadRequestError, ConflictError) as exc:
        if not _exists(exc):
            raise


def write_messages(
    info: ClientInfo,
    session_id: str,
    wire: list[dict[str, Any]],
    *,
    user_id: str | None,
    session_known: bool,
    return_context: bool | None,
) -> Flow[m.AddMemoryResponse]:
    """Store validated v2-shaped messages in the thread, creating it first unless known."""
    messages = [to_thread_message(data, info.api_version) for data in wire]
    # v3/v4 read the window and the context with two requests; for a session whose context is
    # read, the context returned by this write (it covers the messages just written) lets the
    # next memory read skip the second. Other sessions do not pay for assembling it.
    wanted = return_context
    remember = session_id in info.contexts
    return_context = True if (wanted or remember) else None
    if info.api_version == "v4":
        uuid = yield from thread_uuid(info, session_id, user_id=user_id, create=True)
        assert uuid is not None
        calls4 = v4.add_messages(uuid, messages, return_context=return_context, json_checked=True)
        try:
            result4: m4.AddMessagesResult = yield from send_writes(calls4)
        except NotFoundError:
            # The thread was deleted (clear() or a chat-store replace): v4 cannot recreate a
            # UUID, so the session continues in a new thread of the same user, remembered by
            # this client (the first chunk failed, so nothing was stored).
            if user_id is None:
                raise
            info.ids.pop(("thread", session_id), None)
            owner = yield from user_uuid(info, user_id, create=True)
            assert owner is not None
            thread: m4.Thread = yield v4.create_thread(owner)
            assert thread.uuid is not None
            logger.warning(
                "Zep v4 thread %s no longer exists; session %r continues in the new thread %s "
                "(remembered only by this client: store the new UUID).",
                uuid,
                session_id,
                thread.uuid,
            )
            info.ids[("thread", session_id)] = thread.uuid
            result4 = yield from send_writes(
                v4.add_messages(
                    thread.uuid, messages, return_context=return_context, json_checked=True
                )
            )
        if remember:
            _remember(info, session_id, result4.context)
        return m.AddMemoryResponse(context=result4.context if wanted else None)
    # The values were checked in their v2 shape (_sessions.write_messages); the conversion
    # keeps them JSON, so the second walk over every value is skipped.
    calls = v3.add_messages(session_id, messages, return_context=return_context, json_checked=True)
    if not session_known:
        yield from ensure_session(info, session_id, user_id)
    result3: m3.AddThreadMessagesResponse = yield from send_writes(calls)
    if remember:
        _remember(info, session_id, result3.context)
    return m.AddMemoryResponse(context=result3.context if wanted else None)


CONTEXTS_KEPT = 1024


def _remember(info: ClientInfo, session_id: str, context: str | None) -> None:
    contexts = info.contexts
    contexts.pop(session_id, None)
    contexts[session_id] = context
    if len(contexts) > CONTEXTS_KEPT:  # drop the oldest (dicts keep insertion order)
        contexts.pop(next(iter(contexts)), None)


def read_messages(
    info: ClientInfo, session_id: str, lastn: int | None
) -> Flow[list[m.Message] | None]:
    """The thread's messages oldest first (all, or the last ``lastn``); ``None`` if missing."""
    if info.api_version == "v4":
        uuid = yield from thread_uuid(info, session_id)
        if uuid is None:
            return None
        try:
            if lastn is not None:
                if lastn == 0:
                    return []
                newest: list[m4.Message] = []
                after: str | None = None
                while len(newest) < lastn:  # newest first, as few pages as lastn needs
                    page: m4.Page[m4.Message] = yield v4.list_messages(
                        uuid,
                        page_size=min(lastn - len(newest), MAX_PAGE),
                        cursor=after,
                        order="desc",
                    )
                    newest.extend(page.items)
                    if not page.next_cursor or not page.items:
                        break
                    after = page.next_cursor
                return [from_thread_message(msg) for msg in reversed(newest[:lastn])]
            out: list[m.Message] = []
            cursor: str | None = None
            while True:
                page = yield v4.list_messages(uuid, page_size=PAGE, cursor=cursor, order="asc")
                out.extend(from_thread_message(msg) for msg in page.items)
                if not page.next_cursor or not page.items:
                    return out
                cursor = page.next_cursor
        except NotFoundError:
            return None
    try:
        if lastn is not None:
            found: m3.MessageListResponse = yield v3.get_messages(session_id, lastn=lastn)
            return [from_thread_message(msg) for msg in found.messages] if lastn else []
        messages: list[m.Message] = []
        number = 1
        while True:
            found = yield v3.get_messages(session_id, limit=PAGE, cursor=number)
            messages.extend(from_thread_message(msg) for msg in found.messages)
            total = found.total_count or 0
            if len(found.messages) < PAGE or len(messages) >= total:
                return messages
            number += 1
    except NotFoundError:
        return None


def read_memory(info: ClientInfo, session_id: str, lastn: int | None) -> Flow[m.Memory | None]:
    """The window and the context block.

    v3/v4 have no combined memory read: the context is the one this client's last write of the
    session returned (so a chat turn stays one read and one write), else a second request. A
    write by another process is seen in the window at once and in the context from the next
    write on.
    """
    messages = yield from read_messages(info, session_id, lastn)
    if messages is None:
        return None
    context = info.contexts.get(session_id)
    if context is not None:  # returned by this client's last write of the session
        return m.Memory(messages=messages, context=context or None)
    _remember(info, session_id, None)  # from now on, writes bring the context back
    try:
        if info.api_version == "v4":
            uuid = yield from thread_uuid(info, session_id)
            assert uuid is not None
            found4: m4.ThreadContextResponse = yield v4.get_thread_context(uuid)
            context = found4.context
        else:
            found3: m3.ThreadContextResponse = yield v3.get_thread_context(session_id)
            context = found3.context
    except NotFoundError:
        pass
    return m.Memory(messages=messages, context=context or None)


def read_context(info: ClientInfo, session_id: str) -> Flow[m.Memory | None]:
    """The context block alone: one request (none when this client's last write returned it).

    ``None`` when the thread does not exist.
    """
    cached = info.contexts.get(session_id)
    if cached is not None:
        return m.Memory(messages=[], context=cached or None)
    try:
        if info.api_version == "v4":
            uuid = yield from thread_uuid(info, session_id)
            if uuid is None:
                return None
            found4: m4.ThreadContextResponse = yield v4.get_thread_context(uuid)
            context = found4.context
        else:
            found3: m3.ThreadContextResponse = yield v3.get_thread_context(session_id)
            context = found3.context
    except NotFoundError:
        return None
    _remember(info, session_id, None)  # from now on, writes bring the context back
    return m.Memory(messages=[], context=context or None)


def delete_session(info: ClientInfo, session_id: str) -> Flow[None]:
    """Delete the thread; missing is not an error (idempotent)."""
    info.contexts.pop(session_id, None)
    try:
        if info.api_version == "v4":
            uuid = yield from thread_uuid(info, session_id)
            if uuid is None:
                return
            yield v4.delete_thread(uuid)
            info.ids.pop(("thread", session_id), None)
        else:
            yield v3.delete_thread(session_id)
    except NotFoundError:
        return


def update_message_metadata(
    info: ClientInfo, session_id: str, message_uuid: str, metadata: Mapping[str, Any]
) -> Flow[None]:
    """Merge ``metadata`` into one stored message."""
    if info.api_version == "v4":
        uuid = yield from thread_uuid(info, session_id)
        if uuid is None:
            raise ValueError(f"session {session_id!r} does not exist on this Zep v4 project")
        yield v4.update_message_metadata(uuid, message_uuid, metadata)
    else:
        yield v3.update_message_metadata(message_uuid, metadata)


def session_ids(info: ClientInfo, user_id: str | None) -> Flow[list[str]]:
    """Thread ids (v3) or UUIDs (v4) of the user, or of the whole project without a user."""
    if info.api_version == "v4":
        owner = None
        if user_id is not None:
            owner = yield from user_uuid(info, user_id, create=False)
            if owner is None:
                return []
        out: list[str] = []
        cursor: str | None = None
        while True:
            page: m4.Page[m4.Thread] = yield v4.list_threads(
                page_size=PAGE, cursor=cursor, user_uuid=owner
            )
            out.extend(t.uuid for t in page.items if t.uuid)
            if not page.next_cursor or not page.items:
                return out
            cursor = page.next_cursor
    if user_id is not None:
        try:
            threads: list[m3.Thread] = yield v3.get_user_threads(user_id)
        except NotFoundError:
            return []
        return [t.thread_id for t in threads if t.thread_id]
    found: m3.ThreadListResponse = yield v3.list_threads()
    return [t.thread_id for t in found.threads if t.thread_id]


MAX_SEARCH = 50
"""The largest search page v3 and v4 serve (``limit`` / ``page_size``)."""


def search(
    info: ClientInfo,
    text: str,
    *,
    session_id: str | None,
    user_id: str | None,
    search_scope: str | None,
    search_type: str | None,
    mmr_lambda: float | None,
    min_score: float | None,
    limit: int | None,
) -> Flow[list[m.SessionSearchResult]]:
    """Graph search of the user's graph, mapped onto v2 results.

    Scopes: facts -> edges, messages -> episodes, summary -> thread summaries. v3/v4 search a
    whole user graph: for a ``session_id``, message hits are kept only when they come from that
    thread (as v2's session search), fetching up to three times ``limit`` to fill it; facts and
    summaries stay user-wide. The thread's user is looked up once per client. ``min_score`` is
    applied here, as v3/v4 dropped it. v3/v4 serve at most :data:`MAX_SEARCH` (50) results per
    search: a larger ``limit`` returns at most 50.
    """
    scope = SCOPES[search_scope]
    reranker = "mmr" if search_type == "mmr" else None
    wanted = limit if limit is not None else 10
    only_thread = scope == "episodes" and session_id is not None
    # v3/v4 answer 400 to a page over 50: a larger limit gets the 50 best (v2 serves more).
    fetch = min(MAX_SEARCH, wanted * 3) if only_thread else limit and min(limit, MAX_SEARCH)
    thread: str | None = None
    hits: list[Any]
    try:
        if info.api_version == "v4":
            graph = None
            if session_id is not None:
                thread = yield from thread_uuid(info, session_id)
                if thread is not None:
                    graph = yield from _thread_user(info, thread)
            elif user_id is not None:
                graph = yield from user_uuid(info, user_id, create=False)
            if graph is None:
                return []
            page: m4.Page[Any] = yield v4g.search(
                graph, text, scope=scope, page_size=fetch, reranker=reranker, mmr_lambda=mmr_lambda
            )
            hits = page.items
        else:
            owner = user_id
            if session_id is not None:
                thread = session_id
                owner = yield from _thread_user(info, session_id)
            if owner is None:
                return []
            results: m3.GraphSearchResults = yield v3g.search_graph(
                text,
                user_id=owner,
                scope=scope,
                limit=fetch,
                reranker=reranker,
                mmr_lambda=mmr_lambda,
            )
            hits = list(getattr(results, scope) or [])
    except NotFoundError:
        return []
    if only_thread:
        hits = [
            hit
            for hit in hits
            if thread in (getattr(hit, "thread_id", None), getattr(hit, "thread_uuid", None))
        ][:wanted]
    out = [search_hit(hit, scope, session_id) for hit in hits]
    if min_score is not None:
        out = [hit for hit in out if hit.score is None or hit.score >= min_score]
    return out


def _thread_user(info: ClientInfo, thread: str) -> Flow[str | None]:
    """The user (v3 ``user_id``, v4 user UUID) of a thread, cached per client."""
    key = ("thread-user", thread)
    if key in info.ids:
        return info.ids[key]
    if info.api_version == "v4":
        found4: m4.Thread = yield v4.get_thread(thread)
        owner = found4.user_uuid
    else:
        found3: m3.MessageListResponse = yield v3.get_messages(thread, lastn=1)
        owner = found3.user_id
    if owner is not None:
        info.ids[key] = owner
    return owner
