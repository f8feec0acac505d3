"""A claim takes at most its batch, however many rows are due and however many workers claim
at once: the dead replica of issue 13 had claimed the whole queue in one statement, so the
survivor found nothing to do until the lease ran out."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.core.delivery import LEASE
from bot.core.services import Services
from bot.slack.double import SlackDouble
from storage.models import Delivery
from storage.queries import campaigns as q
from tests.test_campaign_fixtures import NOON, start_at_noon


async def held_by(services: Services, worker: str) -> int:
    async with services.db.session() as s:
        stmt = select(func.count()).select_from(Delivery).where(Delivery.lease_owner == worker)
        return int((await s.exec(stmt)).scalar_one())  # type: ignore[call-overload]


async def test_a_claim_takes_no_more_than_its_batch(services: Services, slack: SlackDouble) -> None:
    await start_at_noon(services, slack, 300)  # fresh rows, as right after a campaign start
    async with services.db.session() as s:
        first = await q.claim(s, "a", NOON, NOON + LEASE, 16)
    assert len(first) == 16 and await held_by(services, "a") == 16

    async def claim(worker: str) -> int:
        async with services.db.session() as s:
            return len(await q.claim(s, worker, NOON, NOON + LEASE, 16))

    workers = [f"w{i}" for i in range(6)]
    taken = await asyncio.gather(*(claim(w) for w in workers))
    assert taken == [16] * 6
    assert [await held_by(services, w) for w in workers] == [16] * 6
