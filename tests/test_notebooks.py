"""Every notebook in ``notebooks/`` runs top to bottom offline, in a kernel of this interpreter.

The notebooks are committed without outputs (small, reviewable diffs); this test executes an
in-memory copy and never writes the notebook back. The kernel runs in a temporary directory with
``ZEP_INTEGRATIONS_DB`` pointing to a temporary file, so nothing lands in the working tree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = {
    "langchain_chat_history.ipynb": ["bot:  You told me you live in Lisbon.", "8 messages stored"],
    "llama_index_chat_engine.ipynb": ["The answer is 5.", "The answer is 42.", "(calls ['add'])"],
    "cross_framework.ipynb": [
        "human (written by langchain): I'm planning a train trip to Porto.",
        "human (written by llama_index): Where am I travelling to?",
        "ai (written by llama_index): (mock) I was handed",
    ],
    "langchain_agent_memory.ipynb": [
        "bot: Noted! (Zep's context gave me 1 fact(s))",
        "context in output: False",
        "6 messages in the thread, 6 in Zep",
        "[user] I'm Jane and I love hiking in the Alps.",
        "[('seat', {'content': 'Jane prefers window seats'})]",
    ],
    "search_and_context.ipynb": ["I'm allergic to peanuts", "[notebook-search-2]", "True"],
    "llama_index_agent_memory.ipynb": [
        "2 messages stored",
        "6 messages stored",
        "<zep_memory>",
        "user: I live in Porto and keep bees",
        "user: What do I keep?",
        "- user: I live in Porto and keep bees",
        "restored ZepAgentMemory; API key in payload: False",
    ],
}


def notebook_names() -> list[str]:
    """The notebooks in ``notebooks/``."""
    return sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))


def text_of(nb: nbformat.NotebookNode) -> str:
    """Every stream and text/plain output of an executed notebook, joined."""
    parts: list[str] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output:
                parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def test_every_notebook_is_checked() -> None:
    """At least four notebooks exist and each has expected output listed here."""
    assert len(notebook_names()) >= 4
    assert sorted(EXPECTED) == notebook_names()


@pytest.mark.parametrize("name", notebook_names())
def test_notebook_is_committed_without_outputs(name: str) -> None:
    """Committed notebooks carry no outputs or execution counts, and name the python3 kernel."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", notebook_names())
def test_notebook_runs_offline(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebook executes without a cell error and prints what it is about."""
    monkeypatch.setenv("ZEP_INTEGRATIONS_DB", str(tmp_path / "zep.db"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print('kernel prefix:', sys.prefix)"))
    # Only ipykernel's built-in spec, which launches sys.executable: never another python3
    # kernelspec registered for the user or the system.
    specs = KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
    kernel = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)
    client = NotebookClient(
        nb,
        km=kernel,
        timeout=60,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    out = text_of(nb)
    assert f"kernel prefix: {sys.prefix}" in out
    for expected in EXPECTED[name]:
        assert expected in out
    assert (tmp_path / "zep.db").exists()
