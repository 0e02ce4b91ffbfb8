"""Helpers for the agent adapter tests: a chat model that records what it was given."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

Reply = Callable[[list[BaseMessage], int], AIMessage]


def echo(messages: list[BaseMessage], turn: int) -> AIMessage:
    """Answer ``reply <n>: <last human text>``."""
    last = next((m for m in reversed(messages) if m.type == "human"), None)
    return AIMessage(f"reply {turn}: {last.text if last else ''}")


def scripted(*replies: AIMessage) -> Reply:
    """Give ``replies`` in order, then echo."""
    queue = list(replies)
    return lambda messages, turn: queue.pop(0) if queue else echo(messages, turn)


class RecordingChatModel(BaseChatModel):
    """A fake chat model: records every message list it gets; answers with ``reply``.

    ``_agenerate`` is implemented so ``ainvoke`` stays on the event loop (the default hops to a
    thread); ``bind_tools`` returns the model itself so ``create_agent`` accepts tools.
    """

    reply: Reply = echo
    _seen: list[list[BaseMessage]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "recording"

    @property
    def seen(self) -> list[list[BaseMessage]]:
        """Every message list the model was given, in call order."""
        return self._seen

    def system_texts(self) -> list[str]:
        """The system message text of each call ("" when there was none)."""
        return [
            call[0].text if call and isinstance(call[0], SystemMessage) else ""
            for call in self._seen
        ]

    def _answer(self, messages: list[BaseMessage]) -> ChatResult:
        self._seen.append(list(messages))
        return ChatResult(
            generations=[ChatGeneration(message=self.reply(messages, len(self._seen)))]
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._answer(messages)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._answer(messages)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> RecordingChatModel:  # type: ignore[override]
        return self
