"""A mature organisation for the surface tests: two quarters, four teams, one manager above.

Stage 4 in the latest quarter (production use cases, measured outcomes, repeatable kinds of
work, an AI policy with a 14-day review SLA), with a few examples whose optional maturity
questions were left empty, consented examples, and obstacles people reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.facts import set_facts
from bot.core.services import Services
from bot.slack.double import SlackDouble
from storage.models import Person
from tests.conftest import ADMIN_ID
from tests.stage_fixtures import add_answers, add_prompts, make_person, make_team

LAST, PREVIOUS = "2026Q4", "2026Q3"
KINDS = ("coding", "analysis", "drafting", "summarising")


@dataclass
class Mature:
    director: str
    manager: str
    employee: str


async def seed_mature_org(services: Services, slack: SlackDouble) -> Mature:
    director = await make_person(services.db, "Dana Director", "UDIRECTOR")
    manager = await make_person(services.db, "Mia Manager", "UMANAGER")
    await _reports_to(services, manager, director)
    for index, (name, kind) in enumerate(
        zip(("Platform", "Payments", "Support", "Data"), KINDS, strict=True)
    ):
        team, people = await make_team(
            services.db, name, 7, manager=manager if index < 2 else director
        )
        await add_prompts(services.db, LAST, people)
        await add_prompts(services.db, PREVIOUS, people)
        await add_answers(
            services.db,
            PREVIOUS,
            team,
            people[:4],
            work_kind=kind,
            establishment="regular",
            continues_without_me="yes",
            spread="my_team",
        )
        for group, work in ((people[:3], kind), (people[3:5], KINDS[(index + 1) % 4])):
            await add_answers(
                services.db,
                LAST,
                team,
                group,
                work_kind=work,
                establishment="production",
                continues_without_me="yes",
                spread="my_team",
                hours_saved_per_month=4.0,
                obstacle_review_credit=index % 2 == 0,
                obstacle_procurement=True,
                share_consent=index == 0 and work == kind,
                example=f"{name}: drafted the weekly report from the tracker",
            )
        await add_answers(
            services.db,
            LAST,
            team,
            people[5:7],
            work_kind=kind,
            establishment=None,
            continues_without_me=None,
            spread=None,
            tool_approved=None,
        )
    members = [f"U{name.upper()}{i}" for name in ("PLATFORM", "PAYMENTS", "SUPPORT", "DATA")
               for i in range(7)]  # fmt: skip
    for user in ("UDIRECTOR", "UMANAGER", ADMIN_ID, *members):
        slack.add_user(user, email=f"{user.lower()}@example.com")
    await set_facts(services, {"ai_policy": "true", "review_sla_days": "14"}, ADMIN_ID, "cli")
    return Mature(director="UDIRECTOR", manager="UMANAGER", employee="UPLATFORM1")


async def _reports_to(services: Services, person_id: int, manager_id: int) -> None:
    async with services.db.session() as s:
        person = await s.get(Person, person_id)
        assert person is not None
        person.manager_id = manager_id
        s.add(person)
