"""A manager who compares two readings of their team's view learns nothing from one answer.

Review finding M2, as run against the code: with 6 examples (all approved, "not approved" 0
shown) and 8 answers, one more answer with a tool that is not approved turned "not approved"
and "with an example" into "withheld" and showed 9 answers: the manager learned the newest
answerer's approval status. Team figures are now released in batches (`team_views`): the
stored view is served until K answers are new, edited or gone, or the campaign closes.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from bot.core.services import Services
from bot.core.team_summary import build_team_summary
from storage.models import Answer, Campaign, Delivery, Person, Team, TeamRelease
from tests.stage_fixtures import T0, add_answers, add_prompts, make_person, make_team

K = 5
Q = "2026Q3"
EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def open_campaign(services: Services) -> None:
    async with services.db.session() as s:
        s.add(Campaign(id=Q, opens_at=T0, closes_at=T0 + timedelta(days=90), status="open"))


async def team(services: Services, size: int = 14) -> tuple[int, list[int], int]:
    """A manager and the team that reports to them; the campaign is open."""
    manager = await make_person(services.db, "Manager", "UMANAGER")
    team_id, people = await make_team(services.db, "Platform", size, manager=manager)
    await open_campaign(services)
    await add_prompts(services.db, Q, people)
    return team_id, people, manager


async def manager_reads(services: Services, manager: int) -> list[Any]:
    """What the core publishes to the manager about the team: the summary's text and the
    team's figures (the Slack and Teams renderers draw these and nothing else of the team)."""
    summary = await build_team_summary(services, manager, Q)
    return [summary.text, [t.signals.to_dict() if t.signals else None for t in summary.teams]]


async def review_scenario(services: Services) -> tuple[int, list[int], int]:
    """Eight answers: six examples with approved tools, two without an example."""
    team_id, people, manager = await team(services)
    await add_answers(services.db, Q, team_id, people[:6])
    await add_answers(services.db, Q, team_id, people[6:8], has_example=False, example=None)
    return team_id, people, manager


async def test_one_more_answer_does_not_show_in_the_managers_next_reading(
    services: Services,
) -> None:
    team_id, people, manager = await review_scenario(services)
    before = await manager_reads(services, manager)
    assert "not approved 0" in before[0]  # the figure the attack turns into a difference
    await add_answers(services.db, Q, team_id, people[8:9], tool_approved="not_approved")
    assert await manager_reads(services, manager) == before


async def test_k_changed_answers_or_the_close_release_the_next_view(services: Services) -> None:
    team_id, people, manager = await review_scenario(services)
    first = await manager_reads(services, manager)
    await add_answers(services.db, Q, team_id, people[8:9], tool_approved="not_approved")
    # Four edits of earlier answers: five changed answers in all, K: the next release.
    later = datetime.now(UTC) + timedelta(minutes=1)
    async with services.db.session() as s:
        await s.exec(  # type: ignore[call-overload]
            update(Answer)
            .where(Answer.person_id.in_(people[:4]))  # type: ignore[attr-defined]
            .values(tool_approved="unknown", updated_at=later)
        )
    second = await manager_reads(services, manager)
    assert second != first and "Response rate: 9 of 14" in second[0]
    # One more answer: served from the release again...
    await add_answers(services.db, Q, team_id, people[9:10])
    assert await manager_reads(services, manager) == second
    # ...until the campaign closes: then the final figures are released.
    async with services.db.session() as s:
        await s.exec(update(Campaign).values(status="closed"))  # type: ignore[call-overload]
    closed = await manager_reads(services, manager)
    assert closed != second and "Response rate: 10 of 14" in closed[0]
    async with services.db.session() as s:
        release = await s.get(TeamRelease, (Q, team_id))
    assert release is not None and release.final and release.answers == 10


@st.composite
def changes(draw: st.DrawFn) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]], int]:
    said = st.tuples(st.booleans(), st.sampled_from(("approved", "not_approved", "unknown")))
    base = draw(st.lists(said, min_size=K, max_size=10))
    new = draw(st.lists(said, max_size=K - 1))
    edits = draw(st.integers(0, min(len(base), K - 1 - len(new))))
    return base, new, edits


def fields(example: bool, approval: str) -> dict[str, Any]:
    if not example:
        return {"has_example": False, "example": None}
    return {"tool_approved": approval}


async def reset(services: Services) -> None:
    async with services.db.session() as s:
        for model in (TeamRelease, Answer, Delivery, Person, Team, Campaign):
            await s.exec(delete(model))  # type: ignore[call-overload]


@EXAMPLES
@given(case=changes())
async def test_fewer_than_k_new_or_edited_answers_never_change_the_view(
    services: Services, case: tuple[list[tuple[bool, str]], list[tuple[bool, str]], int]
) -> None:
    base, new, edits = case
    await reset(services)
    team_id, people, manager = await team(services, 16)
    for person, said in zip(people, base, strict=False):
        await add_answers(services.db, Q, team_id, [person], **fields(*said))
    before = await manager_reads(services, manager)
    rest = people[len(base) :]
    for person, said in zip(rest, new, strict=False):
        await add_answers(services.db, Q, team_id, [person], **fields(*said))
    later = datetime.now(UTC) + timedelta(minutes=1)
    async with services.db.session() as s:
        await s.exec(  # type: ignore[call-overload]
            update(Answer)
            .where(Answer.person_id.in_(people[:edits]))  # type: ignore[attr-defined]
            .values(has_example=True, tool_approved="not_approved", updated_at=later)
        )
    assert await manager_reads(services, manager) == before


async def test_readers_releasing_at_once_all_get_the_view(services: Services) -> None:
    """Close-of-campaign DMs are built concurrently: each may release the same team."""
    _, _, manager = await review_scenario(services)
    readings = await asyncio.gather(*(manager_reads(services, manager) for _ in range(4)))
    assert all(r == readings[0] for r in readings) and "Platform (14 people)" in readings[0][0]
