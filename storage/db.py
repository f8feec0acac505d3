"""Engine and session set-up: one async engine per process, SQLite by default, PostgreSQL by URL.

Everything the bot does with the database goes through `Database.session()`, an async session,
so that a slow query never blocks the event loop that is also answering Slack within 3 seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.data_version import TrackedSession
from storage.erasure import TraceEraser

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def async_url(url: str) -> str:
    """Accept the URLs operators write (`postgresql://`, `sqlite:///x.db`); pick async drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database backend {backend!r}: use sqlite or postgresql")


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside a writer; busy_timeout makes writers queue instead of failing.

    secure_delete overwrites deleted content with zeros (a deleted contact or a moved row leaves
    no stale copy in the file; some SQLite builds default to it, not all), and temporary tables
    (the shuffle's staging table) stay in memory instead of a temporary file.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


class Database:
    """The process's handle on the database."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        # hide_parameters: an error's message never quotes the values (a disclosure's text).
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": True, "hide_parameters": True}
        if self.dialect == "postgresql":
            kwargs.update(pool_size=10, max_overflow=10, connect_args={"timeout": 5})
        else:
            kwargs.update(connect_args={"timeout": 15})
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _tune_sqlite)
        self.eraser = TraceEraser(self.engine, postgres=self.is_postgres)
        self._sessions = async_sessionmaker(
            self.engine,
            class_=AsyncSession,
            expire_on_commit=False,
            sync_session_class=TrackedSession,  # moves the data version (storage.data_version)
        )

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits on success, rolls back on any exception."""
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def ping(self, timeout: float = 3.0) -> bool:
        """True when the database answers a trivial query within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def erase_traces(self, *tables: str) -> None:
        """After a write to anonymous data, leave no older layout of `tables` behind (see
        `storage.erasure`): SQLite checkpoints now, PostgreSQL vacuums in the background."""
        await self.eraser.erase(*tables)

    async def migrate(self) -> None:
        """Bring the schema to the newest alembic revision (new install or upgrade alike)."""
        await asyncio.to_thread(upgrade_to_head, self.url)

    async def dispose(self) -> None:
        await self.eraser.cancel()
        await self.engine.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade_to_head(url: str) -> None:
    """Run alembic's upgrade; called in a worker thread because env.py runs its own loop."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
