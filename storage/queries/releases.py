"""SQL for team view releases: what was released, and how many answers changed since."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Answer, Campaign, TeamRelease

A = Answer


async def releases(
    session: AsyncSession, quarter: str, team_ids: Sequence[int]
) -> dict[int, TeamRelease]:
    result = await session.execute(
        select(TeamRelease).where(
            TeamRelease.quarter == quarter,  # type: ignore[arg-type]
            TeamRelease.team_id.in_(list(team_ids)),  # type: ignore[attr-defined]
        )
    )
    return {int(r.team_id): r for r in result.scalars().all()}


async def answer_changes(
    session: AsyncSession, quarter: str, team_ids: Sequence[int]
) -> dict[int, tuple[int, int, int, datetime | None]]:
    """Per team, counted in SQL: (answers now, answers changed after its release's `as_of`,
    answers that already existed then, the newest change). A team never released counts
    every answer as changed and none as existing."""
    released = TeamRelease.as_of.is_not(None)  # type: ignore[union-attr]
    newer = case((released & (A.updated_at > TeamRelease.as_of), 1), (released, 0), else_=1)  # type: ignore[operator]
    kept = case((released & (A.created_at <= TeamRelease.as_of), 1), else_=0)  # type: ignore[operator]
    result = await session.execute(
        select(  # type: ignore[call-overload]
            A.team_id, func.count(), func.sum(newer), func.sum(kept), func.max(A.updated_at)
        )
        .select_from(A)
        .outerjoin(
            TeamRelease,
            and_(TeamRelease.quarter == A.quarter, TeamRelease.team_id == A.team_id),  # type: ignore[arg-type]
        )
        .where(A.quarter == quarter, A.team_id.in_(list(team_ids)))  # type: ignore[union-attr]
        .group_by(A.team_id)
    )
    return {
        int(t): (int(n), int(changed or 0), int(old or 0), newest)
        for t, n, changed, old, newest in result.all()
    }


async def campaign_closed(session: AsyncSession, quarter: str) -> bool:
    campaign = await session.get(Campaign, quarter)
    return campaign is not None and campaign.status == "closed"


async def save_release(session: AsyncSession, release: TeamRelease, *, postgres: bool) -> None:
    """Insert or replace in one statement: two readers releasing the same team at once (two
    close-of-campaign DMs, two replicas) store the same figures, and neither fails."""
    insert = pg_insert if postgres else sqlite_insert
    values = release.model_dump()
    statement = insert(TeamRelease).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["quarter", "team_id"],
            set_={k: v for k, v in values.items() if k not in ("quarter", "team_id")},
        )
    )
