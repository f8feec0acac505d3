"""`/ai-leverage team`: a manager's view of their team(s) for the latest quarter.

Only people in the directory see team views; only a team's managers (and admins) see a team.
Everyone else gets a polite refusal and a pointer to the org stage, which is open to all.
"""

from __future__ import annotations

from typing import Any

from bot.core.cache import cached
from bot.core.services import Services
from bot.core.team_summary import build_team_summary, latest_quarter, viewer
from handlers.blocks.team_summary import team_summary_blocks, team_summary_text
from handlers.failure import tell_failure

NOT_IN_DIRECTORY = (
    "You are not in the organisation's directory, so there is no team view for you. "
    "The organisation's stage is open to everyone: try `/ai-stage`."
)
NOT_A_MANAGER = (
    "Team views are for a team's managers, and nobody in the directory reports to you. "
    "The organisation's stage is open to everyone: try `/ai-stage`."
)


async def respond_team_summary(respond: Any, services: Services, user_id: str) -> None:
    try:
        await _respond(respond, services, user_id)
    except Exception as error:  # caught here: Bolt loses the ack if a listener raises after it
        await tell_failure(respond, error)


async def _respond(respond: Any, services: Services, user_id: str) -> None:
    person_id, manages = await viewer(services, user_id)
    if person_id is None:
        await respond(response_type="ephemeral", text=NOT_IN_DIRECTORY)
        return
    admin = services.is_admin(user_id)
    if not manages and not admin:
        await respond(response_type="ephemeral", text=NOT_A_MANAGER)
        return
    every_team = admin and not manages
    text, blocks = await cached(
        services,
        ("slack", "team", person_id, every_team),
        lambda: _render(services, person_id, every_team),
    )
    await respond(response_type="ephemeral", text=text, blocks=blocks)


async def _render(
    services: Services, person_id: int, every_team: bool
) -> tuple[str, list[dict[str, Any]]]:
    """Computed once per data version and shared (bot.core.cache): read-only."""
    quarter = await latest_quarter(services)
    summary = await build_team_summary(services, person_id, quarter, all_teams=every_team)
    return team_summary_text(summary), [b.to_dict() for b in team_summary_blocks(summary)]
