"""Coordinated-job SQL: each state change of a job's row is one conditional statement, so two
replicas ticking at the same moment never both run a job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ScheduledJob

J: Any = ScheduledJob


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ScheduledJob)


async def plan(session: AsyncSession, name: str, schedule: str, first_run: datetime) -> None:
    """Create the job's row on first sight; re-plan it when its schedule was changed."""
    stmt = (
        _insert(session)
        .values(name=name, schedule=schedule, next_run_at=first_run)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    await session.exec(stmt)  # type: ignore[call-overload]
    replan = (
        update(ScheduledJob)
        .where(J.name == name, J.schedule != schedule)
        .values(schedule=schedule, next_run_at=first_run)
    )
    await session.exec(replan)  # type: ignore[call-overload]


async def claim(
    session: AsyncSession, name: str, owner: str, now: datetime, lease_until: datetime
) -> datetime | None:
    """Take the job if it is due and nobody holds it; returns when it was due, else None."""
    free = or_(J.lease_until.is_(None), J.lease_until < now)
    stmt = (
        update(ScheduledJob)
        .where(J.name == name, J.next_run_at <= now, free)
        .values(lease_owner=owner, lease_until=lease_until, last_started_at=now)
        .returning(J.next_run_at)
        .execution_options(synchronize_session=False)
    )
    return (await session.exec(stmt)).scalars().first()  # type: ignore[call-overload,no-any-return]


def _mine(name: str, owner: str) -> Any:
    return and_(J.name == name, J.lease_owner == owner)


async def renew(session: AsyncSession, name: str, owner: str, lease_until: datetime) -> bool:
    stmt = update(ScheduledJob).where(_mine(name, owner)).values(lease_until=lease_until)
    return bool((await session.exec(stmt)).rowcount)  # type: ignore[call-overload]


async def finish(
    session: AsyncSession,
    name: str,
    owner: str,
    *,
    now: datetime,
    next_run_at: datetime,
    outcome: str,
    detail: str | None,
) -> bool:
    stmt = (
        update(ScheduledJob)
        .where(_mine(name, owner))
        .values(
            lease_owner=None, lease_until=None, next_run_at=next_run_at, last_finished_at=now,
            last_outcome=outcome, last_detail=detail,
        )
    )  # fmt: skip
    return bool((await session.exec(stmt)).rowcount)  # type: ignore[call-overload]


async def release(session: AsyncSession, name: str, owner: str) -> bool:
    """Hand the job back unfinished (shutdown): still due, so another replica runs it now."""
    stmt = update(ScheduledJob).where(_mine(name, owner)).values(lease_owner=None, lease_until=None)
    return bool((await session.exec(stmt)).rowcount)  # type: ignore[call-overload]


async def get(session: AsyncSession, name: str) -> ScheduledJob | None:
    return await session.get(ScheduledJob, name)


async def all_jobs(session: AsyncSession) -> list[ScheduledJob]:
    stmt = select(ScheduledJob).order_by(J.name)
    return list((await session.exec(stmt)).scalars().all())  # type: ignore[call-overload]
