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
ENV_API_VERSION = "ZEP_API_VERSION"

API_VERSIONS = ("v2", "v3", "v4")
"""v2: sessions/memory (Zep CE, the embedded server; removed from Zep Cloud in February 2026).
v3: threads under ``/api/v2`` (zep-cloud 3.x; served by Zep Cloud, no sunset announced).
v4: server UUIDs under ``/api/v4`` (zep-cloud 4.x; Zep Cloud's documented default)."""

CLOUD_DEFAULT_VERSION = "v3"
"""Zep Cloud's default here. v3 is served today and keeps client-chosen ``user_id`` and
``thread_id`` addresses, so an app that names its sessions (every adapter does) moves to Zep
Cloud by setting ``ZEP_API_KEY`` alone. v4 needs server UUIDs the app must store: opt in with
``api_version="v4"``, ``ZEP_API_VERSION=v4`` or a base URL ending in ``/api/v4``."""


@dataclass(frozen=True)
class Settings:
    """Resolved connection settings shared by a sync client and the async client derived from it.

    Attributes:
        root: Server root without ``/api/v2`` and without a trailing slash.
        api_key: The API key, or ``None`` (the embedded server and keyless self-hosted servers).
        db_path: The SQLite file of the embedded server when that is the target, else ``None``.
        api_version: ``"v2"``, ``"v3"`` or ``"v4"``.
    """

    root: str
    api_key: str | None = field(repr=False)  # repr(settings) must never show the key
    db_path: Path | None
    api_version: str = "v2"

    @property
    def base_url(self) -> str:
        """The API base: ``/api/v2/`` for v2 and v3 (v3 kept the prefix), ``/api/v4/`` for v4."""
        return f"{self.root}/api/v4/" if self.api_version == "v4" else f"{self.root}/api/v2/"

    @property
    def target(self) -> str:
        """A human-readable description of where requests go (used in ``repr``; never the key)."""
        if self.db_path is not None:
            return f"embedded:{self.db_path}"
        return self.root


def check_version(value: str, source: str) -> str:
    """Return ``value`` if it names an API version; a ``ValueError`` saying which ones exist."""
    if value not in API_VERSIONS:
        raise ValueError(
            f"{source} must be one of {', '.join(repr(v) for v in API_VERSIONS)}; got {value!r}"
        )
    return value


def url_version(url: str) -> str | None:
    """``"v4"`` for a URL ending in ``/api/v4``, ``"v2/v3"`` for ``/api/v2``, else ``None``."""
    url = url.strip().rstrip("/")
    if url.endswith("/api/v4"):
        return "v4"
    if url.endswith("/api/v2"):
        return "v2/v3"
    return None


def normalize_root(url: str) -> str:
    """Accept a server root or a URL ending in ``/api/v2`` or ``/api/v4`` and return the root.

    Raises:
        ValueError: the URL is not an absolute http(s) URL.
    """
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(
            f"Zep base URL must start with http:// or https://, got {url!r} "
            f"(for example 'http://127.0.0.1:8000' or 'https://api.getzep.com/api/v2')"
        )
    for suffix in ("/api/v2", "/api/v4"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
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
    api_version: str | None = None,
) -> Settings:
    """Resolve where requests go, then which API version they speak.

    The version is ``api_version``, else ``ZEP_API_VERSION``, else what the URL says (a URL ending
    in ``/api/v4`` means v4), else v3 for Zep Cloud (:data:`CLOUD_DEFAULT_VERSION`) and v2 for a
    self-hosted URL or the embedded server (Zep CE and the embedded server's fullest API).

    Raises:
        ValueError: an unknown version, or one that contradicts the URL's ``/api/v2``/``/api/v4``.
    """
    settings = _resolve_target(api_key, base_url, db_path)
    url = base_url if base_url is not None else os.environ.get(ENV_API_URL) or None
    from_url = url_version(url) if url is not None and settings.db_path is None else None
    if api_version is not None:
        version = check_version(api_version, "api_version")
    elif os.environ.get(ENV_API_VERSION):
        version = check_version(os.environ[ENV_API_VERSION].strip(), ENV_API_VERSION)
    elif from_url == "v4":
        version = "v4"
    elif settings.db_path is None and settings.root == ZEP_CLOUD_URL:
        version = CLOUD_DEFAULT_VERSION
    else:
        version = "v2"
    if from_url is not None and (version == "v4") != (from_url == "v4"):
        raise ValueError(
            f"the base URL {url!r} is for {from_url} but api_version is {version!r}; v2 and v3 "
            "live under /api/v2 and v4 under /api/v4. Pass the server root (for example "
            "'https://api.getzep.com') and choose the version with api_version."
        )
    return Settings(settings.root, settings.api_key, settings.db_path, version)


def _resolve_target(
    api_key: str | None,
    base_url: str | None,
    db_path: str | os.PathLike[str] | None,
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
