"""Who a request is for: the Zep session and user, resolved per request from the LangGraph runtime.

The middleware (``Runtime``) and the search tool (``ToolRuntime``) resolve identity the same way,
so one resolver serves both: both runtimes expose ``context``, ``execution_info`` and
``server_info``. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from zep_integrations.langchain._agents import get_config

__all__ = ["IdentitySource", "Resolver", "check_identity", "resolve_session", "resolve_user"]

Resolver = Callable[[Any], "str | None"]
"""A function of the LangGraph ``Runtime`` (middleware) or ``ToolRuntime`` (tool) giving an id."""

IdentitySource = str | Resolver | None
"""A fixed id, a :data:`Resolver`, or ``None`` for the default lookup."""


def check_identity(value: object, what: str) -> None:
    """Reject anything but a non-empty string, a callable or ``None`` at construction."""
    if value is None or callable(value):
        return
    if not isinstance(value, str) or not value:
        raise TypeError(
            f"{what} must be a non-empty string, a callable taking the LangGraph runtime and "
            f"returning one, or None for the default; got {value!r}"
        )


def _config() -> Mapping[str, Any]:
    try:
        return get_config().get("configurable") or {}
    except RuntimeError:
        # Called outside a runnable (a tool invoked directly): there is no config.
        return {}


def _from_context(context: Any, key: str) -> str | None:
    if context is None:
        return None
    value = context.get(key) if isinstance(context, Mapping) else getattr(context, key, None)
    return value if isinstance(value, str) and value else None


def _checked(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise TypeError(
            f"the {what} resolver must return a non-empty string or None, got {value!r}"
        )
    return value


def resolve_session(source: IdentitySource, runtime: Any) -> str | None:
    """The session id: fixed, from a resolver, or the LangGraph thread id.

    The default reads ``runtime.execution_info.thread_id``, then ``context.session_id``, then
    ``configurable.thread_id`` (set even without a checkpointer when the caller passes it).
    """
    if isinstance(source, str):
        return source
    if source is not None:
        return _checked(source(runtime), "session_id")
    info = getattr(runtime, "execution_info", None)
    thread = getattr(info, "thread_id", None)
    if isinstance(thread, str) and thread:
        return thread
    found = _from_context(getattr(runtime, "context", None), "session_id")
    if found is not None:
        return found
    thread = _config().get("thread_id")
    return thread if isinstance(thread, str) and thread else None


def resolve_user(source: IdentitySource, runtime: Any) -> str | None:
    """The user id: fixed, from a resolver, or from the runtime.

    The default reads ``context.user_id`` (a dict key or an attribute of the ``context_schema``
    instance), then the LangGraph Server user (``server_info.user.identity``), then
    ``configurable.user_id``.
    """
    if isinstance(source, str):
        return source
    if source is not None:
        return _checked(source(runtime), "user_id")
    found = _from_context(getattr(runtime, "context", None), "user_id")
    if found is not None:
        return found
    user = getattr(getattr(runtime, "server_info", None), "user", None)
    identity = getattr(user, "identity", None)
    if isinstance(identity, str) and identity:
        return identity
    configured = _config().get("user_id")
    return configured if isinstance(configured, str) and configured else None
