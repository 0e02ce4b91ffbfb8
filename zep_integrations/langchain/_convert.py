"""Pure converters between LangChain messages and Zep messages (no I/O).

A LangChain message becomes one Zep message whose ``content`` is readable text (what Zep indexes,
summarises and shows other clients) and whose ``role_type``/``role`` say who spoke. Everything
else needed to rebuild the exact LangChain object rides in the message metadata under the
``"langchain"`` key::

    {"langchain": {"v": 1, "message": {"type": "ai", "data": {...}}}}

``data`` is ``message.model_dump()`` without default-valued fields, and without ``content`` when
the original content is the same string that Zep stores, so the common case costs a few bytes.

Messages written by other clients (the official SDKs, the LlamaIndex adapter) carry no such
payload: they are rebuilt from ``role_type`` and ``content``; see :func:`message_from_zep`.

Reading never fails on one message: a payload this version cannot decode (a newer payload
version, ``tool_calls`` that is a string, fields the message class refuses) is read as the plain
Zep message (role and content) with a :class:`~zep_integrations.errors.ZepDataWarning`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pydantic
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    BaseMessageChunk,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    message_chunk_to_message,
)

from zep_integrations import models as m
from zep_integrations.errors import ZepDataWarning

__all__ = [
    "DEFAULT_MAX_CONTENT_CHARS",
    "LLAMA_INDEX_KEY",
    "PAYLOAD_KEY",
    "PAYLOAD_VERSION",
    "content_text",
    "drop_orphan_tool_messages",
    "is_deleted",
    "message_from_zep",
    "message_to_zep",
    "messages_from_zep",
    "messages_to_zep",
    "prepend_context",
    "readable_text",
]

PAYLOAD_KEY = "langchain"
"""Metadata key holding this adapter's payload."""
PAYLOAD_VERSION = 1
LLAMA_INDEX_KEY = "llama_index"
"""Metadata key of the LlamaIndex adapter's payload (read for ``additional_kwargs``)."""
DEFAULT_MAX_CONTENT_CHARS = 2500
"""Zep CE and free plans reject longer ``content`` (section 1, "Size limits")."""

LLAMA_INDEX_DELETED_KEY = "llama_index_deleted"
"""Tombstone the LlamaIndex chat store sets on a deleted message (Zep cannot delete one)."""
# The replacement marks of zep_integrations._sessions.replace_messages are bookkeeping too.
_ADAPTER_KEYS = (
    PAYLOAD_KEY,
    LLAMA_INDEX_KEY,
    LLAMA_INDEX_DELETED_KEY,
    "zep_integrations_replacement",
    "zep_integrations_replacement_end",
)
_CLASSES: dict[str, type[BaseMessage]] = {
    "human": HumanMessage,
    "ai": AIMessage,
    "system": SystemMessage,
    "tool": ToolMessage,
    "function": FunctionMessage,
    "chat": ChatMessage,
}
_ROLE_TYPES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "function",
    "chat": "norole",
}
# Zep role names that say "which kind of speaker" rather than "who": they do not become a name.
# chatbot, developer and model are LlamaIndex roles the LlamaIndex adapter writes as ``role``.
_GENERIC_ROLES = frozenset(
    ("", "human", "user", "ai", "assistant", "system", "tool", "function", "norole", "chatbot")
) | {"developer", "model"}


def content_text(content: str | list[str | dict[str, Any]]) -> str:
    r"""Readable text of a message's content: a string as is, content blocks joined by newlines.

    Text blocks contribute their text; other blocks (images, audio, ...) a placeholder such as
    ``[image]`` so a message made only of media still reads as something.

    Example:
        >>> content_text(["Hi", {"type": "text", "text": "there"}, {"type": "image", "url": "u"}])
        'Hi\nthere\n[image]'
    """
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, Mapping):
            kind = block.get("type")
            text = block.get("text")
            if isinstance(text, str) and kind in (None, "text"):
                parts.append(text)
            else:
                parts.append(f"[{kind or 'block'}]")
    return "\n".join(parts)


def _describe_tool_calls(message: AIMessage) -> str:
    calls = [
        f"[tool call: {call['name']}({json.dumps(call['args'], sort_keys=True, default=str)})]"
        for call in message.tool_calls
    ]
    calls += [
        f"[invalid tool call: {call.get('name') or '?'}({call.get('args') or ''})]"
        for call in message.invalid_tool_calls
    ]
    return "\n".join(calls)


def readable_text(message: BaseMessage) -> str:
    """The text Zep stores for ``message``: its content text, or a description of its tool calls.

    Example:
        >>> readable_text(AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1}, "id": "1"}]))
        '[tool call: add({"a": 1})]'
    """
    text = content_text(message.content)
    if not text.strip() and isinstance(message, AIMessage):
        return _describe_tool_calls(message) or text
    return text


def _base_message(message: BaseMessage) -> BaseMessage:
    if not isinstance(message, BaseMessage):
        raise TypeError(f"expected a LangChain BaseMessage, got {type(message).__name__}")
    if isinstance(message, BaseMessageChunk):
        message = message_chunk_to_message(message)
    if message.type not in _CLASSES:
        raise ValueError(
            f"{type(message).__name__} (type {message.type!r}) cannot be stored in a chat history; "
            f"store HumanMessage, AIMessage, SystemMessage, ToolMessage, FunctionMessage or "
            f"ChatMessage"
        )
    return message


def message_to_zep(
    message: BaseMessage, *, max_content_chars: int | None = DEFAULT_MAX_CONTENT_CHARS
) -> dict[str, Any]:
    """Convert a LangChain message to a Zep message dict (``content``, ``role_type``, ...).

    Chunk classes are stored as their base class. Text longer than ``max_content_chars`` is
    shortened in Zep's ``content`` (ending in ``…``); the full content then rides in the
    metadata payload, so reading it back is still exact.

    Args:
        message: Any LangChain chat message.
        max_content_chars: Longest ``content`` to give Zep, or ``None`` for no limit.

    Returns:
        A dict ready for ``POST sessions/{id}/memory``.

    Raises:
        TypeError: ``message`` is not a message, or a field (say a tool ``artifact``) is not
            JSON-serializable.
        ValueError: the message type cannot live in a chat history (``RemoveMessage``).

    Example:
        >>> message_to_zep(HumanMessage("Hi", name="Jane"))["role"]
        'Jane'
    """
    message = _base_message(message)
    kind = message.type
    text = readable_text(message)
    if max_content_chars is not None and len(text) > max_content_chars:
        text = text[: max(max_content_chars - 1, 0)] + "…"
    data = message.model_dump(exclude_defaults=True)
    data.pop("type", None)
    if data.get("content") == text:
        # Zep already stores this exact string; keep the payload small.
        del data["content"]
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{type(message).__name__} has a field that is not JSON-serializable, so it cannot be "
            f"stored in Zep (convert artifacts and kwargs to plain JSON values first): {exc}"
        ) from exc
    role = message.name
    if not role and isinstance(message, ChatMessage):
        role = message.role
    return {
        "content": text,
        "role_type": _ROLE_TYPES[kind],
        "role": role or kind,
        "metadata": {PAYLOAD_KEY: {"v": PAYLOAD_VERSION, "message": {"type": kind, "data": data}}},
    }


def messages_to_zep(
    messages: Iterable[BaseMessage], *, max_content_chars: int | None = DEFAULT_MAX_CONTENT_CHARS
) -> list[dict[str, Any]]:
    """Convert several messages with :func:`message_to_zep`."""
    return [message_to_zep(msg, max_content_chars=max_content_chars) for msg in messages]


_UNREADABLE = (ValueError, TypeError, AttributeError, LookupError)
"""What decoding a damaged or newer payload can raise (pydantic's ValidationError is a
ValueError): caught per message, so one such message cannot make a session unreadable."""


def _from_payload(payload: Any, content: str) -> BaseMessage:
    if not isinstance(payload, Mapping) or payload.get("v") != PAYLOAD_VERSION:
        version = payload.get("v") if isinstance(payload, Mapping) else None
        raise ValueError(f"unknown langchain payload (version {version!r})")
    stored = payload.get("message")
    if not isinstance(stored, Mapping):
        raise TypeError("the payload holds no message mapping")
    cls = _CLASSES.get(stored.get("type"))  # type: ignore[arg-type]
    data = stored.get("data")
    if cls is None or not isinstance(data, Mapping):
        raise ValueError(f"unknown message type {stored.get('type')!r} or data that is no mapping")
    fields = dict(data)
    fields.setdefault("content", content)
    return cls(**fields)


def _plain(zep: m.Message) -> BaseMessage:
    """The plain Zep message: its role and content, nothing from adapter payloads."""
    common: dict[str, Any] = {"content": zep.content, "id": zep.uuid}
    role_type = zep.role_type
    if role_type == "user":
        return HumanMessage(**common)
    if role_type == "assistant":
        return AIMessage(**common)
    if role_type == "system":
        return SystemMessage(**common)
    if role_type == "tool":
        return ToolMessage(tool_call_id="", **common)
    if role_type == "function":
        return FunctionMessage(name=zep.role or "function", **common)
    return ChatMessage(role=zep.role or "norole", **common)


def _llama_content(llama: Mapping[str, Any]) -> str | None:
    content = llama.get("content")
    if isinstance(content, str):
        return content
    blocks = llama.get("blocks")
    if isinstance(blocks, list) and blocks:
        texts = [
            block["text"]
            for block in blocks
            if isinstance(block, Mapping) and isinstance(block.get("text"), str)
        ]
        if len(texts) == len(blocks):
            # Text-only blocks, even empty ones (an assistant turn that only calls tools).
            return "\n".join(texts)
    return None


def message_from_zep(message: m.Message | Mapping[str, Any]) -> BaseMessage:
    """Rebuild a LangChain message from a Zep message.

    Messages written by this adapter come back exactly as they were written. Messages written
    by other clients become a class chosen by ``role_type`` (``user`` → :class:`HumanMessage`,
    ``assistant`` → :class:`AIMessage`, ``system`` → :class:`SystemMessage`, ``tool`` →
    :class:`ToolMessage`, ``function`` → :class:`FunctionMessage`, anything else →
    :class:`ChatMessage` with ``role`` = Zep's role or ``"norole"``), with:

    * ``content``: Zep's content (or the LlamaIndex adapter's full text when present);
    * ``name``: Zep's ``role`` when it names a speaker (``"Jane"``), not a kind (``"user"``);
    * ``id``: Zep's message UUID;
    * ``additional_kwargs``: the LlamaIndex adapter's ``additional_kwargs``, if any;
    * ``response_metadata["zep"]``: ``uuid``, ``created_at``, ``role``, ``role_type`` and
      ``metadata`` (the message's own metadata, without adapter payloads);
    * a tool message's ``tool_call_id`` from ``additional_kwargs`` or metadata, else ``""``.

    Example:
        >>> message_from_zep({"role_type": "user", "role": "Jane", "content": "Hi"})
        HumanMessage(content='Hi', additional_kwargs={}, response_metadata={'zep': {'role': 'Jane', 'role_type': 'user'}}, name='Jane')
    """  # noqa: E501
    zep = message if isinstance(message, m.Message) else m.Message.model_validate(message)
    try:
        return _message_from_zep(zep)
    except _UNREADABLE as exc:
        warnings.warn(
            f"Zep message {zep.uuid or '(no uuid)'} has an adapter payload this version of "
            f"zep-integrations cannot read ({type(exc).__name__}: {exc}); reading it as a plain "
            f"{zep.role_type or 'norole'} message",
            ZepDataWarning,
            stacklevel=2,
        )
        return _plain(zep)


def _message_from_zep(zep: m.Message) -> BaseMessage:
    metadata = zep.metadata or {}
    if metadata.get(PAYLOAD_KEY) is not None:
        return _from_payload(metadata[PAYLOAD_KEY], zep.content)

    llama = metadata.get(LLAMA_INDEX_KEY)
    llama = llama if isinstance(llama, Mapping) else {}
    content = _llama_content(llama)
    if content is None:
        content = zep.content
    extra = llama.get("additional_kwargs")
    additional_kwargs = dict(extra) if isinstance(extra, Mapping) else {}
    user_metadata = {k: v for k, v in metadata.items() if k not in _ADAPTER_KEYS}
    zep_info = {
        "uuid": zep.uuid,
        "created_at": zep.created_at,
        "role": zep.role,
        "role_type": zep.role_type,
        "metadata": user_metadata or None,
    }
    common: dict[str, Any] = {
        "content": content,
        "additional_kwargs": additional_kwargs,
        "response_metadata": {"zep": {k: v for k, v in zep_info.items() if v is not None}},
        "id": zep.uuid,
    }
    role = zep.role or ""
    name = None if role.lower() in _GENERIC_ROLES else role
    role_type = zep.role_type
    if role_type == "user":
        return HumanMessage(name=name, **common)
    if role_type == "assistant":
        try:
            return AIMessage(name=name, **common)
        except (pydantic.ValidationError, TypeError, ValueError):
            # Foreign additional_kwargs that AIMessage cannot parse (odd tool_calls): keep them
            # where they cannot break anything.
            common["response_metadata"]["zep"]["additional_kwargs"] = common.pop(
                "additional_kwargs"
            )
            return AIMessage(name=name, **common)
    if role_type == "system":
        return SystemMessage(name=name, **common)
    if role_type == "tool":
        tool_call_id = additional_kwargs.get("tool_call_id") or metadata.get("tool_call_id")
        return ToolMessage(
            tool_call_id=str(tool_call_id) if tool_call_id else "", name=name, **common
        )
    if role_type == "function":
        return FunctionMessage(name=role or "function", **common)
    return ChatMessage(role=role or "norole", **common)


def is_deleted(message: m.Message) -> bool:
    """Whether the LlamaIndex chat store marked ``message`` deleted (it is then not read back)."""
    return bool((message.metadata or {}).get(LLAMA_INDEX_DELETED_KEY))


def messages_from_zep(messages: Iterable[m.Message | Mapping[str, Any]]) -> list[BaseMessage]:
    """Convert several Zep messages with :func:`message_from_zep`, skipping deleted ones."""
    out: list[BaseMessage] = []
    for message in messages:
        zep = message if isinstance(message, m.Message) else m.Message.model_validate(message)
        if not is_deleted(zep):
            out.append(message_from_zep(zep))
    return out


def drop_orphan_tool_messages(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """Drop leading tool/function results whose calling AI message fell outside a window.

    Chat models reject a conversation that starts with a tool result.
    """
    start = 0
    while start < len(messages) and isinstance(messages[start], (ToolMessage, FunctionMessage)):
        start += 1
    return list(messages[start:])


def prepend_context(messages: Sequence[BaseMessage], context: str | None) -> list[BaseMessage]:
    r"""Put Zep's ``context`` in one leading :class:`SystemMessage`.

    When the conversation already starts with a system message, the context is appended to it
    (a blank line apart) instead of adding a second one; it is never placed mid-conversation.

    Example:
        >>> prepend_context([SystemMessage("Be brief.")], "Jane lives in Paris.")[0].content
        'Be brief.\n\nJane lives in Paris.'
    """
    if not context or not context.strip():
        return list(messages)
    if messages and isinstance(messages[0], SystemMessage):
        first = messages[0]
        if isinstance(first.content, str):
            merged: str | list[str | dict[str, Any]] = (
                f"{first.content}\n\n{context}" if first.content else context
            )
        else:
            merged = [*first.content, {"type": "text", "text": context}]
        return [first.model_copy(update={"content": merged}), *messages[1:]]
    return [SystemMessage(context), *messages]
