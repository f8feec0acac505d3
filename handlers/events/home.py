"""`app_home_opened`: publish the person's App Home tab.

Everyone sees their own examples, the blameless channel and the organisation's stage. A
manager also sees their team summary at a glance; an admin also sees the campaign (with
Remind and Close behind a confirmation) and the disclosure queue with a Reply per row.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.core import campaigns
from bot.core import disclosure_reports as reports
from bot.core.answers import my_history
from bot.core.cache import cached
from bot.core.campaigns import CampaignError
from bot.core.disclosures import current_quarter
from bot.core.stage import assess, view_key
from bot.core.team_summary import latest_quarter, viewer
from handlers.blocks.admin import campaign_status_blocks
from handlers.blocks.home import admin_queue_blocks, home_view, personal_blocks
from handlers.blocks.my_examples import my_examples_blocks
from handlers.blocks.org_home import org_home_blocks
from handlers.blocks.team_summary import team_summary_blocks
from handlers.context import services_of
from handlers.team_view import gather_team_view


async def publish_home(event: dict[str, Any], client: Any, context: Any) -> None:
    """Only the Home tab is drawn; opening the Messages tab needs nothing from us."""
    if event.get("tab", "home") != "home":
        return
    await publish_home_for(services_of(context), client, event["user"])


async def publish_home_for(
    services: Any, client: Any, user_id: str, *, notice: str | None = None
) -> None:
    person_id, manages = await viewer(services, user_id)
    personal = None
    if person_id is not None:
        personal = my_examples_blocks(await my_history(services, person_id))
    sections = [personal_blocks(personal)]
    if person_id is not None and manages:
        sections.append(await _manager(services, person_id))
    if services.is_admin(user_id):
        sections.append(await _admin(services))
    sections.append(
        await cached(services, ("home", *view_key(services)), lambda: _organisation(services))
    )
    view = home_view(sections, min_group_size=services.min_group_size, notice=notice)
    await client.views_publish(user_id=user_id, view=view)


async def _organisation(services: Any) -> list[Block]:
    """The organisation's part of every Home tab: rendered once per data version, shared."""
    return org_home_blocks(await assess(services))


async def _manager(services: Any, person_id: int) -> list[Block]:
    """The same summary a manager gets when a campaign closes, for the latest quarter."""
    quarter = await latest_quarter(services)
    return team_summary_blocks(await gather_team_view(services, person_id, quarter))


async def _admin(services: Any) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="For admins")]
    with suppress(CampaignError):  # no campaign yet: the queue below still matters
        blocks += campaign_status_blocks(await campaigns.campaign_status(services))
    quarter = await current_quarter(services)
    blocks += admin_queue_blocks(await reports.overview(services, quarter))
    return blocks
