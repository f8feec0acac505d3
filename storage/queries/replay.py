"""The replay guard's SQL: claim a request signature once, forget it after it has expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SeenRequest


async def claim_requests(
    session: AsyncSession, keys: dict[str, datetime], *, postgres: bool
) -> set[str]:
    """Claim request signatures in one statement; returns the keys claimed now. A key already
    present is a replay and is left out (the unique key decides, so two replicas racing on the
    same request cannot both win)."""
    insert = pg_insert if postgres else sqlite_insert
    statement = (
        insert(SeenRequest)
        .values([{"key": key, "expires_at": expires} for key, expires in keys.items()])
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(SeenRequest.__table__.c.key)  # type: ignore[attr-defined]
    )
    return set((await session.execute(statement)).scalars().all())


async def forget_expired(session: AsyncSession, now: datetime) -> int:
    """Drop signatures whose timestamp can no longer pass verification anyway."""
    result = await session.execute(delete(SeenRequest).where(SeenRequest.expires_at < now))  # type: ignore[arg-type]
    return int(result.rowcount)  # type: ignore[attr-defined]
