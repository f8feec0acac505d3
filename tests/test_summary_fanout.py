"""The close of a campaign DMs every manager a team summary. Each summary reads the quarter's
figures, and those figures read every answer of every quarter: at 100,000 people one reading
takes seconds, so reading them once per manager would make a close take hours. The figures
are computed once per change of the data and shared; a summary going out is not such a change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core import answers, campaigns, signals
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.slack.double import SlackDouble
from storage.data_version import current_version
from tests.test_campaign_fixtures import NOON, at, keys_sent_to, seed_org, use_slack
from tests.test_campaign_lifecycle import EXAMPLE

TEAMS = 6


@pytest.fixture
def row_reads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every time the figures read the database's rows (the costly part), and whether with teams."""
    reads: list[bool] = []
    original = signals._all_rows

    async def counting(services: Any, teams: bool = True) -> dict[str, Any]:
        reads.append(teams)
        return await original(services, teams)

    monkeypatch.setattr(signals, "_all_rows", counting)
    return reads


async def test_close_reads_the_figures_once_for_every_manager(
    services: Services, slack: SlackDouble, row_reads: list[bool]
) -> None:
    orgs = [
        await seed_org(services, slack, 6, team=f"Team {i}", prefix=f"U{i}") for i in range(TEAMS)
    ]
    use_slack(services)
    at(services, NOON)
    await campaigns.start_campaign(services, "2026Q4", now=True)
    await run_due_deliveries(services)
    for org in orgs:
        for user in org.user_ids:
            await answers.save_answer(services, user, "2026Q4", EXAMPLE)
    at(services, NOON + timedelta(days=1))
    await campaigns.close_campaign(services, "2026Q4")
    row_reads.clear()
    await run_due_deliveries(services)
    for org in orgs:
        sent = [k for k in keys_sent_to(slack, org.manager.slack_user_id or "") if "summary" in k]
        assert sent == [f"leverage:2026Q4:summary:{org.manager.id}"]
    # One reading with teams serves every manager (before: one or more per manager).
    assert row_reads.count(True) == 1, row_reads


async def version(services: Services) -> int:
    async with services.db.session() as session:
        return await current_version(session)


async def test_a_summary_going_out_leaves_the_figures_as_they_are(
    services: Services, slack: SlackDouble
) -> None:
    """At scale the summaries go out over minutes, their outcomes written in batches between
    renders: if writing an outcome moved the data version, every batch would make the next
    manager's summary read everything again. A prompt's outcome does move it (sent prompts are
    the response rate's denominator)."""
    await seed_org(services, slack, 6)
    use_slack(services)
    at(services, NOON)
    await campaigns.start_campaign(services, "2026Q4", now=True)
    before_prompts = await version(services)
    await run_due_deliveries(services)
    assert await version(services) > before_prompts
    await campaigns.close_campaign(services, "2026Q4")
    before_summaries = await version(services)
    report = await run_due_deliveries(services)
    assert report.sent == 1
    assert await version(services) == before_summaries


async def test_a_new_answer_is_in_the_next_reading(
    services: Services, slack: SlackDouble, row_reads: list[bool]
) -> None:
    """Shared, never stale: a change committed after a reading is in the next one."""
    org = await seed_org(services, slack, 6)
    use_slack(services)
    at(services, NOON)
    await campaigns.start_campaign(services, "2026Q4", now=True)
    await run_due_deliveries(services)
    first = await signals.figures_for(services, "2026Q4")
    again = await signals.figures_for(services, "2026Q4")
    assert again is first and row_reads.count(True) == 1
    await answers.save_answer(services, org.user_ids[0], "2026Q4", EXAMPLE)
    after = await signals.figures_for(services, "2026Q4")
    assert after.raw.answered == first.raw.answered + 1
