"""Pure tests of the LangChain message converters: lossless round trips and foreign messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    ChatMessageChunk,
    FunctionMessage,
    FunctionMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    RemoveMessage,
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
    message_chunk_to_message,
)

from zep_integrations import ZepDataWarning
from zep_integrations import models as m
from zep_integrations._api import message_to_wire
from zep_integrations.langchain import message_from_zep, message_to_zep
from zep_integrations.langchain._convert import (
    content_text,
    drop_orphan_tool_messages,
    prepend_context,
    readable_text,
)

ROLE_TYPES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "function",
    "chat": "norole",
}


def wire_round_trip(message: BaseMessage, **kwargs: Any) -> tuple[dict[str, Any], BaseMessage]:
    """Convert to Zep, pass through JSON as the wire would, and convert back."""
    zep = message_to_zep(message, **kwargs)
    message_to_wire(zep)  # the transport accepts it
    stored = json.loads(json.dumps(zep))
    stored.update(uuid="6f1c", created_at="2024-06-01T09:00:00Z")
    return zep, message_from_zep(stored)


# -- strategies ---------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
kwargs_dicts = st.dictionaries(
    st.text(max_size=6).filter(lambda key: key not in ("tool_calls", "function_call")),
    json_values,
    max_size=3,
)
text_block = st.builds(lambda t: {"type": "text", "text": t}, st.text(max_size=20))
image_block = st.builds(
    lambda u: {"type": "image_url", "image_url": {"url": u}}, st.text(min_size=1, max_size=10)
)
contents = st.text(max_size=40) | st.lists(
    st.text(max_size=10) | text_block | image_block, max_size=4
)
ids = st.none() | st.text(min_size=1, max_size=12)
names = st.none() | st.text(min_size=1, max_size=12)
common = {
    "content": contents,
    "name": names,
    "id": ids,
    "additional_kwargs": kwargs_dicts,
    "response_metadata": kwargs_dicts,
}
tool_calls = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.text(min_size=1, max_size=8),
            "args": st.dictionaries(st.text(max_size=5), json_values, max_size=3),
            "id": ids,
        }
    ),
    max_size=2,
)
invalid_tool_calls = st.lists(
    st.fixed_dictionaries(
        {
            "name": names,
            "args": st.none() | st.text(max_size=10),
            "id": ids,
            "error": st.none() | st.text(max_size=10),
            "type": st.just("invalid_tool_call"),
        }
    ),
    max_size=2,
)
usage = st.none() | st.builds(
    lambda i, o: {"input_tokens": i, "output_tokens": o, "total_tokens": i + o},
    st.integers(0, 10**6),
    st.integers(0, 10**6),
)
messages: st.SearchStrategy[BaseMessage] = st.one_of(
    st.builds(HumanMessage, **common),
    st.builds(SystemMessage, **common),
    st.builds(
        AIMessage,
        tool_calls=tool_calls,
        invalid_tool_calls=invalid_tool_calls,
        usage_metadata=usage,
        **common,
    ),
    st.builds(
        ToolMessage,
        tool_call_id=st.text(max_size=10),
        status=st.sampled_from(["success", "error"]),
        artifact=json_values,
        **common,
    ),
    st.builds(
        FunctionMessage,
        **{**common, "name": st.text(min_size=1, max_size=8)},
    ),
    st.builds(ChatMessage, role=st.text(min_size=1, max_size=8), **common),
    st.builds(HumanMessageChunk, **common),
    st.builds(SystemMessageChunk, **common),
    st.builds(AIMessageChunk, usage_metadata=usage, **common),
    st.builds(ToolMessageChunk, tool_call_id=st.text(max_size=10), **common),
    st.builds(FunctionMessageChunk, **{**common, "name": st.text(min_size=1, max_size=8)}),
    st.builds(ChatMessageChunk, role=st.text(min_size=1, max_size=8), **common),
)


# -- round trips --------------------------------------------------------------------------


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(messages)
def test_every_message_round_trips_exactly(message: BaseMessage) -> None:
    """Any generated message comes back equal, as its base class, through JSON."""
    expected = message_chunk_to_message(message)
    zep, back = wire_round_trip(message)
    assert type(back) is type(expected)
    assert back == expected
    assert zep["role_type"] == ROLE_TYPES[expected.type]
    assert zep["content"] == readable_text(expected)[:2500] or len(zep["content"]) == 2500


@settings(max_examples=25, deadline=None, database=None)
@given(st.text(min_size=2501, max_size=4000), st.integers(min_value=1, max_value=3000))
def test_long_content_is_shortened_for_zep_but_restored(text: str, limit: int) -> None:
    """Zep gets at most ``max_content_chars`` characters; the original comes back whole."""
    zep, back = wire_round_trip(AIMessage(text), max_content_chars=limit)
    assert len(zep["content"]) <= limit
    assert back == AIMessage(text)


@pytest.mark.parametrize(
    ("message", "role_type", "role", "content"),
    [
        (HumanMessage("Hi"), "user", "human", "Hi"),
        (HumanMessage("Hi", name="Jane"), "user", "Jane", "Hi"),
        (AIMessage("Hello"), "assistant", "ai", "Hello"),
        (SystemMessage("Be brief"), "system", "system", "Be brief"),
        (ToolMessage("42", tool_call_id="c1"), "tool", "tool", "42"),
        (FunctionMessage("42", name="add"), "function", "add", "42"),
        (ChatMessage("Nice", role="critic"), "norole", "critic", "Nice"),
        (
            HumanMessage([{"type": "text", "text": "Look"}, {"type": "image", "url": "u"}]),
            "user",
            "human",
            "Look\n[image]",
        ),
        (
            AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "c1"}]),
            "assistant",
            "ai",
            '[tool call: add({"a": 1, "b": 2})]',
        ),
    ],
)
def test_zep_sees_readable_text_and_roles(
    message: BaseMessage, role_type: str, role: str, content: str
) -> None:
    """Each class maps to the documented role_type, a speaker role and readable content."""
    zep, back = wire_round_trip(message)
    assert (zep["role_type"], zep["role"], zep["content"]) == (role_type, role, content)
    assert back == message


def test_payload_is_namespaced_and_small() -> None:
    """Only the ``langchain`` metadata key is used, and plain content is not stored twice."""
    zep = message_to_zep(HumanMessage("Hi"))
    assert zep["metadata"] == {"langchain": {"v": 1, "message": {"type": "human", "data": {}}}}


def test_chunks_are_stored_as_their_base_class() -> None:
    """An AIMessageChunk with tool call chunks reads back as an AIMessage with tool calls."""
    chunk = AIMessageChunk(
        content="",
        tool_call_chunks=[{"name": "add", "args": '{"a": 1}', "id": "c1", "index": 0}],
    )
    _, back = wire_round_trip(chunk)
    assert type(back) is AIMessage
    assert back.tool_calls == [{"name": "add", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]


def test_non_json_artifact_is_a_clear_type_error() -> None:
    """A tool artifact that JSON cannot hold fails before anything is sent."""
    with pytest.raises(TypeError, match="JSON-serializable"):
        message_to_zep(ToolMessage("x", tool_call_id="c1", artifact=object()))


def test_remove_message_is_rejected() -> None:
    """RemoveMessage is a graph instruction, not something to store."""
    with pytest.raises(ValueError, match="cannot be stored"):
        message_to_zep(RemoveMessage(id="x"))


def test_not_a_message_is_a_type_error() -> None:
    """Passing a plain string says what was expected."""
    with pytest.raises(TypeError, match="BaseMessage"):
        message_to_zep("hello")  # type: ignore[arg-type]


def test_content_text_joins_blocks() -> None:
    """Strings and text blocks are joined by newlines; other blocks become placeholders."""
    assert content_text(["a", {"type": "text", "text": "b"}, {"type": "audio"}]) == "a\nb\n[audio]"


# -- messages written by other clients ------------------------------------------------------


@pytest.mark.parametrize(
    ("role_type", "role", "cls", "name"),
    [
        ("user", "Jane", HumanMessage, "Jane"),
        ("user", "user", HumanMessage, None),
        ("assistant", "assistant", AIMessage, None),
        ("assistant", "sales_agent", AIMessage, "sales_agent"),
        ("system", None, SystemMessage, None),
        ("tool", "tool", ToolMessage, None),
        ("function", "lookup", FunctionMessage, "lookup"),
    ],
)
def test_sdk_messages_read_as_the_class_of_their_role_type(
    role_type: str, role: str | None, cls: type[BaseMessage], name: str | None
) -> None:
    """A message from the official SDK becomes the class its role_type names."""
    zep = m.Message(
        uuid="u-1",
        created_at="2024-06-01T09:00:00Z",
        role_type=role_type,
        role=role,
        content="text",
        metadata={"seq": 1},
    )
    back = message_from_zep(zep)
    assert type(back) is cls
    assert back.content == "text"
    assert back.name == name
    assert back.id == "u-1"
    assert back.response_metadata["zep"]["metadata"] == {"seq": 1}
    assert back.response_metadata["zep"]["created_at"] == "2024-06-01T09:00:00Z"


def test_norole_reads_as_chat_message() -> None:
    """``norole`` keeps Zep's role as the chat role, defaulting to "norole"."""
    assert message_from_zep({"role_type": "norole", "role": "critic", "content": "x"}) == (
        ChatMessage(
            "x",
            role="critic",
            response_metadata={"zep": {"role": "critic", "role_type": "norole"}},
        )
    )
    back = message_from_zep({"role_type": "norole", "content": "x"})
    assert isinstance(back, ChatMessage)
    assert back.role == "norole"


def test_sdk_tool_message_takes_tool_call_id_from_metadata() -> None:
    """A tool result written by another client keeps its tool_call_id when metadata has it."""
    back = message_from_zep(
        {"role_type": "tool", "content": "42", "metadata": {"tool_call_id": "c9"}}
    )
    assert isinstance(back, ToolMessage)
    assert back.tool_call_id == "c9"
    assert message_from_zep({"role_type": "tool", "content": "42"}).tool_call_id == ""  # type: ignore[attr-defined]


def test_llama_index_messages_keep_their_kwargs_and_full_text() -> None:
    """The LlamaIndex payload supplies additional_kwargs and the untruncated text."""
    back = message_from_zep(
        {
            "role_type": "tool",
            "role": "tool",
            "content": "short…",
            "metadata": {
                "llama_index": {
                    "v": 1,
                    "role": "tool",
                    "blocks": [{"block_type": "text", "text": "the full result"}],
                    "additional_kwargs": {"tool_call_id": "c1", "name": "add"},
                },
                "topic": "math",
            },
        }
    )
    assert isinstance(back, ToolMessage)
    assert back.content == "the full result"
    assert back.tool_call_id == "c1"
    assert back.additional_kwargs == {"tool_call_id": "c1", "name": "add"}
    assert back.response_metadata["zep"]["metadata"] == {"topic": "math"}


def test_llama_index_openai_tool_calls_become_tool_calls() -> None:
    """OpenAI-style tool calls in LlamaIndex kwargs surface as AIMessage.tool_calls."""
    call = {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1}'}}
    back = message_from_zep(
        {
            "role_type": "assistant",
            "content": "[tool call]",
            "metadata": {
                "llama_index": {"v": 1, "content": "", "additional_kwargs": {"tool_calls": [call]}}
            },
        }
    )
    assert isinstance(back, AIMessage)
    assert back.tool_calls[0]["name"] == "add"
    assert back.tool_calls[0]["args"] == {"a": 1}


def test_damaged_payload_falls_back_to_role_type() -> None:
    """A payload of an unknown version or shape is read as the plain message, with a warning."""
    for payload in ({"v": 99}, {"v": 1, "message": {"type": "alien", "data": {}}}, "junk"):
        with pytest.warns(ZepDataWarning, match="cannot read"):
            back = message_from_zep(
                {"role_type": "assistant", "content": "hi", "metadata": {"langchain": payload}}
            )
        assert isinstance(back, AIMessage)
        assert back.content == "hi"


# -- windows and context --------------------------------------------------------------------


def test_leading_orphan_tool_results_are_dropped() -> None:
    """Tool and function results before the first other message are cut; later ones stay."""
    tool = ToolMessage("42", tool_call_id="c1")
    func = FunctionMessage("1", name="f")
    human = HumanMessage("Hi")
    ai = AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "c2"}])
    later = ToolMessage("7", tool_call_id="c2")
    assert drop_orphan_tool_messages([tool, func, human, ai, later]) == [human, ai, later]
    assert drop_orphan_tool_messages([tool]) == []


def test_context_becomes_one_leading_system_message() -> None:
    """Context is prepended as a system message, merged into an existing leading one."""
    human = HumanMessage("Hi")
    assert prepend_context([human], "CTX") == [SystemMessage("CTX"), human]
    merged = prepend_context([SystemMessage("Be brief", id="s"), human], "CTX")
    assert merged == [SystemMessage("Be brief\n\nCTX", id="s"), human]
    blocks = prepend_context([SystemMessage([{"type": "text", "text": "A"}]), human], "CTX")
    assert blocks[0].content == [{"type": "text", "text": "A"}, {"type": "text", "text": "CTX"}]
    middle = prepend_context([human, SystemMessage("mid")], "CTX")
    assert [type(msg) for msg in middle] == [SystemMessage, HumanMessage, SystemMessage]
    assert prepend_context([human], None) == [human]
    assert prepend_context([human], "  ") == [human]


def test_messages_from_the_llama_index_adapter_read_naturally() -> None:
    """Messages written by the LlamaIndex adapter become the matching LangChain class."""
    from llama_index.core.llms import ChatMessage as LlamaMessage

    from zep_integrations.llama_index._convert import message_to_zep as llama_to_zep

    call = {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1}'}}
    written = [
        LlamaMessage(role="system", content="Be brief."),
        LlamaMessage(role="user", content="Add one"),
        LlamaMessage(role="assistant", content="", additional_kwargs={"tool_calls": [call]}),
        LlamaMessage(role="tool", content="1", additional_kwargs={"tool_call_id": "c1"}),
        LlamaMessage(role="chatbot", content="Done."),
    ]
    back = [message_from_zep(json.loads(json.dumps(llama_to_zep(msg)))) for msg in written]
    assert [type(msg) for msg in back] == [
        SystemMessage,
        HumanMessage,
        AIMessage,
        ToolMessage,
        AIMessage,
    ]
    assert [msg.content for msg in back] == ["Be brief.", "Add one", "", "1", "Done."]
    assert back[2].tool_calls == [
        {"name": "add", "args": {"a": 1}, "id": "c1", "type": "tool_call"}
    ]
    assert back[3].tool_call_id == "c1"  # type: ignore[attr-defined]
    assert all(msg.name is None for msg in back)


def test_messages_deleted_by_the_llama_index_store_are_skipped() -> None:
    """A tombstoned message is left out of a read and its flag is not user metadata."""
    from zep_integrations.langchain import messages_from_zep

    stored = [
        {"role_type": "user", "content": "keep", "metadata": {"topic": "x"}},
        {"role_type": "user", "content": "gone", "metadata": {"llama_index_deleted": True}},
    ]
    back = messages_from_zep(stored)
    assert [msg.content for msg in back] == ["keep"]
    assert back[0].response_metadata["zep"]["metadata"] == {"topic": "x"}
