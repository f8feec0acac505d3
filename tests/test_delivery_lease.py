"""Review fixes in the sender: the lease is renewed (and the send re-checked) just before each
send, a live worker's heartbeat keeps its short leases, and transient failures keep retrying
until the campaign closes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.core import answers, campaigns
from bot.core.delivery import LEASE, MAX_BACKOFF, RENEW_AFTER, run_due_deliveries
from bot.core.ports import DeliveryFailed, Messenger, OutgoingMessage, Recipient, Sent
from bot.core.services import Services
from bot.slack.double import SlackDouble
from storage.queries import campaigns as q
from tests.test_campaign_fixtures import (
    NOON,
    at,
    deliveries,
    keys_sent_to,
    seed_org,
    start_at_noon,
    use_slack,
)
from tests.test_campaign_lifecycle import EXAMPLE

Hook = Callable[[Recipient], Awaitable[None]]


class HookedMessenger:
    """The real (double-backed) messenger, with something happening during the first send."""

    def __init__(self, inner: Messenger, hook: Hook) -> None:
        self.inner, self.hook, self.fired = inner, hook, False

    async def send(self, recipient: Recipient, message: OutgoingMessage, key: str) -> Sent:
        if not self.fired:
            self.fired = True
            await self.hook(recipient)
        return await self.inner.send(recipient, message, key)

    async def find_sent(self, recipient: Recipient, key: str, since: datetime) -> Sent | None:
        return await self.inner.find_sent(recipient, key, since)


class FlakyMessenger:
    """Fails transiently while `failing`, then delegates; counts reconciliation look-ups."""

    def __init__(self, inner: Messenger) -> None:
        self.inner, self.failing, self.lookups = inner, True, 0

    async def send(self, recipient: Recipient, message: OutgoingMessage, key: str) -> Sent:
        if self.failing:
            raise DeliveryFailed("HTTP 503 service_unavailable", permanent=False)
        return await self.inner.send(recipient, message, key)

    async def find_sent(self, recipient: Recipient, key: str, since: datetime) -> Sent | None:
        self.lookups += 1
        return await self.inner.find_sent(recipient, key, since)


def counts(slack: SlackDouble, user_ids: list[str], kind: str) -> list[int]:
    return [len([k for k in keys_sent_to(slack, u) if f":{kind}:" in k]) for u in user_ids]


async def test_slow_send_keeps_its_lease_so_another_worker_never_sends_it_again(
    services: Services, slack: SlackDouble
) -> None:
    org = await start_at_noon(services, slack, 5)
    services.settings.fanout_concurrency = 1
    inner = services.messenger
    assert inner is not None

    async def slow_send_meanwhile_another_replica_runs(_: Recipient) -> None:
        later = NOON + timedelta(minutes=10)  # this send is taking very long...
        at(services, later)
        async with services.db.session() as s:  # ...while replica A's heartbeat renews
            assert len(await q.renew_held(s, "replica-a", later + LEASE)) >= 1
        await run_due_deliveries(services, worker_id="replica-b")

    services.messenger = HookedMessenger(inner, slow_send_meanwhile_another_replica_runs)
    await run_due_deliveries(services, worker_id="replica-a")
    assert counts(slack, org.user_ids, "prompt") == [1] * 5
    assert {r.status for r in await deliveries(services, kind="prompt")} == {"sent"}


async def test_renewal_fails_for_a_worker_whose_row_was_taken_over(
    services: Services, slack: SlackDouble
) -> None:
    await start_at_noon(services, slack, 1)
    async with services.db.session() as s:
        [mine] = await q.claim(s, "a", NOON, NOON + timedelta(minutes=1), 10)
    later = NOON + timedelta(minutes=2)
    async with services.db.session() as s:
        [theirs] = await q.claim(s, "b", later, later + LEASE, 10)
        assert await q.renew(s, mine.id, "a", later, later + LEASE) == "lost"
        assert await q.renew(s, theirs.id, "b", later, later + LEASE) == "ok"
    [stored] = await deliveries(services)
    assert (stored.status, stored.lease_owner) == ("claimed", "b")


async def _two_workers_one_token(services: Services, hook: Hook) -> None:
    """Two workers claim both rows; the bucket lets only one send before the hook has run."""
    services.settings.fanout_concurrency = 2
    services.settings.fanout_rate_per_second = 1
    inner = services.messenger
    assert inner is not None
    services.messenger = HookedMessenger(inner, hook)
    await run_due_deliveries(services)


async def test_answer_arriving_after_the_claim_stops_the_reminder(
    services: Services, slack: SlackDouble
) -> None:
    org = await start_at_noon(services, slack, 2)
    await run_due_deliveries(services)
    assert await campaigns.remind(services) == 2

    async def the_other_one_answers(recipient: Recipient) -> None:
        other = next(u for u in org.user_ids if u != recipient.chat_user_id)
        await answers.save_answer(services, other, "2026Q4", EXAMPLE)

    await _two_workers_one_token(services, the_other_one_answers)
    assert sorted(counts(slack, org.user_ids, "reminder1")) == [0, 1]
    statuses = sorted(r.status for r in await deliveries(services, kind="reminder1"))
    assert statuses == ["sent", "skipped"]


async def test_close_arriving_after_the_claim_stops_a_prompt_that_waited(
    services: Services, slack: SlackDouble
) -> None:
    """Prompts claimed moments ago go out without a second round trip (fan-out speed); one
    that has waited longer than RENEW_AFTER is re-checked and a close stops it."""
    org = await start_at_noon(services, slack, 2)

    async def an_admin_closes_a_while_later(_: Recipient) -> None:
        at(services, services.clock() + RENEW_AFTER + timedelta(seconds=1))
        await campaigns.close_campaign(services, "2026Q4")

    await _two_workers_one_token(services, an_admin_closes_a_while_later)
    assert sorted(counts(slack, org.user_ids, "prompt")) == [0, 1]


async def test_transient_failures_retry_until_the_campaign_closes_then_resume_requeues(
    services: Services, slack: SlackDouble
) -> None:
    org = await start_at_noon(services, slack, 1)
    inner = services.messenger
    assert inner is not None
    flaky = FlakyMessenger(inner)
    services.messenger = flaky
    moment = NOON
    for _ in range(16):  # four hours of an outage: far past the old one-hour give-up
        report = await run_due_deliveries(services)
        assert report.failed == 0
        [row] = await deliveries(services, kind="prompt")
        assert row.status == "pending" and row.due_at - moment <= MAX_BACKOFF
        moment = row.due_at
        at(services, moment)
    closes = NOON + timedelta(days=services.settings.campaign_window_days)
    at(services, closes - timedelta(minutes=10))  # the next retry would come after the close
    assert (await run_due_deliveries(services)).failed == 1
    [row] = await deliveries(services, kind="prompt")
    assert row.status == "failed" and (row.error or "").startswith(q.TRANSIENT_PREFIX)
    flaky.failing = False
    await campaigns.start_campaign(services, "2026Q4")  # an operator resumes
    assert (await run_due_deliveries(services)).sent == 1
    assert flaky.lookups >= 1  # looked for an earlier post before sending again
    assert counts(slack, org.user_ids, "prompt") == [1]


async def test_permanent_failures_are_not_requeued_on_resume(
    services: Services, slack: SlackDouble
) -> None:
    org = await seed_org(services, slack, 2)
    slack._users.pop(org.user_ids[0])  # left the workspace after the import
    use_slack(services)
    at(services, NOON)
    await campaigns.start_campaign(services, "2026Q4", now=True)
    assert (await run_due_deliveries(services)).failed == 1
    await campaigns.start_campaign(services, "2026Q4", now=True)
    assert (await run_due_deliveries(services)).handled == 0
