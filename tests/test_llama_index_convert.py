"""Pure tests of the LlamaIndex <-> Zep message converters (no I/O)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.llms import ChatMessage, ImageBlock, MessageRole, TextBlock

from zep_integrations import _api
from zep_integrations import models as m
from zep_integrations.llama_index._convert import (
    DELETED_KEY,
    context_text,
    message_from_zep,
    message_to_zep,
    messages_from_zep,
    trim_window,
    with_context,
)


def roundtrip(message: ChatMessage, **kwargs: int) -> ChatMessage:
    wire = message_to_zep(message, **kwargs)
    _api.message_to_wire(wire)  # what the client would send must be valid
    return message_from_zep(m.Message.model_validate(json.loads(json.dumps(wire))))


@pytest.mark.parametrize(
    ("role", "role_type"),
    [
        ("user", "user"),
        ("assistant", "assistant"),
        ("system", "system"),
        ("developer", "system"),
        ("tool", "tool"),
        ("function", "function"),
        ("chatbot", "assistant"),
        ("model", "assistant"),
    ],
)
def test_every_role_maps_to_a_zep_role_type_and_back(role: str, role_type: str) -> None:
    """Each MessageRole gets a valid Zep role_type and reads back as itself."""
    message = ChatMessage(role=role, content="hello")
    assert message_to_zep(message)["role_type"] == role_type
    assert roundtrip(message) == message


def test_blocks_and_additional_kwargs_round_trip() -> None:
    """Images, tool-call blocks and OpenAI-style additional_kwargs survive exactly."""
    message = ChatMessage(
        role="assistant",
        blocks=[
            TextBlock(text="Let me add."),
            ImageBlock(image=b"\x89PNG fake", image_mimetype="image/png"),
            ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs={"a": 2, "b": 3}),
        ],
        additional_kwargs={
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{}"}}
            ]
        },
    )
    assert roundtrip(message) == message
    tool = ChatMessage(role="tool", content="5", additional_kwargs={"tool_call_id": "c1"})
    assert roundtrip(tool) == tool


def test_plain_text_stores_no_duplicate_payload() -> None:
    """A single text block is kept only in content; the payload holds the role."""
    wire = message_to_zep(ChatMessage(role="user", content="Hi"))
    assert wire["content"] == "Hi"
    assert wire["metadata"] == {"llama_index": {"v": 1, "role": "user"}}


def test_long_text_is_cut_in_content_but_kept_in_metadata() -> None:
    """Zep's 2,500-character limit never loses text: the full message is in the payload."""
    message = ChatMessage(role="user", content="x" * 3000)
    wire = message_to_zep(message)
    assert len(wire["content"]) == 2500
    assert roundtrip(message) == message


def test_tool_call_without_text_gets_readable_content() -> None:
    """Zep sees a readable description of a tool call instead of an empty message."""
    message = ChatMessage(
        role="assistant",
        blocks=[ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs={"a": 1})],
    )
    assert message_to_zep(message)["content"] == '[tool call add({"a": 1})]'


@pytest.mark.parametrize(
    ("role_type", "role"),
    [
        ("user", MessageRole.USER),
        ("assistant", MessageRole.ASSISTANT),
        ("system", MessageRole.SYSTEM),
        ("tool", MessageRole.TOOL),
        ("function", MessageRole.FUNCTION),
        ("norole", MessageRole.USER),
        (None, MessageRole.USER),
    ],
)
def test_sdk_messages_read_by_role_type(role_type: str | None, role: MessageRole) -> None:
    """Messages written by the official SDK (no payload) take their role from role_type."""
    message = message_from_zep(m.Message(role_type=role_type, role="Jane", content="Hi"))
    assert (message.role, message.content) == (role, "Hi")


def test_langchain_messages_read_back_with_roles_and_tool_calls() -> None:
    """LangChain-written messages keep their role; tool calls become OpenAI-style kwargs."""
    ai = m.Message(
        role_type="assistant",
        content="",
        metadata={
            "langchain": {
                "type": "ai",
                "data": {
                    "content": "",
                    "tool_calls": [{"name": "add", "args": {"a": 1}, "id": "t1"}],
                },
            }
        },
    )
    tool = m.Message(
        role_type="tool",
        content="2",
        metadata={"langchain": {"type": "tool", "data": {"content": "2", "tool_call_id": "t1"}}},
    )
    human = m.Message(
        role_type="user",
        content="hi",
        metadata={
            "langchain": {"type": "human", "data": {"content": [{"type": "text", "text": "hi"}]}}
        },
    )
    chat = m.Message(
        role_type="norole",
        content="x",
        metadata={"langchain": {"type": "chat", "data": {"content": "x", "role": "ai"}}},
    )
    converted = messages_from_zep([ai, tool, human, chat])
    assert [msg.role for msg in converted] == [
        MessageRole.ASSISTANT,
        MessageRole.TOOL,
        MessageRole.USER,
        MessageRole.ASSISTANT,
    ]
    assert converted[0].additional_kwargs["tool_calls"] == [
        {"id": "t1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1}'}}
    ]
    assert converted[1].additional_kwargs == {"tool_call_id": "t1"}
    assert converted[2].content == "hi"


def test_tombstoned_messages_are_hidden() -> None:
    """Messages deleted by the chat store are skipped when reading."""
    kept = m.Message(role_type="user", content="a")
    gone = m.Message(role_type="user", content="b", metadata={DELETED_KEY: True})
    assert [msg.content for msg in messages_from_zep([kept, gone])] == ["a"]


def test_trim_window_drops_orphan_tool_results() -> None:
    """A window never starts with a tool result whose call was cut off."""
    window = [
        ChatMessage(role="tool", content="5"),
        ChatMessage(role="assistant", content="It is 5."),
    ]
    assert [msg.role for msg in trim_window(window)] == [MessageRole.ASSISTANT]


def test_context_merges_into_a_leading_system_message() -> None:
    """Context goes into the first system message, or a new one at the front, never mid-list."""
    chat = [ChatMessage(role="user", content="hi"), ChatMessage(role="system", content="late")]
    added = with_context(chat, "CTX")
    assert [msg.role for msg in added] == ["system", "user", "system"]
    assert added[0].content == "CTX"
    merged = with_context([ChatMessage(role="system", content="Be brief."), *chat], "CTX")
    assert len(merged) == 3
    assert merged[0].content == "Be brief.\n\nCTX"
    assert with_context(chat, None) == chat


def test_context_text_prefers_context_then_facts_then_summary() -> None:
    """Zep's context block is used when present, else facts, else the summary."""
    assert context_text(m.Memory(context="C", facts=["f"])) == "C"
    facts = m.Memory(relevant_facts=[m.Fact(fact="Jane likes tea")])
    assert context_text(facts) == "- Jane likes tea"
    assert context_text(m.Memory(summary=m.Summary(content="S"))) == "S"
    assert context_text(None) is None


_text = st.text(max_size=40)
_blocks = st.lists(
    st.one_of(
        _text.map(lambda text: TextBlock(text=text)),
        st.binary(min_size=1, max_size=20).map(
            lambda data: ImageBlock(image=data, image_mimetype="image/png")
        ),
        st.builds(
            ToolCallBlock,
            tool_call_id=st.one_of(st.none(), _text),
            tool_name=_text,
            # Integers within 64 bits: larger ones are refused before sending (_limits).
            tool_kwargs=st.dictionaries(
                _text, st.integers(-(2**63) + 1, 2**63 - 1) | _text, max_size=3
            ),
        ),
    ),
    max_size=4,
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, database=None)
@given(
    role=st.sampled_from(list(MessageRole)),
    blocks=_blocks,
    extra=st.dictionaries(_text, _json, max_size=3),
    limit=st.integers(min_value=2, max_value=60),
)
def test_any_message_round_trips(
    role: MessageRole, blocks: list[object], extra: dict[str, object], limit: int
) -> None:
    """Any role, mix of blocks and JSON additional_kwargs round-trips exactly."""
    message = ChatMessage(role=role, blocks=blocks, additional_kwargs=extra)
    assert roundtrip(message, max_content_chars=limit) == message


def test_docstring_examples_run() -> None:
    """Every Example: in the LlamaIndex adapter docstrings runs as written."""
    import doctest

    from zep_integrations.llama_index import _chat_store, _convert, _memory, _retriever

    for module in (_convert, _chat_store, _memory, _retriever):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        assert result.attempted > 0, module.__name__


def test_import_without_llama_index_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the extra, importing the adapters names the pip extra to install."""
    import importlib
    import sys

    for name in [n for n in sys.modules if n.startswith("zep_integrations.llama_index")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "llama_index.core", None)
    with pytest.raises(ImportError, match=r"zep-integrations\[llama-index\]"):
        importlib.import_module("zep_integrations.llama_index")


def test_adapters_serialize_without_chat_messages() -> None:
    """to_dict() of the pydantic adapters holds settings only (no broken ChatMessage path)."""
    from zep_integrations.llama_index import ZepChatStore, ZepMemory

    assert ZepChatStore(user_id="jane").to_dict()["user_id"] == "jane"
    data = ZepMemory.from_defaults(session_id="s1", window=4).to_dict()
    assert (data["session_id"], data["window"], data["class_name"]) == ("s1", 4, "ZepMemory")
