"""Every file in ``cassettes/`` is free of credentials: only the redacted placeholder remains."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.cassette_support import CASSETTES, REDACTED

SECRET_PATTERNS = {
    "Zep API key": re.compile(r"(?<![A-Za-z0-9])z_[A-Za-z0-9._-]{12,}"),
    "Api-Key value": re.compile(r"Api-Key\s+(?!REDACTED\b)\S+", re.IGNORECASE),
    "Bearer token": re.compile(r"Bearer\s+[A-Za-z0-9._~+/-]{8,}", re.IGNORECASE),
}
SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "cookie", "set-cookie"}


def leaks(text: str) -> list[str]:
    """Describe every credential-looking thing in a cassette's text (empty when clean)."""
    found = [
        f"{name}: {match.group(0)[:12]}..."
        for name, pattern in SECRET_PATTERNS.items()
        for match in pattern.finditer(text)
    ]
    data = yaml.safe_load(text) or {}
    for item in data.get("interactions", []):
        for part in ("request", "response"):
            headers = item.get(part, {}).get("headers") or {}
            for name, values in headers.items():
                if name.lower() not in SECRET_HEADERS:
                    continue
                for value in values if isinstance(values, list) else [values]:
                    if value != REDACTED:
                        found.append(f"{part} header {name}: {str(value)[:12]}...")
    return found


def cassette_files() -> list[Path]:
    """Every file under ``cassettes/``, whatever its extension."""
    return sorted(path for path in CASSETTES.rglob("*") if path.is_file())


def test_cassettes_exist() -> None:
    """The scan below has files to look at (a moved directory must not make it vacuous)."""
    assert len(cassette_files()) >= 10


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: str(p.relative_to(CASSETTES)))
def test_cassette_has_no_credentials(path: Path) -> None:
    """No Authorization value but the placeholder, and no API key or token anywhere in the file."""
    assert leaks(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "text",
    [
        "interactions:\n- request:\n    headers:\n      authorization:\n      - Api-Key sk-live\n",
        "interactions:\n- request:\n    headers:\n      Authorization: Token abc\n",
        "interactions: []\n# z_1dWlkIjoiNDc0ZGRkYzMtZjg0ZC00\n",
        'interactions:\n- response:\n    body:\n      string: \'{"key": "Bearer abcdefgh1234"}\'\n',
    ],
    ids=["api-key-header", "other-scheme", "zep-key-in-text", "bearer-in-body"],
)
def test_scanner_catches_leaks(text: str) -> None:
    """The scanner flags a real-looking key in a header, a comment or a response body."""
    assert leaks(text)


def test_scanner_accepts_placeholder() -> None:
    """The redacted placeholder and ordinary IDs such as ``cassette_docs`` are not leaks."""
    text = (
        'interactions:\n- request:\n    body: \'{"name": "cassette_docs", "z_index": 1}\'\n'
        f"    headers:\n      authorization:\n      - {REDACTED}\n"
    )
    assert leaks(text) == []
