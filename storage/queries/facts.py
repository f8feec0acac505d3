"""Organisation process facts: current values and their audited history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import FactChange, OrgFact
from storage.types import utcnow


async def all_facts(session: AsyncSession) -> dict[str, OrgFact]:
    result = await session.exec(select(OrgFact))
    return {f.key: f for f in result.scalars().all()}  # type: ignore[attr-defined]


async def upsert_fact(
    session: AsyncSession,
    key: str,
    value: str,
    changed_by: str,
    source: str,
    now: datetime | None = None,
) -> str | None:
    """Set (or, with an empty value, clear) one fact and log the change; returns the old value."""
    fact = await session.get(OrgFact, key)
    old = fact.value if fact else None
    now = now or utcnow()
    if value == "" and fact is not None:
        await session.delete(fact)
    elif value != "":
        if fact is None:
            fact = OrgFact(key=key, value=value, updated_by=changed_by, updated_at=now)
            session.add(fact)
        else:
            fact.value, fact.updated_by, fact.updated_at = value, changed_by, now
    session.add(
        FactChange(
            key=key,
            old_value=old,
            new_value=value,
            changed_by=changed_by,
            source=source,
            changed_at=now,
        )
    )
    await session.flush()
    return old


async def fact_changes(session: AsyncSession) -> list[FactChange]:
    """The whole history, oldest first: small (a handful of rows a year), replayed for trends."""
    result = await session.exec(
        select(FactChange).order_by(FactChange.changed_at, FactChange.id)  # type: ignore[arg-type]
    )
    return list(result.scalars().all())  # type: ignore[attr-defined]
