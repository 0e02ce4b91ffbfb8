"""Cursor pagination (v4) as iterators: pages are fetched as iteration reaches them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from zep_integrations._api import Call
from zep_integrations.models_v4 import Page

if TYPE_CHECKING:
    from zep_integrations.client import AsyncZepClient, ZepClient

T = TypeVar("T")

Build = Callable[[str | None], Call[Page[Any]]]


def pages(client: ZepClient, build: Build) -> Iterator[Any]:
    """Every item of a cursor-paged list; the version check runs now, before any request."""
    first = build(None)
    client._check(first)
    return _iterate(client, first, build)


def _iterate(client: ZepClient, call: Call[Page[Any]], build: Build) -> Iterator[Any]:
    while True:
        page = client.send(call)
        yield from page.items
        if not page.next_cursor or not page.items:
            return
        call = build(page.next_cursor)


def apages(client: AsyncZepClient, build: Build) -> AsyncIterator[Any]:
    """The async twin of :func:`pages` (an async iterator; check made before any request)."""
    first = build(None)
    client._check(first)
    return _aiterate(client, first, build)


async def _aiterate(
    client: AsyncZepClient, call: Call[Page[Any]], build: Build
) -> AsyncIterator[Any]:
    while True:
        page = await client.send(call)
        for item in page.items:
            yield item
        if not page.next_cursor or not page.items:
            return
        call = build(page.next_cursor)
