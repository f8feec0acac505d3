"""The replay guard's SQL: claim a request signature once, forget it after it has expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SeenRequest


async def claim_request(
    session: AsyncSession, key: str, expires_at: datetime, *, postgres: bool
) -> bool:
    """True the first time `key` is claimed; False for a replay (the unique key decides,
    so two replicas racing on the same request cannot both win)."""
    insert = pg_insert if postgres else sqlite_insert
    statement = (
        insert(SeenRequest)
        .values(key=key, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_expired(session: AsyncSession, now: datetime) -> int:
    """Drop signatures whose timestamp can no longer pass verification anyway."""
    result = await session.execute(delete(SeenRequest).where(SeenRequest.expires_at < now))  # type: ignore[arg-type]
    return int(result.rowcount)  # type: ignore[attr-defined]
