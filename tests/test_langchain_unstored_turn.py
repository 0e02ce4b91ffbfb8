"""A RunnableWithMessageHistory turn whose write fails: LangChain swallows the error in its end
listener, so the next turn's read raises it before the model runs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.language_models import FakeListChatModel
from langchain_core.messages import HumanMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.runnables.history import RunnableWithMessageHistory

from tests.conftest import run_maybe_async
from tests.test_faults import Faulty, reply
from zep_integrations import (
    AsyncZepClient,
    ConflictError,
    PayloadTooLargeError,
    ZepAPIError,
    ZepClient,
)
from zep_integrations.langchain import ZepChatMessageHistory
from zep_integrations.server import ZepServer

pytestmark = pytest.mark.filterwarnings("ignore:RunnableWithMessageHistory is deprecated")


def _chain(sync: ZepClient, asyn: AsyncZepClient, calls: list[int]) -> Any:
    def count(value: Any) -> Any:
        calls.append(1)
        return value

    prompt = ChatPromptTemplate.from_messages([MessagesPlaceholder("history"), ("human", "{q}")])
    model = FakeListChatModel(responses=["one", "two", "three"])
    return RunnableWithMessageHistory(
        prompt | RunnableLambda(count) | model,
        lambda session_id: ZepChatMessageHistory(session_id, client=sync, async_client=asyn),
        input_messages_key="q",
        history_messages_key="history",
    )


def _turn(mode: str, chain: Any, question: str) -> Any:
    config: RunnableConfig = {"configurable": {"session_id": "s1"}}
    return run_maybe_async(
        mode,
        lambda: chain.invoke({"q": question}, config),
        lambda: chain.ainvoke({"q": question}, config),
    )


@pytest.mark.parametrize(
    ("fault", "error"), [("ended", ConflictError), ("413", PayloadTooLargeError)]
)
def test_a_swallowed_write_failure_raises_on_the_next_turn(
    mode: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, fault: str, error: type[Exception]
) -> None:
    """Turn 1 answers (LangChain swallows the write error); turn 2 raises it before the model."""
    server = ZepServer(tmp_path / "z.db")
    faulty = Faulty(server, "POST sessions/s1/memory", [])
    sync = ZepClient(db_path=server.db_path, http_client=httpx.Client(transport=faulty))
    asyn = AsyncZepClient(db_path=server.db_path, http_client=httpx.AsyncClient(transport=faulty))
    sync.add_memory("s1", [{"role_type": "user", "content": "earlier"}])
    if fault == "ended":
        sync.end_session("s1")
    else:
        faulty.actions = [reply(413)]  # the next write gets 413
    calls: list[int] = []
    chain = _chain(sync, asyn, calls)
    with caplog.at_level(logging.WARNING):
        answer = _turn(mode, chain, "lost question")  # does not raise: LangChain swallows it
    assert answer.content == "one"
    assert "was not stored" in caplog.text
    assert [m.content for m in sync.get_messages("s1").messages] == ["earlier"]
    with pytest.raises(error, match="previous turn of session 's1' was not stored") as info:
        _turn(mode, chain, "next question")
    assert calls == [1]  # the model did not run for the second turn
    assert isinstance(info.value, ZepAPIError)
    if fault == "413":  # reported once: the next turn proceeds and is stored
        assert _turn(mode, chain, "again").content == "two"
        assert [m.content for m in sync.get_messages("s1").messages] == ["earlier", "again", "two"]


def test_a_direct_write_failure_is_raised_once_not_again(mode: str, tmp_path: Path) -> None:
    """add_messages outside the runnable raises at once; the next read does not raise it again."""
    client = ZepClient(db_path=tmp_path / "z.db")
    asyn = AsyncZepClient(db_path=tmp_path / "z.db")
    client.add_memory("s1", [{"role_type": "user", "content": "earlier"}])
    client.end_session("s1")
    history = ZepChatMessageHistory("s1", client=client, async_client=asyn)
    with pytest.raises(ConflictError):
        run_maybe_async(
            mode,
            lambda: history.add_messages([HumanMessage("x")]),
            lambda: history.aadd_messages([HumanMessage("x")]),
        )
    messages = run_maybe_async(mode, lambda: history.messages, history.aget_messages)
    assert [m.content for m in messages] == ["earlier"]
