"""Direct row inserts for aggregator tests: answers and disclosures are other engineers' writes,
so these tests build the rows those flows would have stored."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from storage.db import Database
from storage.models import Answer, Campaign, Delivery, Disclosure, Person, Team

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def make_team(
    db: Database, name: str, size: int, *, manager: int | None = None, slack_prefix: str = "U"
) -> tuple[int, list[int]]:
    """A team of `size` people reporting to `manager` (a person id); returns (team id, ids)."""
    async with db.session() as s:
        team = Team(name=name)
        s.add(team)
        await s.flush()
        people = [
            Person(
                email=f"{name}-{i}@example.com".lower(),
                name=f"{name} Person {i}",
                team_id=team.id,
                manager_id=manager,
                slack_user_id=f"{slack_prefix}{name.upper()}{i}",
            )
            for i in range(size)
        ]
        s.add_all(people)
        await s.flush()
        return int(team.id), [int(p.id) for p in people]  # type: ignore[arg-type]


async def make_person(db: Database, name: str, slack_id: str, team_id: int | None = None) -> int:
    async with db.session() as s:
        person = Person(
            email=f"{slack_id.lower()}@example.com", name=name, slack_user_id=slack_id,
            team_id=team_id,
        )  # fmt: skip
        s.add(person)
        await s.flush()
        return int(person.id)  # type: ignore[arg-type]


async def ensure_campaign(db: Database, quarter: str) -> None:
    async with db.session() as s:
        if await s.get(Campaign, quarter) is None:
            s.add(Campaign(id=quarter, opens_at=T0, closes_at=T0, status="closed"))


async def add_answers(
    db: Database, quarter: str, team_id: int | None, person_ids: list[int], **fields: Any
) -> None:
    """One answer per person with the same fields (defaults: an approved regular drafting use)."""
    await ensure_campaign(db, quarter)
    values = {
        "has_example": True,
        "example": "Summarised vendor contracts",
        "work_kind": "drafting",
        "tool": "Assistant",
        "tool_approved": "approved",
        "establishment": "regular",
        "spread": "just_me",
        "continues_without_me": "no",
    }
    values.update(fields)
    async with db.session() as s:
        s.add_all(
            Answer(campaign_id=quarter, quarter=quarter, person_id=p, team_id=team_id, **values)
            for p in person_ids
        )


async def add_prompts(db: Database, quarter: str, person_ids: list[int]) -> None:
    await ensure_campaign(db, quarter)
    async with db.session() as s:
        s.add_all(
            Delivery(campaign_id=quarter, person_id=p, kind="prompt", due_at=T0, status="sent")
            for p in person_ids
        )


async def add_disclosures(
    db: Database, quarter: str, count: int, team_id: int | None = None, **fields: Any
) -> None:
    values = {
        "tool": "ShadowGPT",
        "tool_key": "shadowgpt",
        "tool_kind": "chat_assistant",
        "work_kind": "drafting",
        "frequency": "weekly",
        "data_class": "internal",
        "released": True,  # stored and already released (see bot.core.disclosures)
    }
    values.update(fields)
    async with db.session() as s:
        s.add_all(
            Disclosure(
                id=secrets.token_hex(16),
                quarter=quarter,
                team_id=team_id,
                claim_hash=secrets.token_hex(32),
                **values,
            )
            for _ in range(count)
        )
