"""A manager sees the teams they manage, as the directory says, not every team where one of
their reports sits.

The rule: a manager sees a team when more than half of its other active members report to
them, directly or through managers who report to them.
"""

from __future__ import annotations

from sqlalchemy import update

from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from storage.models import Person
from storage.queries import org as org_q
from tests.conftest import eventually
from tests.stage_fixtures import add_answers, add_prompts, make_person, make_team

Q = "2026Q4"


async def _report_to(services: Services, people: list[int], manager: int) -> None:
    async with services.db.session() as s:
        await s.execute(
            update(Person).where(Person.id.in_(people)).values(manager_id=manager)  # type: ignore[union-attr]
        )


async def test_scope_is_the_teams_managed_not_every_team_with_one_report(
    services: Services,
) -> None:
    lead = await make_person(services.db, "Lena Lead", "ULEAD")
    team_a, people_a = await make_team(services.db, "Alpha", 6, manager=lead)
    other = await make_person(services.db, "Otto Other", "UOTHER")
    await _report_to(services, people_a[5:], other)  # Otto manages one person of Alpha
    director = await make_person(services.db, "Dana Director", "UDIR")
    await _report_to(services, [lead], director)
    half = await make_person(services.db, "Hal Half", "UHALF")
    _, people_b = await make_team(services.db, "Beta", 6, manager=half)
    await _report_to(services, people_b[3:], lead)  # Hal keeps exactly half: not a majority
    async with services.db.session() as s:
        assert await org_q.managed_team_ids(s, lead) == [team_a]
        assert await org_q.managed_team_ids(s, other) == []
        assert await org_q.managed_team_ids(s, director) == [team_a]  # through Lena
        assert await org_q.managed_team_ids(s, half) == []
        assert {p.id for p in await org_q.managers(s)} == {lead, director}


async def test_a_cycle_in_the_directory_ends(services: Services) -> None:
    a = await make_person(services.db, "A", "UA")
    team, people = await make_team(services.db, "Loop", 5, manager=a)
    await _report_to(services, [a], people[0])  # A reports to someone who reports to A
    async with services.db.session() as s:
        assert await org_q.managed_team_ids(s, a) == [team]


async def test_a_manager_of_one_member_does_not_see_that_team_or_its_shared_examples(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    lead = await make_person(services.db, "Lena Lead", "ULEAD")
    team, people = await make_team(services.db, "Alpha", 6, manager=lead)
    other = await make_person(services.db, "Otto Other", "UOTHER")
    await _report_to(services, people[5:], other)
    await add_prompts(services.db, Q, people)
    await add_answers(services.db, Q, team, people, share_consent=True)
    await sender.command("/ai-leverage", "team", user_id="UOTHER")
    await eventually(lambda: len(slack.responses) == 1)
    refused = slack.responses[0]["body"]
    assert "Alpha" not in str(refused) and "Alpha Person 0" not in str(refused)
    await sender.command("/ai-leverage", "team", user_id="ULEAD")
    await eventually(lambda: len(slack.responses) == 2)
    assert "Alpha (6 people)" in slack.responses[1]["body"]["text"]
