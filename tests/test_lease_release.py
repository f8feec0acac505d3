"""Short leases, the heartbeat and release: a dead worker's rows are taken over within one
lease period, a worker never sends a row it may have lost, and a stopping or cancelled run
hands its rows back at once (reconciled against the chat history when a send was under way)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core.delivery import LEASE, delivery_key, run_due_deliveries
from bot.core.ports import PromptMessage, Recipient
from bot.core.services import Services
from bot.slack.double import SlackDouble
from storage.queries import campaigns as q
from storage.types import utcnow
from tests.test_campaign_fixtures import NOON, at, deliveries, start_at_noon
from tests.test_delivery_lease import HookedMessenger, counts
from tests.test_delivery_outbox import prompt_counts, started


async def test_a_dead_workers_rows_wait_one_lease_then_are_reconciled_not_resent(
    services: Services, slack: SlackDouble
) -> None:
    """On the real clock (the double stamps messages with it, and reconciliation reads them)."""
    org = await started(services, slack, size=4)
    now = utcnow()
    async with services.db.session() as s:
        held = await q.claim(s, "dead-replica", now, now + LEASE, 10)
    assert len(held) == 4
    messenger = services.messenger
    assert messenger is not None
    first = held[0]  # the dead replica had posted this one but never recorded it
    await messenger.send(
        Recipient(first.person_id, first.chat_user_id or "", first.name, first.tz),
        PromptMessage(first.campaign_id, first.closes_at),
        delivery_key(first),
    )
    at(services, now + LEASE - timedelta(seconds=1))
    assert (await run_due_deliveries(services, worker_id="survivor")).handled == 0
    at(services, now + LEASE + timedelta(seconds=1))
    report = await run_due_deliveries(services, worker_id="survivor")
    assert (report.sent, report.reconciled) == (3, 1)
    assert prompt_counts(slack, org.user_ids) == [1] * 4


async def test_a_row_whose_lease_was_not_renewed_in_time_is_left_for_another_worker(
    services: Services, slack: SlackDouble
) -> None:
    """Two rows claimed together; before the second send the clock passes the send margin
    with no heartbeat (the database was unreachable): the second row is not sent by us."""
    org = await start_at_noon(services, slack, 2)
    services.settings.fanout_concurrency = 2
    services.settings.fanout_rate_per_second = 1
    inner = services.messenger
    assert inner is not None

    async def no_heartbeat_for_a_while(_: Recipient) -> None:
        at(services, NOON + LEASE - timedelta(seconds=5))

    services.messenger = HookedMessenger(inner, no_heartbeat_for_a_while)
    report = await run_due_deliveries(services, worker_id="a")
    assert report.sent == 1
    assert sorted(counts(slack, org.user_ids, "prompt")) == [0, 1]
    [left] = await deliveries(services, kind="prompt", status="pending")
    assert left.lease_owner is None  # released when the run ended, for anyone to take now
    services.messenger = inner
    assert (await run_due_deliveries(services, worker_id="b")).sent == 1
    assert counts(slack, org.user_ids, "prompt") == [1, 1]


async def test_stopping_releases_claimed_rows_for_another_replica_at_once(
    services: Services, slack: SlackDouble
) -> None:
    org = await start_at_noon(services, slack, 6)
    services.settings.fanout_concurrency = 3
    inner = services.messenger
    assert inner is not None

    async def sigterm_arrives(_: Recipient) -> None:
        services.drain.stop()

    services.messenger = HookedMessenger(inner, sigterm_arrives)
    report = await run_due_deliveries(services, worker_id="stopping")
    assert 1 <= report.sent < 6
    rows = await deliveries(services, kind="prompt")
    assert not [r for r in rows if r.status == "claimed"]
    untried = [r for r in rows if r.status == "pending"]
    assert untried and all(r.attempts == 0 and r.lease_owner is None for r in untried)

    other = Services(settings=services.settings, db=services.db, clock=services.clock)
    other.messenger = inner  # replica B, same moment: no lease to wait for
    assert (await run_due_deliveries(other, worker_id="replica-b")).sent == len(untried)
    assert counts(slack, org.user_ids, "prompt") == [1] * 6


async def test_a_cancelled_send_is_released_and_reconciled_before_another_try(
    services: Services, slack: SlackDouble
) -> None:
    org = await start_at_noon(services, slack, 2)
    services.settings.fanout_concurrency = 1
    inner = services.messenger
    assert inner is not None
    started = asyncio.Event()

    async def hang(_: Recipient) -> None:
        started.set()
        await asyncio.Event().wait()

    services.messenger = HookedMessenger(inner, hang)
    run = asyncio.create_task(run_due_deliveries(services, worker_id="cancelled"))
    await asyncio.wait_for(started.wait(), 5)
    assert services.drain.busy == 1
    run.cancel()
    await asyncio.gather(run, return_exceptions=True)
    assert services.drain.busy == 0
    rows = await deliveries(services, kind="prompt")
    assert {r.status for r in rows} == {"pending"}
    assert sorted(r.attempts for r in rows) == [0, 1]  # the interrupted one reconciles first
    services.messenger = inner
    assert (await run_due_deliveries(services, worker_id="next")).sent == 2
    assert counts(slack, org.user_ids, "prompt") == [1, 1]


async def test_the_heartbeat_renews_only_rows_still_held(
    services: Services, slack: SlackDouble
) -> None:
    await start_at_noon(services, slack, 2)
    async with services.db.session() as s:
        mine = await q.claim(s, "a", NOON, NOON + LEASE, 1)
        later = NOON + LEASE * 2
        theirs = await q.claim(s, "b", later, later + LEASE, 10)  # a's lapsed row and the rest
    assert {r.id for r in theirs} >= {r.id for r in mine}
    async with services.db.session() as s:
        assert await q.renew_held(s, "a", later + LEASE) == []
        assert sorted(await q.renew_held(s, "b", later + LEASE)) == sorted(r.id for r in theirs)
