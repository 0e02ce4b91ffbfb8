"""Pure converters between LlamaIndex ``ChatMessage`` and Zep messages; no I/O.

A LlamaIndex message is stored as a Zep message whose ``content`` is readable text (what Zep
searches, summarizes and shows in its UI) and whose metadata key ``"llama_index"`` holds everything
needed to rebuild the message exactly::

    {"v": 1, "role": "assistant", "blocks": [...], "additional_kwargs": {...}}

``blocks`` is omitted when the message is a single text block equal to ``content``, and
``additional_kwargs`` when it is empty, so the common case costs a few bytes. Blocks are serialized
with ``model_dump(mode="json")``, never with the chat-store serializers that llama-index-core 0.14
breaks under pydantic >= 2.14.

Messages written by other writers read back with the right role: the LangChain adapter (metadata
key ``"langchain"``: ``{"type": "ai", "data": {...}}``) and plain Zep messages (``role_type``).

Writing is exact or refused: ``additional_kwargs`` and the free-form parts of blocks (say a tool
call's arguments) must be JSON values that read back equal, so NaN, infinities, datetimes, sets,
bytes and other objects raise ``TypeError`` before anything is sent (pydantic models in
``additional_kwargs`` are stored as their JSON form, and tuples as lists).

Reading never fails on one message: a payload this version cannot decode (a block type from a
newer llama-index, ``additional_kwargs`` that is not a mapping, a newer payload version) is read
as the plain Zep message (role and content) with a
:class:`~zep_integrations.errors.ZepDataWarning`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import pydantic
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.llms import ChatMessage, MessageRole, TextBlock
from pydantic_core import PydanticSerializationError

from zep_integrations import models as m
from zep_integrations._limits import MAX_JSON_DEPTH, check_json_value
from zep_integrations.errors import ZepDataWarning

__all__ = [
    "DELETED_KEY",
    "LANGCHAIN_KEY",
    "MAX_CONTENT_CHARS",
    "PAYLOAD_KEY",
    "context_text",
    "is_deleted",
    "message_from_zep",
    "message_to_zep",
    "messages_from_zep",
    "trim_window",
    "with_context",
]

PAYLOAD_KEY = "llama_index"
"""Metadata key holding the lossless LlamaIndex payload."""
LANGCHAIN_KEY = "langchain"
"""Metadata key written by :mod:`zep_integrations.langchain`."""
DELETED_KEY = "llama_index_deleted"
"""Metadata flag of a message deleted by ``ZepChatStore`` (Zep cannot delete a single message)."""
MAX_CONTENT_CHARS = 2500
"""Zep CE and free plans reject longer ``content`` (section 1); the payload keeps the full text."""
PAYLOAD_VERSION = 1

ROLE_TO_ROLE_TYPE: dict[MessageRole, str] = {
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.TOOL: "tool",
    MessageRole.FUNCTION: "function",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
}

_ROLE_TYPE_TO_ROLE: dict[str, MessageRole] = {
    "user": MessageRole.USER,
    "assistant": MessageRole.ASSISTANT,
    "system": MessageRole.SYSTEM,
    "tool": MessageRole.TOOL,
    "function": MessageRole.FUNCTION,
    # Zep's "norole" (plain transcripts from the official SDK) is spoken by a person.
    "norole": MessageRole.USER,
}

_LANGCHAIN_TYPE_TO_ROLE: dict[str, MessageRole] = {
    "human": MessageRole.USER,
    "ai": MessageRole.ASSISTANT,
    "system": MessageRole.SYSTEM,
    "developer": MessageRole.DEVELOPER,
    "tool": MessageRole.TOOL,
    "function": MessageRole.FUNCTION,
}

_ROLE_VALUES = {role.value for role in MessageRole}


def _role(value: Any, default: MessageRole) -> MessageRole:
    return MessageRole(value) if isinstance(value, str) and value in _ROLE_VALUES else default


def readable_text(message: ChatMessage) -> str:
    """The text Zep should see for ``message``: its text, else a short description of its blocks."""
    text = message.content or ""
    if text:
        return text
    parts: list[str] = []
    for block in message.blocks:
        if isinstance(block, ToolCallBlock):
            parts.append(f"[tool call {block.tool_name}({_json(block.tool_kwargs)})]")
        elif not isinstance(block, TextBlock):
            parts.append(f"[{block.block_type}]")
    for call in message.additional_kwargs.get("tool_calls") or []:
        function = _get(call, "function")
        name = _get(function, "name") if function is not None else _get(call, "name")
        args = _get(function, "arguments") if function is not None else _get(call, "args")
        parts.append(f"[tool call {name}({args if isinstance(args, str) else _json(args)})]")
    return " ".join(parts)


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _plain(value: Any, depth: int = 0) -> Any:
    """``value`` with pydantic models replaced by their Python dump, for ``check_json_value``."""
    if depth > MAX_JSON_DEPTH:
        return value  # check_json_value refuses it as too deep
    if isinstance(value, pydantic.BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        return {key: _plain(child, depth + 1) for key, child in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(child, depth + 1) for child in value]
    return value


def _check_exact(value: Any, what: str) -> None:
    """Raise ``TypeError`` unless ``value`` is JSON that reads back as the same value."""
    try:
        check_json_value(_plain(value), what)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"ChatMessage has a value that is not JSON-serializable as is, so it would not read "
            f"back the same from Zep ({exc}); convert it to plain JSON values (str, finite "
            "numbers, bool, None, lists, dicts) first"
        ) from exc


def _check_message_values(message: ChatMessage) -> None:
    _check_exact(message.additional_kwargs, "ChatMessage additional_kwargs")
    for index, block in enumerate(message.blocks):
        for name, value in block:
            # Typed fields (text, URLs, bytes) round-trip through pydantic; containers are free.
            if isinstance(value, (dict, list, tuple, set, frozenset)):
                _check_exact(value, f"ChatMessage blocks[{index}].{name}")


def message_to_zep(
    message: ChatMessage, *, max_content_chars: int = MAX_CONTENT_CHARS
) -> dict[str, Any]:
    """Convert a LlamaIndex message to a Zep message dict, losslessly.

    Args:
        message: The message to store.
        max_content_chars: Longer text is cut in ``content`` (Zep rejects it); the payload keeps
            the full blocks, so reading back is exact.

    Returns:
        ``{"role_type", "role", "content", "metadata": {"llama_index": payload}}``.

    Raises:
        TypeError: ``additional_kwargs`` or a block holds a value that JSON would change (NaN,
            infinity, datetime, set, bytes, another object): refused, never rewritten.

    Example:
        >>> zep = message_to_zep(ChatMessage(role="user", content="Hi"))
        >>> zep["role_type"], zep["content"], zep["metadata"]
        ('user', 'Hi', {'llama_index': {'v': 1, 'role': 'user'}})
    """
    _check_message_values(message)
    try:
        dumped = message.model_dump(mode="json")
    except PydanticSerializationError as exc:
        raise TypeError(
            "ChatMessage has a value that is not JSON-serializable, so it cannot be stored in Zep "
            f"(convert additional_kwargs and blocks to plain JSON values first): {exc}"
        ) from exc
    text = readable_text(message)
    content = text if len(text) <= max_content_chars else text[: max_content_chars - 1] + "…"
    payload: dict[str, Any] = {"v": PAYLOAD_VERSION, "role": message.role.value}
    if dumped["blocks"] != [{"block_type": "text", "text": content}]:
        payload["blocks"] = dumped["blocks"]
    if dumped["additional_kwargs"]:
        payload["additional_kwargs"] = dumped["additional_kwargs"]
    return {
        "role_type": ROLE_TO_ROLE_TYPE.get(message.role, "norole"),
        "role": message.role.value,
        "content": content,
        "metadata": {PAYLOAD_KEY: payload},
    }


def is_deleted(message: m.Message) -> bool:
    """Whether ``message`` carries the :data:`DELETED_KEY` tombstone."""
    return bool((message.metadata or {}).get(DELETED_KEY))


def message_from_zep(message: m.Message) -> ChatMessage:
    """Rebuild a LlamaIndex message from a Zep message, whoever wrote it.

    Order of preference: our lossless payload, a LangChain message dict, then Zep's ``role_type``.

    Example:
        >>> from zep_integrations.models import Message
        >>> message_from_zep(Message(role_type="assistant", content="Hello")).role.value
        'assistant'
    """
    role = _ROLE_TYPE_TO_ROLE.get(message.role_type or "", MessageRole.USER)
    metadata = message.metadata or {}
    try:
        payload = metadata.get(PAYLOAD_KEY)
        if payload is not None:
            return _from_payload(payload, message.content, role)
        langchain = metadata.get(LANGCHAIN_KEY)
        if isinstance(langchain, Mapping) and isinstance(langchain.get("type"), str):
            return _from_langchain(langchain, message.content)
    except (ValueError, TypeError, AttributeError, LookupError) as exc:
        # One message this version cannot decode must not make the whole session unreadable.
        warnings.warn(
            f"Zep message {message.uuid or '(no uuid)'} has an adapter payload this version of "
            f"zep-integrations cannot read ({type(exc).__name__}: {exc}); reading it as a plain "
            f"{role.value} message",
            ZepDataWarning,
            stacklevel=2,
        )
    return ChatMessage(role=role, content=message.content)


def _from_payload(payload: Any, content: str, fallback: MessageRole) -> ChatMessage:
    if not isinstance(payload, Mapping) or payload.get("v") != PAYLOAD_VERSION:
        version = payload.get("v") if isinstance(payload, Mapping) else None
        raise ValueError(f"unknown llama_index payload (version {version!r})")
    blocks = payload.get("blocks")
    extra = payload.get("additional_kwargs")
    if extra is not None and not isinstance(extra, Mapping):
        raise TypeError(f"additional_kwargs is a {type(extra).__name__}, not a mapping")
    if blocks is not None and not isinstance(blocks, list):
        raise TypeError(f"blocks is a {type(blocks).__name__}, not a list")
    return ChatMessage.model_validate(
        {
            "role": _role(payload.get("role"), fallback),
            "blocks": blocks if blocks is not None else [{"block_type": "text", "text": content}],
            "additional_kwargs": dict(extra or {}),
        }
    )


def _from_langchain(data: Mapping[str, Any], fallback_text: str) -> ChatMessage:
    kind = str(data["type"])
    body = data.get("data")
    fields: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    # message_to_dict() of a chunk says e.g. "AIMessageChunk".
    kind = {
        "AIMessageChunk": "ai",
        "HumanMessageChunk": "human",
        "SystemMessageChunk": "system",
        "ToolMessageChunk": "tool",
        "FunctionMessageChunk": "function",
        "ChatMessageChunk": "chat",
    }.get(kind, kind)
    if kind == "chat":
        lc_role = fields.get("role")
        role = _LANGCHAIN_TYPE_TO_ROLE.get(str(lc_role)) or _role(lc_role, MessageRole.USER)
    else:
        role = _LANGCHAIN_TYPE_TO_ROLE.get(kind, MessageRole.USER)
    content = fields.get("content")
    text = content if isinstance(content, str) else _langchain_text(content, fallback_text)
    extra: dict[str, Any] = {}
    tool_calls = fields.get("tool_calls")
    if role is MessageRole.ASSISTANT and isinstance(tool_calls, list) and tool_calls:
        # LangChain's {name, args, id} -> the OpenAI shape LlamaIndex LLMs read back.
        extra["tool_calls"] = [
            {
                "id": call.get("id"),
                "type": "function",
                "function": {"name": call.get("name"), "arguments": _json(call.get("args") or {})},
            }
            for call in tool_calls
            if isinstance(call, Mapping)
        ]
    if isinstance(fields.get("tool_call_id"), str):
        extra["tool_call_id"] = fields["tool_call_id"]
    if role in (MessageRole.TOOL, MessageRole.FUNCTION) and isinstance(fields.get("name"), str):
        extra["name"] = fields["name"]
    return ChatMessage(role=role, content=text, additional_kwargs=extra)


def _langchain_text(content: Any, fallback: str) -> str:
    if not isinstance(content, list):
        return fallback
    parts = [
        part if isinstance(part, str) else str(part.get("text", ""))
        for part in content
        if isinstance(part, str) or (isinstance(part, Mapping) and part.get("type") == "text")
    ]
    return "".join(parts) if parts else fallback


def messages_from_zep(messages: Iterable[m.Message] | None) -> list[ChatMessage]:
    """Convert Zep messages oldest first, skipping the ones :class:`ZepChatStore` deleted."""
    return [message_from_zep(message) for message in messages or [] if not is_deleted(message)]


def trim_window(messages: list[ChatMessage]) -> list[ChatMessage]:
    """Drop leading tool results whose assistant tool call fell out of the window.

    Providers reject a tool message that does not follow the assistant message that called it.
    """
    start = 0
    orphans = (MessageRole.TOOL, MessageRole.FUNCTION)
    while start < len(messages) and messages[start].role in orphans:
        start += 1
    return messages[start:]


def context_text(memory: m.Memory | None) -> str | None:
    """Zep's prompt-ready context for a session: ``context``, else facts, else the summary."""
    if memory is None:
        return None
    if memory.context:
        return memory.context
    facts = [fact.text for fact in memory.relevant_facts or [] if fact.text]
    facts += [fact for fact in memory.facts or [] if fact and fact not in facts]
    if facts:
        return "\n".join(f"- {fact}" for fact in facts)
    if memory.summary is not None and memory.summary.content:
        return memory.summary.content
    return None


def with_context(messages: list[ChatMessage], context: str | None) -> list[ChatMessage]:
    """Put ``context`` into one leading system message, merged with an existing one.

    Never inserts a system message in the middle of the conversation.
    """
    if not context:
        return messages
    if messages and messages[0].role in (MessageRole.SYSTEM, MessageRole.DEVELOPER):
        first = messages[0]
        if all(isinstance(block, TextBlock) for block in first.blocks):
            blocks: list[Any] = [TextBlock(text=f"{first.content or ''}\n\n{context}")]
        else:
            blocks = [*first.blocks, TextBlock(text=context)]
        merged = first.model_copy(update={"blocks": blocks})
        return [merged, *messages[1:]]
    return [ChatMessage(role=MessageRole.SYSTEM, content=context), *messages]
