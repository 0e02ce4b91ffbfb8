"""A ``RichPromptTemplate`` that compiles its Jinja template once instead of on every format.

``Memory.aget`` formats its memory-blocks template whenever a block returns content, which is
every LLM call with a Zep block. LlamaIndex 0.14 builds a new ``banks.Prompt`` (a full Jinja
parse and compile, tens of milliseconds) for each call; here it is built once per template.
"""

from __future__ import annotations

from typing import Any

from banks import Prompt
from banks.types import ContentBlockType
from llama_index.core.base.llms.types import ContentBlock
from llama_index.core.llms import ChatMessage, TextBlock
from llama_index.core.prompts import RichPromptTemplate
from pydantic import PrivateAttr

__all__ = ["CompiledRichPromptTemplate"]


class CompiledRichPromptTemplate(RichPromptTemplate):
    """``RichPromptTemplate`` with the compiled template kept; same output.

    Messages whose blocks are all text are converted here; anything else (images, audio, an
    output parser) goes through LlamaIndex's own ``format_messages``.

    Example:
        >>> chat = "{% chat role='system' %}Hi {{ name }}{% endchat %}"
        >>> template = CompiledRichPromptTemplate(chat)
        >>> template.format_messages(name="Ann")[0].content
        'Hi Ann'
    """

    _prompt: Prompt | None = PrivateAttr(default=None)

    def __init__(self, template_str: str, **kwargs: Any) -> None:
        super().__init__(template_str, **kwargs)

    def format_messages(self, llm: Any = None, **kwargs: Any) -> list[ChatMessage]:
        """Format into chat messages, reusing the compiled template."""
        if self.output_parser is not None:
            return super().format_messages(llm, **kwargs)
        if self._prompt is None:
            self._prompt = Prompt(self.template_str)
        data = self._map_all_vars({**self.kwargs, **kwargs})
        out: list[ChatMessage] = []
        for message in self._prompt.chat_messages(data=data):
            if isinstance(message.content, str):
                out.append(ChatMessage(role=message.role, content=message.content))
                continue
            if not all(block.type == ContentBlockType.text for block in message.content):
                return super().format_messages(llm, **kwargs)
            blocks: list[ContentBlock] = [TextBlock(text=b.text or "") for b in message.content]
            out.append(ChatMessage(role=message.role, content=blocks))
        return out
