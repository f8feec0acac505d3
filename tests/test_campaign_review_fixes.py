"""Review fixes in the campaign calendar: catch-up opening, allowed quarters, spaced
reminders, and prompts for people who join mid-campaign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core import campaigns
from bot.core.campaigns import CampaignError
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.scheduler import build_scheduler, coordinated_jobs, housekeeping, open_if_due
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from storage.models import Delivery
from tests.conftest import ADMIN_ID
from tests.test_answers_http import wait_reply
from tests.test_campaign_fixtures import at, campaign_row, deliveries, seed_org, use_slack

OPEN_DAY = datetime(2026, 12, 8, 6, tzinfo=UTC)  # second Tuesday of December 2026


async def test_a_missed_open_day_is_caught_up_on_a_later_run(
    services: Services, slack: SlackDouble
) -> None:
    await seed_org(services, slack, 3)
    at(services, OPEN_DAY - timedelta(days=1))
    assert await open_if_due(services) is None  # not yet
    at(services, OPEN_DAY + timedelta(days=2))  # the 06:00 job did not run on the day
    assert await open_if_due(services) == "2026Q4"
    assert len(await deliveries(services, kind="prompt")) == 3
    assert await open_if_due(services) is None  # already fanned out: nothing more to do
    await campaigns.close_campaign(services, "2026Q4")
    at(services, OPEN_DAY + timedelta(days=3))
    assert await open_if_due(services) is None  # closed by an admin: stays closed
    at(services, datetime(2027, 1, 5, 6, tzinfo=UTC))
    assert await open_if_due(services) is None  # Q1's day (9 March) has not come


async def test_an_off_cycle_campaign_is_still_opened_when_its_day_comes(
    services: Services, slack: SlackDouble
) -> None:
    await seed_org(services, slack, 3)
    at(services, OPEN_DAY - timedelta(days=20))
    await campaigns.ensure_campaign(
        services, "2026Q4", services.clock(), datetime(2027, 1, 1, tzinfo=UTC)
    )  # created by someone answering early, no prompts yet
    at(services, OPEN_DAY + timedelta(days=1))
    assert await open_if_due(services) == "2026Q4"
    assert len(await deliveries(services, kind="prompt")) == 3


async def test_the_scheduler_checks_for_a_missed_opening_at_start(services: Services) -> None:
    scheduler = build_scheduler(services)
    job = scheduler.get_job("coordinated-jobs")
    assert job is not None
    assert job.next_run_time <= datetime.now(UTC) + timedelta(seconds=5)
    [opener] = [j for j in coordinated_jobs(services) if j.name == "campaign-open"]
    assert opener.run_at_start  # first seen: run at once, so a missed open day is caught up


@pytest.mark.parametrize("quarter", ["2025Q4", "2026Q3", "2027Q2", "2030Q1"])
async def test_only_the_current_or_next_quarter_can_be_started(
    services: Services, slack: SlackDouble, quarter: str
) -> None:
    await seed_org(services, slack, 2)
    at(services, OPEN_DAY)
    with pytest.raises(CampaignError, match="only the current quarter \\(2026Q4\\)"):
        await campaigns.start_campaign(services, quarter)
    assert await campaign_row(services, quarter) is None
    assert (await campaigns.start_campaign(services, "2027Q1")).campaign_id == "2027Q1"


async def test_admin_start_of_a_past_quarter_gets_a_clear_answer(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    await seed_org(services, slack, 2)
    await sender.command(ids.LEVERAGE_COMMAND, "admin start 2020Q1", user_id=ADMIN_ID)
    text = await wait_reply(slack, "Could not start")
    assert "only the current quarter" in text
    assert await campaign_row(services, "2020Q1") is None


async def _mark_sent(services: Services, kind: str, when: datetime) -> None:
    async with services.db.session() as s:
        for row in await deliveries(services, kind=kind):
            row.status, row.sent_at = "sent", when
            s.add(row)


async def test_reminders_wait_their_gap_after_a_late_prompt(
    services: Services, slack: SlackDouble
) -> None:
    await seed_org(services, slack, 2)
    services.settings.campaign_window_days = 30
    at(services, OPEN_DAY)
    await campaigns.start_campaign(services, "2026Q4")
    await _mark_sent(services, "prompt", OPEN_DAY + timedelta(days=8))  # went out late
    at(services, OPEN_DAY + timedelta(days=11))  # both reminder days have passed
    await housekeeping(services)
    assert await deliveries(services, kind="reminder1") == []  # prompt only 3 days old
    assert await deliveries(services, kind="reminder2") == []
    at(services, OPEN_DAY + timedelta(days=13))
    await housekeeping(services)
    assert len(await deliveries(services, kind="reminder1")) == 2
    assert await deliveries(services, kind="reminder2") == []  # never back to back
    await _mark_sent(services, "reminder1", OPEN_DAY + timedelta(days=13, hours=4))
    at(services, OPEN_DAY + timedelta(days=16))
    await housekeeping(services)
    assert await deliveries(services, kind="reminder2") == []  # 3 of the 5 days' gap
    at(services, OPEN_DAY + timedelta(days=18))
    await housekeeping(services)
    assert len(await deliveries(services, kind="reminder2")) == 2


async def test_people_who_join_mid_campaign_are_prompted_at_a_humane_hour(
    services: Services, slack: SlackDouble
) -> None:
    await seed_org(services, slack, 2)
    use_slack(services)
    at(services, OPEN_DAY)
    await campaigns.start_campaign(services, "2026Q4", now=True)
    await run_due_deliveries(services)
    newcomers = await seed_org(services, slack, 2, team="Data", prefix="W")
    friday_evening = datetime(2026, 12, 11, 19, tzinfo=UTC)
    at(services, friday_evening)
    await housekeeping(services)
    await housekeeping(services)  # idempotent
    ids_ = {p.id for p in [newcomers.manager, *newcomers.people]}
    rows: list[Delivery] = [r for r in await deliveries(services, kind="prompt")]
    fresh = [r for r in rows if r.person_id in ids_]
    assert len(rows) == 4 and len(fresh) == 2
    monday_ten_london = datetime(2026, 12, 14, 10, tzinfo=UTC)
    assert all(r.due_at == monday_ten_london and r.status == "pending" for r in fresh)
    at(services, monday_ten_london)
    assert (await run_due_deliveries(services)).sent == 2


async def test_a_campaign_not_yet_fanned_out_gets_no_newcomer_prompts(
    services: Services, slack: SlackDouble
) -> None:
    await seed_org(services, slack, 2)
    at(services, OPEN_DAY - timedelta(days=20))
    await campaigns.ensure_campaign(
        services, "2026Q4", services.clock(), datetime(2027, 1, 1, tzinfo=UTC)
    )
    await housekeeping(services)
    assert await deliveries(services, kind="prompt") == []
