"""Where a client sends its requests: explicit argument > environment > embedded default.

The environment is read when a client is constructed, never at import, and never overrides an
explicit argument (the official SDKs get both of these backwards, section 8.1 of ``zep-api-v2.md``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

ZEP_CLOUD_URL = "https://api.getzep.com"
EMBEDDED_URL = "http://zep.embedded"
"""Placeholder root for the in-process server; the embedded transport never opens a socket."""

ENV_API_KEY = "ZEP_API_KEY"
ENV_API_URL = "ZEP_API_URL"
ENV_DB_PATH = "ZEP_INTEGRATIONS_DB"


@dataclass(frozen=True)
class Settings:
    """Resolved connection settings shared by a sync client and the async client derived from it.

    Attributes:
        root: Server root without ``/api/v2`` and without a trailing slash.
        api_key: The API key, or ``None`` (the embedded server and keyless self-hosted servers).
        db_path: The SQLite file of the embedded server when that is the target, else ``None``.
    """

    root: str
    api_key: str | None = field(repr=False)  # repr(settings) must never show the key
    db_path: Path | None

    @property
    def base_url(self) -> str:
        """The API base, ending in ``/api/v2/``."""
        return f"{self.root}/api/v2/"

    @property
    def target(self) -> str:
        """A human-readable description of where requests go (used in ``repr``; never the key)."""
        if self.db_path is not None:
            return f"embedded:{self.db_path}"
        return self.root


def normalize_root(url: str) -> str:
    """Accept a server root or a URL ending in ``/api/v2`` and return the root.

    Raises:
        ValueError: the URL is not an absolute http(s) URL.
    """
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(
            f"Zep base URL must start with http:// or https://, got {url!r} "
            f"(for example 'http://127.0.0.1:8000' or 'https://api.getzep.com/api/v2')"
        )
    if url.endswith("/api/v2"):
        url = url[: -len("/api/v2")]
    return url


def default_db_path() -> Path:
    """The embedded server's SQLite file in the user's data directory.

    Hand-written instead of ``platformdirs`` to keep the core dependencies to httpx and pydantic;
    it follows the same conventions (XDG on Linux, Application Support on macOS, LOCALAPPDATA on
    Windows).
    """
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "zep-integrations" / "zep.db"


def resolve(
    api_key: str | None = None,
    base_url: str | None = None,
    db_path: str | os.PathLike[str] | None = None,
) -> Settings:
    """Resolve settings: explicit arguments, then ``ZEP_API_URL``/``ZEP_API_KEY``, then embedded.

    An explicit ``db_path`` selects the embedded server and an explicit ``base_url`` a remote
    one, whatever the environment says. Otherwise ``ZEP_API_URL`` selects a remote server, a key
    alone (argument or ``ZEP_API_KEY``) means Zep Cloud, and nothing at all means the embedded
    server on ``ZEP_INTEGRATIONS_DB`` or :func:`default_db_path`. An empty key means "no key".

    Raises:
        ValueError: both ``db_path`` and ``base_url`` were given.
    """
    if base_url is not None and db_path is not None:
        raise ValueError(
            "db_path selects the embedded server and base_url a remote one; they cannot be "
            "combined. Pass one or the other."
        )
    key = (api_key if api_key is not None else os.environ.get(ENV_API_KEY)) or None
    if db_path is None:
        url = base_url if base_url is not None else os.environ.get(ENV_API_URL) or None
        if url is not None:
            return Settings(root=normalize_root(url), api_key=key, db_path=None)
        if key is not None:
            return Settings(root=ZEP_CLOUD_URL, api_key=key, db_path=None)
    path = db_path if db_path is not None else os.environ.get(ENV_DB_PATH) or default_db_path()
    return Settings(root=EMBEDDED_URL, api_key=None, db_path=Path(path).expanduser().resolve())
