"""Graceful stop: long-running work (delivery runs, coordinated jobs) registers here, so that
SIGTERM can stop new work, let what is under way finish for a moment, then cancel the rest.

Work that is cancelled releases what it holds (outbox rows, job leases) on its way out, so
another replica takes it over at once instead of waiting for a lease to expire.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class Drain:
    def __init__(self) -> None:
        self._stopping = False
        self._tasks: set[asyncio.Task[object]] = set()

    @property
    def stopping(self) -> bool:
        """True once shutdown began: take no new rows or jobs."""
        return self._stopping

    def stop(self) -> None:
        self._stopping = True

    @contextmanager
    def working(self) -> Iterator[None]:
        """Marks the current task as work in progress for the duration of the block."""
        task = asyncio.current_task()
        if task is None:  # not in a task (cannot happen under asyncio.run): nothing to track
            yield
            return
        self._tasks.add(task)
        try:
            yield
        finally:
            self._tasks.discard(task)

    @property
    def busy(self) -> int:
        return len(self._tasks)

    async def wait_idle(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for registered work to end; True if it all did."""
        pending = [t for t in self._tasks if t is not asyncio.current_task()]
        if not pending:
            return True
        _, still = await asyncio.wait(pending, timeout=timeout)
        return not still

    async def cancel_all(self, timeout: float = 10.0) -> None:
        """Cancel what is still running and give it `timeout` seconds to release its rows."""
        pending = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=timeout)
