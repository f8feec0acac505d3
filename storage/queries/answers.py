"""Answer SQL: one row per person per campaign, written with an upsert so a double submit
(two clicks, a Slack retry) can only ever edit the same row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Answer, Campaign

A: Any = Answer
C: Any = Campaign
KEY = ["campaign_id", "person_id"]
NEVER_UPDATED = {"id", "campaign_id", "person_id", "created_at"}


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Answer)


async def upsert_answer(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = _insert(session).values(**values)
    changes = {k: stmt.excluded[k] for k in values if k not in NEVER_UPDATED}
    await session.exec(stmt.on_conflict_do_update(index_elements=KEY, set_=changes))  # type: ignore[call-overload]


async def insert_if_absent(session: AsyncSession, values: dict[str, Any]) -> bool:
    """True when a new row was written; an existing answer (with its example) is kept."""
    stmt = _insert(session).values(**values).on_conflict_do_nothing(index_elements=KEY)
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return bool(result.rowcount)


async def update_details(
    session: AsyncSession, campaign_id: str, person_id: int, values: dict[str, Any], now: Any
) -> bool:
    """The optional details of an existing example (the form's second step), in place."""
    stmt = (
        update(Answer)
        .where(A.campaign_id == campaign_id, A.person_id == person_id, A.has_example == True)  # noqa: E712
        .values(**values, updated_at=now)
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return bool(result.rowcount)


async def answer_for(session: AsyncSession, campaign_id: str, person_id: int) -> Answer | None:
    stmt = select(Answer).where(A.campaign_id == campaign_id, A.person_id == person_id)
    return (await session.exec(stmt)).scalars().first()  # type: ignore[call-overload]


async def delete_answers_of(session: AsyncSession, person_id: int) -> int:
    result = await session.exec(delete(Answer).where(A.person_id == person_id))  # type: ignore[call-overload]
    return int(result.rowcount or 0)


async def history_of(session: AsyncSession, person_id: int, limit: int = 12) -> list[Answer]:
    """The person's own answers, newest quarter first (App Home shows a bounded list)."""
    stmt = select(Answer).where(A.person_id == person_id).order_by(A.quarter.desc()).limit(limit)
    return list((await session.exec(stmt)).scalars().all())  # type: ignore[call-overload]
