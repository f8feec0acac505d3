"""Erasing the older physical layouts of anonymous tables after each write.

A shuffle (see `storage.queries.disclosures`) gives the live rows a fresh random order, but the
layouts before it survive elsewhere until something erases them:

- SQLite keeps each commit's page images in the WAL until a checkpoint; a diff of two of them
  shows which row a submission added. `PRAGMA wal_checkpoint(TRUNCATE)` right after the commit
  copies them into the database file and truncates the WAL to zero bytes. Freed space inside
  the file is zeroed as it is freed (`secure_delete`, set on every connection).
- PostgreSQL keeps every dead row version in the heap with its `xmin` and old `ctid` (counting
  a row's dead versions gives its arrival rank), and a plain VACUUM only marks their space
  free: the bytes stay. `VACUUM FULL` writes the table into a new file holding only live rows.
  It must copy versions that a snapshot still open anywhere might see, so it is repeated, with
  growing pauses, until its report says none were kept. It runs in the background so that the
  person submitting never waits for it; writes arriving meanwhile are folded into the next run.

What no setting here reaches: PostgreSQL's own WAL (kept until its segments are recycled, and
in any WAL archive), the blocks a file system frees when a file is truncated or replaced, and
backups taken by someone else. `docs/privacy.md` says so.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger("leverage.storage")

# Pauses between VACUUM FULL runs that had to keep versions (about 6 s in all, then the next
# write tries again).
RETRY_PAUSES = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)
_NOT_REMOVABLE = re.compile(r"(\d+) dead row versions cannot be removed yet")


class TraceEraser:
    def __init__(self, engine: AsyncEngine, *, postgres: bool) -> None:
        self.engine = engine
        self.postgres = postgres
        self._pending: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    async def erase(self, *tables: str) -> None:
        """SQLite: checkpoint now. PostgreSQL: make sure a VACUUM FULL of `tables` follows."""
        if not self.postgres:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                await conn.commit()
            return
        self._pending.update(tables)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def settle(self) -> None:
        """Wait until every requested erasure has run (tests, and a reader who must see it)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while self._pending:
            tables = tuple(sorted(self._pending))
            self._pending.clear()
            try:
                await self._vacuum_until_clean(tables)
            except Exception as error:  # the next write tries again; never a row in the log
                logger.warning("could not erase old row versions: %s", type(error).__name__)

    async def _vacuum_until_clean(self, tables: tuple[str, ...]) -> None:
        async with self.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for pause in RETRY_PAUSES:
                if not await _vacuum_full_kept_versions(auto, tables):
                    return
                await asyncio.sleep(pause)  # an older snapshot (a report, an ANALYZE) is open
        logger.warning("old row versions kept: a long transaction is open")


async def _vacuum_full_kept_versions(conn: Any, tables: tuple[str, ...]) -> bool:
    """Run VACUUM FULL; True when it had to copy dead row versions that a snapshot still open
    may see (its VERBOSE report says how many "cannot be removed yet")."""
    kept: list[int] = []

    def listen(_connection: Any, message: Any) -> None:
        found = _NOT_REMOVABLE.search(str(getattr(message, "detail", "") or ""))
        kept.append(int(found.group(1)) if found else 0)

    raw = (await conn.get_raw_connection()).driver_connection
    raw.add_log_listener(listen)
    try:
        await conn.exec_driver_sql("VACUUM (FULL, VERBOSE) " + ", ".join(tables))
    finally:
        raw.remove_log_listener(listen)
    return sum(kept) > 0
