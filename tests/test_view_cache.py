"""Expensive views are computed once per data version and shared, and never served stale.

The data version moves in the same transaction as every kind of change that feeds a view
(answers, disclosures, facts, the directory, campaigns and sent prompts), whichever code path
makes it; the next `/ai-stage` shows the change; concurrent requests share one computation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.core import answers, campaigns, disclosures
from bot.core.cache import ViewCache
from bot.core.directory import import_directory
from bot.core.facts import set_facts
from bot.core.services import Services
from bot.core.stage import assess
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from storage.data_version import current_version
from storage.db import Database
from storage.models import Delivery, Person
from storage.queries.campaigns import claim
from tests.conftest import eventually
from tests.stage_fixtures import add_answers, make_team
from tests.test_answers_http import QUARTER
from tests.test_campaign_fixtures import seed_org
from tests.test_campaign_lifecycle import EXAMPLE

DISCLOSURE = disclosures.RawDisclosure(
    tool="A browser extension", tool_kind="chat_assistant", work_kind="drafting",
    frequency="monthly", data_class="internal", reasons=("no_approved_tool",),
)  # fmt: skip


async def version(db: Database) -> int:
    async with db.session() as session:
        return await current_version(session)


async def moves(db: Database, change: Callable[[], Awaitable[Any]]) -> bool:
    before = await version(db)
    await change()
    return await version(db) > before


async def test_every_kind_of_change_moves_the_version(
    services: Services, slack: SlackDouble
) -> None:
    db = services.db
    org = await seed_org(services, slack, 6)
    user = org.user_ids[1]
    assert await moves(db, lambda: campaigns.start_campaign(services, QUARTER))
    assert await moves(db, lambda: answers.save_answer(services, user, QUARTER, EXAMPLE))
    assert await moves(db, lambda: answers.not_this_quarter(services, org.user_ids[2], QUARTER))
    form = disclosures.validate(DISCLOSURE)
    assert await moves(db, lambda: disclosures.submit(services, form, chat_user_id=user))
    assert await moves(db, lambda: set_facts(services, {"ai_policy": "yes"}, "UADMIN", "cli"))
    assert await moves(db, lambda: answers.forget(services, org.people[1].id or 0))
    csv = b"email,name,team,manager_email,slack_user_id\nnew@example.com,New,Ops,,UNEW\n"
    assert await moves(db, lambda: import_directory(services, csv, deactivate_missing=False))


async def test_reads_claims_and_rolled_back_writes_leave_it_alone(
    services: Services, slack: SlackDouble
) -> None:
    db = services.db
    await seed_org(services, slack, 3)
    await campaigns.start_campaign(services, QUARTER, now=True)
    before = await version(db)
    await assess(services)
    async with db.session() as s:  # an outbox claim is bookkeeping, not data a view reads
        now = services.clock()
        assert await claim(s, "worker", now, now, 10)
    with pytest.raises(RuntimeError):
        async with db.session() as s:
            s.add(Person(email="ghost@example.com", name="Ghost"))
            await s.flush()
            raise RuntimeError("rolled back")
    assert await version(db) == before
    async with db.session() as s:  # a sent prompt is the response rate's denominator
        row = (await s.exec(select(Delivery))).scalars().first()  # type: ignore[call-overload]
        row.status = "sent"
    assert await version(db) == before + 1


async def test_the_next_stage_command_shows_a_new_answer(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    team, people = await make_team(services.db, "Data", 12)
    await add_answers(services.db, QUARTER, team, people[:6])

    async def stage_reply() -> str:
        before = len(slack.responses)
        await sender.command(ids.STAGE_COMMAND, user_id="UANY")
        await eventually(lambda: len(slack.responses) > before)
        return str(slack.responses[-1]["body"]["blocks"])

    first = await stage_reply()
    computed = services.views.stats.computed
    assert await stage_reply() == first
    assert services.views.stats.computed == computed  # unchanged data: served from memory
    await add_answers(services.db, QUARTER, team, people[6:])
    after = await stage_reply()
    assert after != first and "12" in after
    assert services.views.stats.computed > computed


async def test_a_burst_of_requests_computes_the_stage_once(services: Services) -> None:
    team, people = await make_team(services.db, "Data", 10)
    await add_answers(services.db, QUARTER, team, people)
    reports = await asyncio.gather(*(assess(services) for _ in range(200)))
    assert services.views.stats.computed == 2  # the stage and the figures it reads, once each
    assert services.views.stats.shared == 199
    assert all(r is reports[0] for r in reports)


async def test_single_flight_then_memory(database: Database) -> None:
    cache = ViewCache(database)
    runs = 0

    async def slow() -> int:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.05)
        return runs

    assert await asyncio.gather(*(cache.get("k", slow) for _ in range(50))) == [1] * 50
    assert await cache.get("k", slow) == 1 and runs == 1
    assert cache.stats.hits == 1 and cache.stats.shared == 49


async def test_a_change_during_the_computation_is_not_hidden(database: Database) -> None:
    """The version is read before computing: a change committed meanwhile forces a recompute."""
    cache = ViewCache(database)
    runs = 0

    async def changes_midway() -> int:
        nonlocal runs
        runs += 1
        if runs == 1:
            await make_team(database, "Late", 1)
        return runs

    assert await cache.get("k", changes_midway) == 1
    assert await cache.get("k", changes_midway) == 2


async def test_a_failed_computation_is_not_cached(database: Database) -> None:
    cache = ViewCache(database)
    outcomes: list[Any] = [RuntimeError("database hiccup"), "fine"]

    async def flaky() -> Any:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    results = await asyncio.gather(
        *(cache.get("k", flaky) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await cache.get("k", flaky) == "fine"


async def test_another_replica_sees_the_change(services: Services, database: Database) -> None:
    """Two processes share only the database: the other one's cache notices the new version."""
    other = Database(database.url)
    try:
        replica = Services(settings=services.settings, db=other)
        team, people = await make_team(database, "Data", 10)
        await add_answers(database, QUARTER, team, people[:5])
        assert (await assess(replica)).signals["answered"] == 5
        await add_answers(database, QUARTER, team, people[5:])
        assert (await assess(replica)).signals["answered"] == 10
    finally:
        await other.dispose()
