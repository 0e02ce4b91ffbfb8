"""``zep-integrations demo``: the whole package in one offline command.

A short conversation goes through a LangChain chain (``RunnableWithMessageHistory`` with
:class:`~zep_integrations.langchain.ZepChatMessageHistory`), continues in a LlamaIndex
``SimpleChatEngine`` with :class:`~zep_integrations.llama_index.ZepMemory` on the same Zep
session, then a search and Zep's context are printed, and the same conversation is read back
through today's Zep API (v4: look the session up as a thread UUID, page its messages, get its
context block). Both "models" are small offline fakes that
answer from what memory hands them, so the output shows what each framework saw. Run it twice:
the second run remembers the first. ``--reset`` starts clean.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from zep_integrations import NotFoundError, ZepClient

SESSION_ID = "demo-session"
USER_ID = "demo-user"

LANGCHAIN_TURNS = (
    "Hi! I'm Jane, and I live in Lisbon.",
    "I'm planning a train trip to Porto next month. Any tips?",
)
RETURNING_TURNS = ("I'm back! Do you remember where I live?",)
LLAMA_INDEX_TURNS = ("Where do I live, and where am I travelling?",)


def fake_reply(history: Sequence[tuple[str, str]], question: str) -> str:
    """Answer like a model that only knows what memory handed it (deterministic, offline).

    Args:
        history: ``(role, text)`` pairs the framework passed to the model, context included.
        question: The latest user message.
    """
    seen = " ".join(text for _, text in history)
    place = re.findall(r"I live in (\w+)", seen)
    trip = re.findall(r"trip to (\w+)", seen)
    if "where" in question.lower() and place:
        answer = f"You live in {place[-1]}"
        answer += f" and you're travelling to {trip[-1]}." if trip else "."
    elif "trip" in question.lower():
        answer = "Book early: regional trains are cheap, and sit on the river side."
    else:
        answer = "Nice to meet you! I'll remember that."
    return f"{answer} [saw {len(history)} messages of memory]"


def _langchain_model() -> Any:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    class FakeMemoryModel(BaseChatModel):
        """A LangChain chat model that answers with :func:`fake_reply`."""

        @property
        def _llm_type(self) -> str:
            return "zep-demo-fake"

        def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
            history = [(m.type, str(m.content)) for m in messages[:-1]]
            reply = fake_reply(history, str(messages[-1].content))
            return ChatResult(generations=[ChatGeneration(message=AIMessage(reply))])

    return FakeMemoryModel()


def _llama_index_llm() -> Any:
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        CompletionResponse,
        CompletionResponseGen,
        LLMMetadata,
    )
    from llama_index.core.llms import CustomLLM

    class FakeMemoryLLM(CustomLLM):
        """A LlamaIndex LLM that answers with :func:`fake_reply`."""

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(model_name="zep-demo-fake")

        def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
            history = [(m.role.value, m.content or "") for m in messages[:-1]]
            reply = fake_reply(history, messages[-1].content or "")
            return ChatResponse(message=ChatMessage(role="assistant", content=reply))

        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
            return CompletionResponse(text=fake_reply([], prompt))

        def stream_complete(
            self, prompt: str, formatted: bool = False, **kwargs: Any
        ) -> CompletionResponseGen:
            def gen() -> CompletionResponseGen:
                yield CompletionResponse(text=fake_reply([], prompt))

            return gen()

    return FakeMemoryLLM()


def _say(out: Callable[[str], None], who: str, text: str) -> None:
    out(f"   {who:<4} {text}")


def run_demo(
    db_path: str | Path | None = None,
    *,
    reset: bool = False,
    out: Callable[[str], None] = print,
) -> int:
    """Run the demo against the embedded server at ``db_path`` (default: the user's data dir).

    Args:
        db_path: SQLite file of the embedded server.
        reset: Delete the demo's user and session first.
        out: Where to print lines.

    Returns:
        The process exit status (0).
    """
    started = time.perf_counter()
    # The demo is about the offline default: an explicit db_path keeps the demo conversation
    # out of a Zep Cloud account or remote server configured in the environment.
    from zep_integrations import _config

    path = db_path or os.environ.get(_config.ENV_DB_PATH) or _config.default_db_path()
    # The demo shows the v2 session API; ZEP_API_VERSION (meant for the app's own clients) must
    # not turn it into a v3/v4 client that refuses those calls.
    client = ZepClient(db_path=path, api_version="v2")
    out("zep-integrations demo: long-term memory for LangChain and LlamaIndex, offline")
    out(f"   data lives in {client.settings.db_path}")
    if reset:
        for delete, key in ((client.delete_session, SESSION_ID), (client.delete_user, USER_ID)):
            with contextlib.suppress(NotFoundError):
                delete(key)
        out("   --reset: deleted the demo user and its sessions")

    earlier = client.get_messages(SESSION_ID).messages if _exists(client) else []
    if earlier:
        out(f"   welcome back: session {SESSION_ID!r} already holds {len(earlier)} messages")
        out(f"   from earlier runs (the last one: {earlier[-1].content!r})")
    else:
        out(f"   a new session {SESSION_ID!r} for user {USER_ID!r}")

    _langchain_part(client, out, RETURNING_TURNS if earlier else LANGCHAIN_TURNS)
    _llama_index_part(client, out)
    _search_part(client, out)
    _today_part(path, out)

    out(f"\nDone in {time.perf_counter() - started:.1f}s. Run it again: it remembers.")
    out("Start clean with `zep-integrations demo --reset`.")
    client.close()
    return 0


def _exists(client: ZepClient) -> bool:
    try:
        client.get_session(SESSION_ID)
    except NotFoundError:
        return False
    return True


def _langchain_part(client: ZepClient, out: Callable[[str], None], turns: Sequence[str]) -> None:
    from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
    from langchain_core.runnables.history import RunnableWithMessageHistory

    from zep_integrations.langchain import ZepChatMessageHistory

    # RunnableWithMessageHistory is deprecated in langchain-core 1.x but fully supported; it is
    # what "chat message history" means to LangChain users. Keep its warning out of the demo.
    warnings.filterwarnings("ignore", message="RunnableWithMessageHistory is deprecated")

    out("\n1. LangChain: RunnableWithMessageHistory + ZepChatMessageHistory")
    prompt = ChatPromptTemplate.from_messages(
        [MessagesPlaceholder("history"), ("human", "{question}")]
    )
    chain = RunnableWithMessageHistory(
        prompt | _langchain_model(),
        lambda session_id: ZepChatMessageHistory(session_id, user_id=USER_ID, client=client),
        input_messages_key="question",
        history_messages_key="history",
    )
    for question in turns:
        _say(out, "you", question)
        reply = chain.invoke(
            {"question": question}, config={"configurable": {"session_id": SESSION_ID}}
        )
        _say(out, "ai", str(reply.content))


def _llama_index_part(client: ZepClient, out: Callable[[str], None]) -> None:
    from llama_index.core.chat_engine import SimpleChatEngine

    from zep_integrations.llama_index import ZepMemory

    out("\n2. LlamaIndex: SimpleChatEngine + ZepMemory, continuing the same Zep session")
    memory = ZepMemory.from_defaults(session_id=SESSION_ID, user_id=USER_ID, client=client)
    engine = SimpleChatEngine.from_defaults(llm=_llama_index_llm(), memory=memory)
    for question in LLAMA_INDEX_TURNS:
        _say(out, "you", question)
        _say(out, "ai", str(engine.chat(question)))


def _search_part(client: ZepClient, out: Callable[[str], None]) -> None:
    out('\n3. Search the session: "train to Porto"')
    for hit in client.search_memory(SESSION_ID, "train to Porto", limit=3):
        if hit.message is not None:
            out(f"   {hit.score or 0:.2f}  {hit.message.role_type:<9} {hit.message.content}")
    memory = client.get_memory(SESSION_ID, lastn=2)
    out("\n4. Zep's context for the next prompt (facts and older messages, with dates)")
    for line in (memory.context or "(empty)").splitlines():
        out(f"   {line}")


def _today_part(path: str | Path, out: Callable[[str], None]) -> None:
    # One store answers v2, v3 and v4: an app written for today's Zep Cloud (v4, UUIDs) sees the
    # conversation the v2 adapters stored, found by the id it had under v2/v3.
    today = ZepClient(db_path=path, api_version="v4")
    thread_uuid = today.v4.lookup_thread(thread_id=SESSION_ID).uuid
    assert thread_uuid is not None  # the server always answers a found thread with its UUID
    messages = list(today.v4.list_messages(thread_uuid, page_size=50))
    out("\n5. The same conversation through today's Zep API (v4, as zep-cloud 4.x apps call it)")
    out(f"   thread {SESSION_ID!r} is v4 thread {thread_uuid}: {len(messages)} messages")
    context = today.v4.get_thread_context(thread_uuid).context or "(empty)"
    facts = context.partition("<FACTS>")[2].partition("</FACTS>")[0].splitlines()
    for line in [line.strip() for line in facts if line.strip()][:3]:
        out(f"   {line}")
    today.close()
