"""Every docstring example in the package and every Python block of the README runs as shown."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import zep_integrations

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(zep_integrations.__path__, "zep_integrations.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The module's ``Example:`` sections pass as doctests."""
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_public_classes_have_examples() -> None:
    """Each public class exported by the package modules documents a runnable example."""
    import zep_integrations.langchain as lc
    import zep_integrations.llama_index as li
    from zep_integrations import server

    classes = [
        zep_integrations.ZepClient,
        zep_integrations.AsyncZepClient,
        lc.ZepChatMessageHistory,
        lc.ZepRetriever,
        lc.ZepMemoryMiddleware,
        lc.ZepStore,
        li.ZepChatStore,
        li.ZepMemory,
        li.ZepMemoryBlock,
        li.ZepMirrorChatStore,
        li.ZepAgentMemory,
        li.ZepToolSpec,
        li.ZepRetriever,
        server.ZepServer,
        server.LocalGraphIntelligence,
    ]
    missing = [cls.__name__ for cls in classes if ">>>" not in (cls.__doc__ or "")]
    assert missing == []


def readme_blocks() -> list[str]:
    """The README's ```python blocks."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("index", range(len(readme_blocks())))
def test_readme_python_blocks_run(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README examples run offline against the embedded default (a temporary database)."""
    monkeypatch.chdir(tmp_path)
    code = readme_blocks()[index]
    exec(compile(code, f"README.md block {index}", "exec"), {"__name__": "__readme__"})
