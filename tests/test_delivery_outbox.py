"""The outbox: exactly one DM per person per campaign whatever repeats, races or crashes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core import campaigns
from bot.core.delivery import delivery_key, run_due_deliveries
from bot.core.ports import PromptMessage, Recipient
from bot.core.services import Services
from bot.slack.double import SlackDouble
from storage.queries import campaigns as q
from storage.types import utcnow
from tests.test_campaign_fixtures import at, deliveries, keys_sent_to, seed_org, use_slack

# The real clock (the double stamps messages with it): whichever quarter it is now.
QUARTER = campaigns.quarters.quarter_of(utcnow())


async def started(services: Services, slack: SlackDouble, size: int = 5):
    org = await seed_org(services, slack, size)
    use_slack(services)
    await campaigns.start_campaign(services, QUARTER, now=True)
    return org


def prompt_counts(slack: SlackDouble, user_ids: list[str]) -> list[int]:
    return [len([k for k in keys_sent_to(slack, u) if ":prompt:" in k]) for u in user_ids]


async def test_double_run_sends_each_prompt_once(services: Services, slack: SlackDouble) -> None:
    org = await started(services, slack)
    first = await run_due_deliveries(services)
    second = await run_due_deliveries(services)
    assert first.sent == 5 and second.handled == 0
    assert prompt_counts(slack, org.user_ids) == [1] * 5
    rows = await deliveries(services, kind="prompt")
    assert {r.status for r in rows} == {"sent"}
    assert all(r.channel_id and r.message_ts for r in rows)


async def test_restarting_a_campaign_does_not_ask_twice(
    services: Services, slack: SlackDouble
) -> None:
    org = await started(services, slack)
    await run_due_deliveries(services)
    await campaigns.start_campaign(services, QUARTER, now=True)
    await campaigns.start_campaign(services, QUARTER)
    assert (await run_due_deliveries(services)).handled == 0
    assert prompt_counts(slack, org.user_ids) == [1] * 5


async def test_two_concurrent_runners_never_share_a_row(
    services: Services, slack: SlackDouble
) -> None:
    org = await started(services, slack, size=40)
    services.settings.fanout_rate_per_second = 1000
    a, b = await asyncio.gather(
        run_due_deliveries(services, worker_id="replica-a"),
        run_due_deliveries(services, worker_id="replica-b"),
    )
    assert a.sent + b.sent == 40
    assert prompt_counts(slack, org.user_ids) == [1] * 40


async def _crash_mid_send(services: Services, slack: SlackDouble, posted: int) -> None:
    """A worker claims every row, posts `posted` of them, and dies before recording anything."""
    now = services.clock()
    async with services.db.session() as s:
        claimed = await q.claim(s, "dead-worker", now, now + timedelta(minutes=5), 100)
    for row in claimed[:posted]:
        recipient = Recipient(row.person_id, row.chat_user_id or "", row.name, row.tz)
        message = PromptMessage(row.campaign_id, row.closes_at)
        await services.messenger.send(recipient, message, delivery_key(row))  # type: ignore[union-attr]


async def test_crash_with_expired_lease_is_reconciled_not_resent(
    services: Services, slack: SlackDouble
) -> None:
    org = await started(services, slack, size=6)
    await _crash_mid_send(services, slack, posted=4)
    assert (await run_due_deliveries(services)).handled == 0  # the lease still holds
    at(services, utcnow() + timedelta(minutes=6))
    report = await run_due_deliveries(services)
    assert (report.reconciled, report.sent) == (4, 2)
    assert prompt_counts(slack, org.user_ids) == [1] * 6
    assert slack.ok_calls("conversations.history")


async def test_rate_limited_sends_are_waited_out(services: Services, slack: SlackDouble) -> None:
    org = await started(services, slack, size=3)
    slack.fail_next("chat.postMessage", count=2, http_status=429, error="ratelimited")
    report = await run_due_deliveries(services)
    assert report.sent == 3 and report.retried == 0
    assert prompt_counts(slack, org.user_ids) == [1] * 3
    assert len([c for c in slack.calls_to("chat.postMessage") if c.status == 429]) == 2


async def test_server_error_is_retried_after_reconciling(
    services: Services, slack: SlackDouble
) -> None:
    org = await started(services, slack, size=3)
    slack.fail_next("chat.postMessage", http_status=500, error="internal_error")
    report = await run_due_deliveries(services)
    assert (report.sent, report.retried) == (2, 1)
    retry = [r for r in await deliveries(services, kind="prompt") if r.status == "pending"]
    assert len(retry) == 1 and "internal_error" in (retry[0].error or "")
    assert (await run_due_deliveries(services)).handled == 0  # backing off
    at(services, utcnow() + timedelta(minutes=2))
    again = await run_due_deliveries(services)
    assert again.sent == 1
    assert slack.ok_calls("conversations.history")  # looked before sending again
    assert prompt_counts(slack, org.user_ids) == [1] * 3


async def test_server_error_after_a_successful_post_is_not_sent_twice(
    services: Services, slack: SlackDouble
) -> None:
    """Slack posted the DM, then answered 500: the retry finds it in history instead."""
    org = await started(services, slack, size=3)
    slack.fail_next("chat.postMessage", http_status=500, error="internal_error", after_effect=True)
    report = await run_due_deliveries(services)
    assert (report.sent, report.retried) == (2, 1)
    at(services, utcnow() + timedelta(minutes=2))
    again = await run_due_deliveries(services)
    assert again.handled == 1 and again.sent == 0
    assert prompt_counts(slack, org.user_ids) == [1] * 3
    assert len(slack.ok_calls("chat.postMessage")) == 2  # the ambiguous post was not repeated
    assert {r.status for r in await deliveries(services, kind="prompt")} == {"sent"}


async def test_permanent_failures_are_recorded_with_reason(
    services: Services, slack: SlackDouble
) -> None:
    org = await seed_org(services, slack, 3)
    slack._users.pop(org.user_ids[0])  # left the workspace after the import
    use_slack(services)
    await campaigns.start_campaign(services, QUARTER, now=True)
    report = await run_due_deliveries(services)
    assert (report.sent, report.failed) == (2, 1)
    status = await campaigns.campaign_status(services, QUARTER)
    assert (status.prompted, status.delivered, status.failed) == (3, 2, 1)
    assert status.failures == {"channel_not_found": 1}
    assert (await run_due_deliveries(services)).handled == 0


async def test_slack_errors_are_classified(services: Services, slack: SlackDouble) -> None:
    org = await started(services, slack, size=3)
    slack.fail_next("chat.postMessage", error="cannot_dm_bot")
    slack.fail_next("chat.postMessage", http_status=503, error="service_unavailable")
    report = await run_due_deliveries(services)
    assert (report.failed, report.retried, report.sent) == (1, 1, 1)
    rows = {r.status: r for r in await deliveries(services, kind="prompt")}
    assert rows["failed"].error == "cannot_dm_bot"
    assert "HTTP 503" in (rows["pending"].error or "")
    at(services, utcnow() + timedelta(minutes=2))
    assert (await run_due_deliveries(services)).sent == 1
    assert sorted(prompt_counts(slack, org.user_ids)) == [0, 1, 1]
