"""Everything a manager's summary shows, gathered once: this quarter's team figures, the
previous quarter's (for the change) and the organisation's (for the comparison).

Every figure comes from the core's thresholded views. The organisation's figures are its
answers-only view (`org_answer_signals`), defined as a team's are: a team's summary never
depends on disclosures, not even through the comparison (docs/privacy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core import quarters
from bot.core import signals as signals_core
from bot.core.signals import Signals
from bot.core.team_summary import TeamSummary, build_team_summary


@dataclass
class TeamView:
    summary: TeamSummary
    previous: dict[int, Signals]  # team id -> last quarter's (thresholded) signals
    org: Signals | None  # the organisation this quarter, from answers alone (thresholded)
    previous_quarter: str
    all_teams: bool = False  # an admin's view of every team, not a manager's own


def previous_quarter(label: str) -> str:
    year, number = quarters.parse_quarter(label)
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


async def gather_team_view(
    services: Any, manager_person_id: int, quarter: str, *, all_teams: bool = False
) -> TeamView:
    summary = await build_team_summary(services, manager_person_id, quarter, all_teams=all_teams)
    before = previous_quarter(quarter) if quarters.is_quarter(quarter) else quarter
    previous: dict[int, Signals] = {}
    org: Signals | None = None
    if summary.teams:
        if before != quarter:
            older = await build_team_summary(
                services, manager_person_id, before, all_teams=all_teams
            )
            previous = {t.team_id: t.signals for t in older.teams if t.signals is not None}
        org = await signals_core.org_answer_signals(services, quarter)
    return TeamView(summary, previous, org, before, all_teams)
