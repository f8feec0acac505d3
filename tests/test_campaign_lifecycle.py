"""Campaign start/remind/close/status and the scheduler's jobs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core import answers, campaigns
from bot.core.answers import AnswerInput
from bot.core.campaigns import CampaignError
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.scheduler import build_scheduler, coordinated_jobs, housekeeping, open_if_due
from bot.slack.double import SlackDouble
from tests.test_campaign_fixtures import (
    NOON,
    at,
    campaign_row,
    deliveries,
    keys_sent_to,
    seed_org,
    use_slack,
)

EXAMPLE = AnswerInput(
    example="Summarised 40 customer interviews into themes in an afternoon.",
    work_kind="summarising", tool="Company ChatGPT", tool_approved="approved",
    establishment="regular", spread="my_team", continues_without_me="yes",
)  # fmt: skip


def kinds_sent_to(slack: SlackDouble, user_id: str) -> list[str]:
    return [k.split(":")[2] for k in keys_sent_to(slack, user_id)]


async def test_humane_start_queues_each_person_at_ten_local(
    services: Services, slack: SlackDouble
) -> None:
    tzs = ["Europe/London", "Asia/Tokyo", "America/Los_Angeles", "Not/AZone"]
    org = await seed_org(services, slack, 5, tzs=tzs)
    at(services, datetime(2026, 12, 8, 6, tzinfo=UTC))
    status = await campaigns.start_campaign(services)
    assert status.campaign_id == "2026Q4" and status.prompted == 5
    due = {r.person_id: r.due_at for r in await deliveries(services, kind="prompt")}
    by_id = {p.id: p.tz for p in org.people}
    expected = {
        "Europe/London": datetime(2026, 12, 8, 10, tzinfo=UTC),
        "Asia/Tokyo": datetime(2026, 12, 9, 1, tzinfo=UTC),
        "America/Los_Angeles": datetime(2026, 12, 8, 18, tzinfo=UTC),
        "Not/AZone": datetime(2026, 12, 8, 10, tzinfo=UTC),  # falls back to default UTC
    }
    for person_id, tz in by_id.items():
        assert due[person_id] == expected[tz]


async def test_now_mode_and_resume_pick_up_new_people(
    services: Services, slack: SlackDouble
) -> None:
    await seed_org(services, slack, 3)
    at(services, datetime(2026, 12, 8, 6, tzinfo=UTC))
    await campaigns.start_campaign(services, "2026Q4")
    await campaigns.start_campaign(services, "2026Q4", now=True)
    assert all(r.due_at == services.clock() for r in await deliveries(services))
    await seed_org(services, slack, 2, team="Data", prefix="W")
    status = await campaigns.start_campaign(services, "2026Q4", now=True)
    assert status.prompted == 5
    assert (await campaign_row(services, "2026Q4")).deliver_now  # type: ignore[union-attr]


async def test_reminders_skip_people_who_answered(services: Services, slack: SlackDouble) -> None:
    org = await seed_org(services, slack, 5)
    use_slack(services)
    at(services, NOON)
    await campaigns.start_campaign(services, "2026Q4", now=True)
    await run_due_deliveries(services)
    answered, declined, late, *others = org.user_ids
    await answers.save_answer(services, answered, "2026Q4", EXAMPLE)
    await answers.not_this_quarter(services, declined, "2026Q4")
    assert await campaigns.remind(services) == 3
    await answers.save_answer(services, late, "2026Q4", EXAMPLE)  # after queueing, before send
    report = await run_due_deliveries(services)
    assert (report.sent, report.skipped) == (2, 1)
    assert kinds_sent_to(slack, answered) == ["prompt"]
    assert kinds_sent_to(slack, declined) == ["prompt"]
    assert kinds_sent_to(slack, late) == ["prompt"]
    assert all(kinds_sent_to(slack, u) == ["prompt", "reminder1"] for u in others)
    assert await campaigns.remind(services) == 2
    await run_due_deliveries(services)
    assert await campaigns.remind(services) == 0  # the configured two are used up
    assert all(len(keys_sent_to(slack, u)) == 3 for u in others)


async def test_close_sends_one_summary_per_manager(services: Services, slack: SlackDouble) -> None:
    first = await seed_org(services, slack, 3, team="Platform", prefix="U")
    second = await seed_org(services, slack, 3, team="Data", prefix="W")
    use_slack(services)
    at(services, NOON)
    await campaigns.start_campaign(services, "2026Q4", now=True)
    status = await campaigns.close_campaign(services)
    assert status.status == "closed"
    await campaigns.close_campaign(services, "2026Q4")  # closing twice changes nothing
    await run_due_deliveries(services)
    for manager in (first.manager, second.manager):
        summaries = [k for k in keys_sent_to(slack, manager.slack_user_id or "") if "summary" in k]
        assert summaries == [f"leverage:2026Q4:summary:{manager.id}"]
    assert not any("summary" in k for k in keys_sent_to(slack, first.user_ids[1]))
    prompts = await deliveries(services, kind="prompt")
    assert {r.status for r in prompts} == {"skipped"}  # closed before they went out
    with pytest.raises(CampaignError):
        await campaigns.start_campaign(services, "2026Q4")
    with pytest.raises(CampaignError):
        await campaigns.remind(services, "2026Q4")


async def test_status_counts_answers_and_rate(services: Services, slack: SlackDouble) -> None:
    org = await seed_org(services, slack, 4)
    use_slack(services)
    at(services, NOON)
    await campaigns.start_campaign(services, "2026Q4", now=True)
    await run_due_deliveries(services)
    await answers.save_answer(services, org.user_ids[1], "2026Q4", EXAMPLE)
    await answers.not_this_quarter(services, org.user_ids[2], "2026Q4")
    status = await campaigns.campaign_status(services)
    assert (status.prompted, status.delivered, status.answered, status.with_example) == (
        4, 4, 2, 1,
    )  # fmt: skip
    assert status.response_rate == 0.5
    assert status.to_dict()["response_rate"] == 0.5
    assert "response rate 50%" in status.describe()


async def test_scheduler_opens_reminds_and_closes(services: Services, slack: SlackDouble) -> None:
    await seed_org(services, slack, 3)
    scheduler = build_scheduler(services)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"coordinated-jobs", "deliveries"}  # each runs the jobs below once
    assert all(j.max_instances == 1 and j.coalesce for j in jobs.values())
    coordinated = {job.name for job in coordinated_jobs(services)}
    assert coordinated == {
        "campaign-open", "campaign-housekeeping", "retention", "review-gates", "replay-sweep",
    }  # fmt: skip
    at(services, datetime(2026, 12, 7, 6, tzinfo=UTC))
    assert await open_if_due(services) is None
    at(services, datetime(2026, 12, 8, 6, tzinfo=UTC))
    assert await open_if_due(services) == "2026Q4"
    assert await open_if_due(services) is None  # a second replica: already opened
    assert len(await deliveries(services, kind="prompt")) == 3
    async with services.db.session() as s:  # pretend the prompts went out
        for row in await deliveries(services, kind="prompt"):
            row.status, row.sent_at = "sent", datetime(2026, 12, 8, 10, tzinfo=UTC)
            s.add(row)
    at(services, datetime(2026, 12, 13, 7, tzinfo=UTC))  # day 5, a Sunday
    await housekeeping(services)
    reminders = await deliveries(services, kind="reminder1")
    assert len(reminders) == 3
    assert all(r.due_at == datetime(2026, 12, 14, 10, tzinfo=UTC) for r in reminders)
    at(services, datetime(2026, 12, 22, 7, tzinfo=UTC))
    await housekeeping(services)
    assert (await campaign_row(services, "2026Q4")).status == "closed"  # type: ignore[union-attr]
    assert len(await deliveries(services, kind="summary")) == 1
    assert len(await deliveries(services, kind="reminder2")) == 0
