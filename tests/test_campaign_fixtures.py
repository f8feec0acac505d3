"""Helpers shared by the campaign, delivery and answer tests (no tests here).

The directory import is not what these tests are about, so people are inserted directly and
registered with the Slack double, the way an import would leave them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from bot.core import campaigns
from bot.core.services import Services
from bot.slack.app import wire_slack
from bot.slack.double import SlackDouble
from storage.models import Answer, Campaign, Delivery, Person, Team

# A Wednesday in the fourth quarter, mid-morning in Europe.
NOON = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)


@dataclass
class Org:
    manager: Person
    people: list[Person]

    @property
    def user_ids(self) -> list[str]:
        """Everyone's chat id, the manager first (managers are asked too)."""
        return [p.slack_user_id or "" for p in [self.manager, *self.people]]


async def seed_org(
    services: Services,
    slack: SlackDouble,
    size: int = 5,
    *,
    team: str = "Platform",
    prefix: str = "U",
    tzs: list[str] | None = None,
) -> Org:
    """`size` people: a manager (`{prefix}MGR`) and `size - 1` reports, in Slack and directory."""
    async with services.db.session() as s:
        squad = Team(name=team)
        s.add(squad)
        await s.flush()
        manager = Person(
            email=f"{prefix.lower()}mgr@example.com", name=f"{team} Manager",
            team_id=squad.id, slack_user_id=f"{prefix}MGR", tz="Europe/London",
        )  # fmt: skip
        s.add(manager)
        await s.flush()
        people = []
        for i in range(size - 1):
            tz = (tzs or ["Europe/London"])[i % len(tzs or [1])]
            person = Person(
                email=f"{prefix.lower()}{i}@example.com", name=f"Person {prefix}{i}",
                team_id=squad.id, manager_id=manager.id, slack_user_id=f"{prefix}{i:04d}", tz=tz,
            )  # fmt: skip
            s.add(person)
            people.append(person)
    for person in [manager, *people]:
        slack.add_user(person.slack_user_id or "", email=person.email, tz=person.tz or "UTC")
    return Org(manager, people)


def use_slack(services: Services) -> None:
    """Give the core its Slack-backed messenger pointed at the double (what `serve` does)."""
    wire_slack(services)


def at(services: Services, moment: datetime) -> None:
    services.clock = lambda: moment


def keys_sent_to(slack: SlackDouble, user_id: str) -> list[str]:
    return [
        m["metadata"]["event_payload"]["key"]
        for m in slack.messages_to(user_id)
        if not m["ephemeral"] and m.get("metadata")
    ]


async def deliveries(services: Services, **where: Any) -> list[Delivery]:
    async with services.db.session() as s:
        stmt = select(Delivery)
        for name, value in where.items():
            stmt = stmt.where(getattr(Delivery, name) == value)
        return list((await s.exec(stmt)).all())


async def all_answers(services: Services) -> list[Answer]:
    async with services.db.session() as s:
        return list((await s.exec(select(Answer))).all())


async def campaign_row(services: Services, campaign_id: str) -> Campaign | None:
    async with services.db.session() as s:
        return await s.get(Campaign, campaign_id)


async def start_at_noon(services: Services, slack: SlackDouble, size: int) -> Any:
    """A seeded org with the 2026Q4 campaign started (everyone due) at NOON."""
    org = await seed_org(services, slack, size)
    use_slack(services)
    at(services, NOON)
    await campaigns.start_campaign(services, "2026Q4", now=True)
    return org
