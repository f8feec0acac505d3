"""`forget` erases answers but must not restart the reminders: the opt-out is remembered."""

from __future__ import annotations

from bot.core import answers, campaigns
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.slack.double import SlackDouble
from tests.test_campaign_fixtures import deliveries, keys_sent_to, start_at_noon
from tests.test_campaign_lifecycle import EXAMPLE


async def test_forgetting_an_answer_does_not_bring_reminders_back(
    services: Services, slack: SlackDouble
) -> None:
    org = await start_at_noon(services, slack, 3)
    await run_due_deliveries(services)
    forgetter = org.people[0]
    await answers.save_answer(services, forgetter.slack_user_id or "", "2026Q4", EXAMPLE)
    assert await answers.forget(services, forgetter.id or 0) == 1
    assert await campaigns.remind(services) == 2  # the other two, not the one who forgot
    await run_due_deliveries(services)
    assert [k for k in keys_sent_to(slack, forgetter.slack_user_id or "") if "reminder" in k] == []
    [marker] = await deliveries(services, kind="optout")
    assert (marker.person_id, marker.status) == (forgetter.id, "skipped")
    await answers.forget(services, forgetter.id or 0)  # forgetting twice keeps one marker
    assert len(await deliveries(services, kind="optout")) == 1
    status = await campaigns.campaign_status(services)
    assert status.prompted == 3  # the marker is not counted as a message


async def test_a_reminder_already_queued_is_not_sent_after_forget(
    services: Services, slack: SlackDouble
) -> None:
    org = await start_at_noon(services, slack, 2)
    await run_due_deliveries(services)
    assert await campaigns.remind(services) == 2
    forgetter = org.people[0]
    await answers.forget(services, forgetter.id or 0)  # nothing to erase: still opts out
    report = await run_due_deliveries(services)
    assert (report.sent, report.skipped) == (1, 1)
    assert [k for k in keys_sent_to(slack, forgetter.slack_user_id or "") if "reminder" in k] == []
