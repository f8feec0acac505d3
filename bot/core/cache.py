"""Expensive views computed once per change of the data, and shared by everyone who asks.

The stage report, App Home, team summaries and the chart read every answer and disclosure; on
a busy morning hundreds of people ask for them within a second, and each computation competes
with Slack's 3-second acknowledgements on the one event loop. So a view is computed once per
*data version* (a counter the database moves in the same transaction as any change that feeds
a view; see `storage.data_version`) and kept in memory under that version:

- **fresh**: every request first reads the committed version (one primary-key read, shared by
  every request that arrived before it started), so a new answer is visible to the very next
  request on any replica;
- **single-flight**: requests that miss while the same view is being computed for the same
  version wait for that one computation instead of starting their own;
- **never stale**: the version is read *before* computing, so a change that commits during
  the computation can only make the stored entry look older than it is, never newer.

Cached values are shared between callers: treat them as read-only.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.core import quarters
from storage.data_version import current_version
from storage.db import Database

T = TypeVar("T")
MAX_ENTRIES = 1024  # team summaries are per manager: bounded, least recently used go first


@dataclass
class CacheStats:
    hits: int = 0  # served from memory
    shared: int = 0  # waited for a computation another request had started
    computed: int = 0  # computations run


class _VersionReader:
    """Reads the data version once for every request waiting, never with a read that started
    before the request arrived (that read might predate a change the requester just saw)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._next: asyncio.Future[int] | None = None
        self._running = False
        self._task: asyncio.Task[None] | None = None

    async def read(self) -> int:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if not self._running:
                self._running = True
                self._task = asyncio.ensure_future(self._serve())
        return await asyncio.shield(self._next)

    async def _serve(self) -> None:
        try:
            while self._next is not None:
                waiting, self._next = self._next, None
                try:
                    async with self.db.session() as session:
                        waiting.set_result(await current_version(session))
                except Exception as error:  # every waiter sees the failure, none hangs
                    waiting.set_exception(error)
        finally:
            self._running = False


class ViewCache:
    """One per process (held by `Services`): views keyed by name and arguments."""

    def __init__(self, db: Database, max_entries: int = MAX_ENTRIES) -> None:
        self.versions = _VersionReader(db)
        self.max_entries = max_entries
        self.stats = CacheStats()
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._flights: dict[tuple[Hashable, int], asyncio.Task[Any]] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """The view for `key` as of now: from memory, from a running computation, or computed."""
        version = await self.versions.read()
        entry = self._entries.get(key)
        if entry is not None and entry[0] >= version:
            self._entries.move_to_end(key)
            self.stats.hits += 1
            return entry[1]  # type: ignore[no-any-return]
        flight = self._flights.get((key, version))
        if flight is None:
            flight = asyncio.ensure_future(self._compute(key, version, compute))
            self._flights[(key, version)] = flight
            flight.add_done_callback(lambda _: self._flights.pop((key, version), None))
        else:
            self.stats.shared += 1
        # shield: a request that gives up (client gone) must not cancel the others' result
        return await asyncio.shield(flight)  # type: ignore[no-any-return]

    async def _compute(self, key: Hashable, version: int, compute: Callable[[], Awaitable[T]]) -> T:
        self.stats.computed += 1
        value = await compute()
        current = self._entries.get(key)
        if current is None or current[0] <= version:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        self._entries.clear()


async def cached(
    services: Any, key: tuple[Hashable, ...], compute: Callable[[], Awaitable[T]]
) -> T:
    """`compute()` once per data version for `key`, shared. `compute` must read its data itself
    (never reuse a value read before the call: it could predate the version read here).
    Views also depend on which quarter today is in, so the key carries it."""
    views: ViewCache = services.views
    return await views.get((*key, quarters.quarter_of(services.clock())), compute)
