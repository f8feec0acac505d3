"""An organisation with more teams than a statement may bind parameters (32,767 on PostgreSQL's
wire protocol and SQLite's default limit): a directory that makes a team of every cost centre.
The figures read every team's name; they must not bind one parameter per team."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from bot.core import signals
from bot.core.services import Services
from storage.models import Person, Team

TEAMS = 33_000
NOW = datetime(2026, 11, 1, tzinfo=UTC)


async def test_figures_read_an_organisation_of_33000_teams(services: Services) -> None:
    async with services.db.session() as session:
        await session.exec(
            insert(Team), params=[{"name": f"Cost centre {i}"} for i in range(TEAMS)]
        )  # type: ignore[call-overload]
        ids = (await session.exec(select(Team.id))).scalars().all()  # type: ignore[call-overload]
        await session.exec(
            insert(Person),  # type: ignore[call-overload]
            params=[
                {
                    "email": f"p{i}@example.com",
                    "name": f"P {i}",
                    "team_id": int(t),
                    "active": True,
                    "updated_at": NOW,
                }
                for i, t in enumerate(ids)
            ],
        )
        await session.commit()
    figures = await signals.figures(services, include="2026Q4")
    assert list(figures) == ["2026Q4"]
    assert len(figures["2026Q4"].rows["names"]) == TEAMS
    assert figures["2026Q4"].raw.answered == 0
