"""`/ai-leverage team`: a manager's view of their team(s) for the latest quarter.

Only people in the directory see team views; only a team's managers (and admins) see a team.
Everyone else gets a polite refusal and a pointer to the org stage, which is open to all.
"""

from __future__ import annotations

from typing import Any

from bot.core.cache import cached
from bot.core.quarters import is_quarter
from bot.core.services import Services
from bot.core.team_summary import latest_quarter, viewer
from handlers.actions.disclosure import open_modal
from handlers.blocks.team_summary import full_team_view, team_summary_blocks, team_summary_text
from handlers.context import services_of
from handlers.failure import tell_failure
from handlers.team_view import gather_team_view

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
    view = await gather_team_view(services, person_id, quarter, all_teams=every_team)
    return team_summary_text(view), [b.to_dict() for b in team_summary_blocks(view)]


async def open_full_team_view(ack: Any, body: dict[str, Any], client: Any, context: Any) -> None:
    """The "Open the full team view" button (summary DM, `/ai-leverage team`, App Home)."""
    await ack()
    services = services_of(context)
    user_id = str((body.get("user") or {}).get("id") or "")
    person_id, manages = await viewer(services, user_id)
    admin = services.is_admin(user_id)
    if person_id is None or not (manages or admin):
        return  # the button is only ever shown to managers and admins
    quarter = str(((body.get("actions") or [{}])[0]).get("value") or "")[:16]
    quarter = quarter if is_quarter(quarter) else await latest_quarter(services)
    view = await gather_team_view(services, person_id, quarter, all_teams=admin and not manages)
    await open_modal(client, body.get("trigger_id"), full_team_view(view), None, user_id)
