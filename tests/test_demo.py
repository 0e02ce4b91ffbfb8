"""The main job: `zep-integrations demo` runs offline and remembers earlier runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from zep_integrations.demo import fake_reply, run_demo


def test_demo_remembers_the_first_run(tmp_path: Path) -> None:
    """The second run greets the user back and answers from the first run's memory."""
    first: list[str] = []
    assert run_demo(tmp_path / "demo.db", out=first.append) == 0
    text = "\n".join(first)
    assert "a new session 'demo-session'" in text
    assert "You live in Lisbon and you're travelling to Porto." in text
    assert "I'm planning a train trip to Porto" in text.split("3. Search")[1]
    assert "<FACTS>" in text.split("4. Zep's context")[1]
    today = text.split("5. The same conversation through today's Zep API")[1]
    assert "thread 'demo-session' is v4 thread" in today and ": 6 messages" in today
    assert "I live in Lisbon" in today

    second: list[str] = []
    run_demo(tmp_path / "demo.db", out=second.append)
    text = "\n".join(second)
    assert "welcome back: session 'demo-session' already holds 6 messages" in text
    langchain_part = text.split("1. LangChain")[1].split("2. LlamaIndex")[0]
    assert "You live in Lisbon" in langchain_part


def test_demo_reset_starts_clean(tmp_path: Path) -> None:
    """--reset forgets earlier runs."""
    run_demo(tmp_path / "demo.db", out=lambda line: None)
    lines: list[str] = []
    run_demo(tmp_path / "demo.db", reset=True, out=lines.append)
    assert any("a new session" in line for line in lines)


def test_demo_command_ignores_a_configured_remote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI demo stays offline on the embedded v2 server even with ZEP_API_* set."""
    monkeypatch.setenv("ZEP_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ZEP_API_KEY", "not-used")
    monkeypatch.setenv("ZEP_API_VERSION", "v4")
    done = subprocess.run(
        [sys.executable, "-m", "zep_integrations.cli", "demo", "--db", str(tmp_path / "d.db")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"data lives in {tmp_path / 'd.db'}" in done.stdout
    assert "Warning" not in done.stderr


def test_fake_reply_answers_only_from_memory() -> None:
    """The demo's fake model knows only what it is handed."""
    assert fake_reply([], "Where do I live?").startswith("Nice to meet you")
    history = [("human", "I live in Oslo")]
    assert fake_reply(history, "Where do I live?").startswith("You live in Oslo.")
