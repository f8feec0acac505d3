"""Teams adapter SQL: conversation references and the journal of accepted sends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Delivery, Person, TeamsConversation, TeamsSent

REFERENCE_FIELDS = ("user_id", "conversation_id", "service_url", "tenant_id", "bot_id", "bot_name")


async def reference_for(session: AsyncSession, aad_object_id: str) -> TeamsConversation | None:
    return await session.get(TeamsConversation, aad_object_id)


async def save_reference(session: AsyncSession, values: dict[str, Any], now: datetime) -> bool:
    """Store a person's conversation reference; rewritten only when it changed.

    Returns True when something was written. Leaving an unchanged row alone keeps the table
    free of a "last seen" trail of when each person used the bot.
    """
    current = await session.get(TeamsConversation, values["aad_object_id"])
    if current is None:
        session.add(TeamsConversation(**values, captured_at=now))
        await session.flush()
        return True
    if all(getattr(current, name) == values.get(name) for name in REFERENCE_FIELDS):
        return False
    for name in REFERENCE_FIELDS:
        setattr(current, name, values.get(name))
    current.captured_at = now
    await session.flush()
    return True


async def person_by_aad(session: AsyncSession, aad_object_id: str) -> Person | None:
    result = await session.exec(select(Person).where(Person.aad_object_id == aad_object_id))
    return result.first()


async def link_by_email(session: AsyncSession, email: str, aad_object_id: str) -> Person | None:
    """Give the active person with this e-mail their Teams id, unless someone else holds it."""
    if await person_by_aad(session, aad_object_id) is not None:
        return None
    result = await session.exec(
        select(Person).where(Person.email == email.strip().lower(), col(Person.active))
    )
    person = result.first()
    if person is None or person.aad_object_id:
        return None
    person.aad_object_id = aad_object_id
    await session.flush()
    return person


async def record_sent(
    session: AsyncSession, key: str, conversation_id: str, activity_id: str, now: datetime
) -> None:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(TeamsSent)
        .values(key=key, conversation_id=conversation_id, activity_id=activity_id, sent_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    await session.exec(stmt)  # type: ignore[call-overload]


async def sent_with_key(session: AsyncSession, key: str, since: datetime) -> TeamsSent | None:
    row = await session.get(TeamsSent, key)
    return row if row is not None and row.sent_at >= since else None


async def sent_prompt_kinds(
    session: AsyncSession, campaign_id: str, person_id: int, channel_id: str
) -> list[str]:
    """The kinds (prompt, reminder1, …) of a person's campaign messages sent on `channel_id`."""
    stmt = select(Delivery.kind).where(
        Delivery.campaign_id == campaign_id,
        Delivery.person_id == person_id,
        Delivery.kind != "summary",
        Delivery.status == "sent",
        Delivery.channel_id == channel_id,
    )
    return list((await session.exec(stmt)).all())


async def sent_with_keys(session: AsyncSession, keys: list[str]) -> list[TeamsSent]:
    """The journal's rows for these outbox keys (each holds the activity's full id), oldest
    first."""
    if not keys:
        return []
    rows = await session.exec(select(TeamsSent).where(col(TeamsSent.key).in_(keys)))
    return sorted(rows.all(), key=lambda row: row.sent_at)
