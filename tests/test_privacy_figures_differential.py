"""Differential tests: read every view, let people disclose, read again.

A team's view (the summary a manager reads, its DM, `/ai-leverage team`, `stage --teams`) must
be byte-identical whether none, one or all of its members disclosed: disclosures count
org-wide only. The organisation's views (the stage report behind `/ai-stage` and App Home, the
export, the HTML report) must not move between 0 and K-1 disclosures either: "withheld" never
flips to a figure, or back, because one person disclosed. Organisations come from hypothesis.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.reports import export_signals, html_report
from bot.core.services import Services
from bot.core.signals import team_signals
from bot.core.stage import assess
from handlers.blocks.stage import stage_blocks
from handlers.blocks.team_summary import full_team_view, team_summary_blocks, team_summary_text
from handlers.team_view import gather_team_view
from storage.queries import org as org_q
from tests.privacy_org import Org, Q, Secret, disclose, orgs, store
from tests.stage_fixtures import make_person

K = 5
EXAMPLES = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GENERATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
ONE = Secret(reasons=("no_approved_tool",), tool="shadowgpt", kind="drafting")


async def team_views(services: Services) -> list[Any]:
    """Every team view there is, as the surfaces render it (the admin's view of all teams):
    the summary's blocks, its notification text and the full view behind its button, with
    the last quarter and the organisation they are compared with."""
    view = await gather_team_view(services, await _reader(services), Q, all_teams=True)
    blocks = [b.to_dict() for b in team_summary_blocks(view)]
    slices = [s.to_dict() for s in await team_signals(services, Q)]
    rendered = [team_summary_text(view), blocks, full_team_view(view).to_dict()]
    return [view.summary.text, *rendered, slices]


async def _reader(services: Services) -> int:
    async with services.db.session() as s:
        person = await org_q.person_by_slack_id(s, "UREADER")
    if person is not None and person.id is not None:
        return person.id
    return await make_person(services.db, "Admin Reader", "UREADER")


async def org_views(services: Services) -> list[Any]:
    report = await assess(services, Q)
    return [
        report.to_dict(),
        [b.to_dict() for b in stage_blocks(report)],
        await export_signals(services, "csv"),
        html_report(report, b"", generated=GENERATED),  # its clock line is not a figure
    ]


@EXAMPLES
@given(org=orgs, team=st.integers(0, 3))
async def test_a_teams_view_is_the_same_whatever_its_members_disclosed(
    services: Services, org: Org, team: int
) -> None:
    org.disclosures = []
    ids = await store(services, org)
    team_id = ids["teams"][team % len(ids["teams"])]
    size = len(ids["people"].get(team_id, []))
    before = await team_views(services)
    await disclose(services, [ONE], team_id)  # one member discloses
    assert await team_views(services) == before
    await disclose(services, [ONE] * (size - 1), team_id)  # then all of them
    assert await team_views(services) == before


@EXAMPLES
@given(org=orgs, extra=st.integers(1, K - 1))
async def test_org_views_do_not_move_below_k_disclosures(
    services: Services, org: Org, extra: int
) -> None:
    org.disclosures = []
    await store(services, org)
    before = await org_views(services)
    await disclose(services, [ONE] * extra)  # 1..K-1 disclosures read as none
    assert await org_views(services) == before


async def test_k_disclosures_do_show(services: Services) -> None:
    """Positive control: the differential reads are not blind (nor a stale cache)."""
    org = Org(teams=[[None] * 6], loose=[])
    await store(services, org)
    before = await org_views(services)
    await disclose(services, [ONE] * K)
    after = await org_views(services)
    assert after != before and after[0]["signals"]["covert"] == K
