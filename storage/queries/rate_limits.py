"""Rate-limit state shared by replicas: the pause Slack asked for and the rate found so far."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import RateLimitState

R = RateLimitState.__table__.c  # type: ignore[attr-defined]


async def record_pause(
    session: AsyncSession, method: str, paused_until: datetime, rate: float
) -> None:
    """Remember a 429: the later of the stored and the new pause wins; the rate is the newest."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(RateLimitState).values(method=method, paused_until=paused_until, rate=rate)
    later = case(
        (R.paused_until.is_(None), stmt.excluded.paused_until),
        (stmt.excluded.paused_until > R.paused_until, stmt.excluded.paused_until),
        else_=R.paused_until,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["method"], set_={"paused_until": later, "rate": stmt.excluded.rate}
    )
    await session.exec(stmt)  # type: ignore[call-overload]


async def shared_state(
    session: AsyncSession, method: str
) -> tuple[datetime | None, float | None] | None:
    """The stored pause and rate for `method`, or None when no replica has seen a 429."""
    row = (await session.exec(select(R.paused_until, R.rate).where(R.method == method))).first()  # type: ignore[call-overload]
    return None if row is None else (row[0], row[1])
