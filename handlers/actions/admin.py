"""Admins' campaign buttons (Remind, Close), from `/ai-leverage admin status` or App Home.

Slack shows each button's confirmation dialog before the click reaches us. The listener checks
again that the clicker is an admin (a button can be replayed), acts, then redraws where the
click came from: the ephemeral status message, or the admin's Home tab.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.core import campaigns
from bot.core.campaigns import CampaignError
from handlers.blocks.admin import campaign_status_blocks, status_text
from handlers.commands.leverage import NOT_ADMIN, close_now, remind_now
from handlers.context import services_of
from handlers.events.home import publish_home_for


def _campaign(body: dict[str, Any]) -> str | None:
    return str(((body.get("actions") or [{}])[0]).get("value") or "")[:16] or None


async def remind_campaign(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    await ack()
    await _act(body, client, context, respond, "remind")


async def close_campaign(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    await ack()
    await _act(body, client, context, respond, "close")


async def _act(body: dict[str, Any], client: Any, context: Any, respond: Any, action: str) -> None:
    services = services_of(context)
    user_id = str((body.get("user") or {}).get("id") or "")
    from_home = (body.get("container") or {}).get("type") == "view"
    if not services.is_admin(user_id):
        if not from_home:
            await respond(response_type="ephemeral", replace_original=False, text=NOT_ADMIN)
        return
    campaign_id = _campaign(body)
    try:
        if action == "remind":
            text = await remind_now(services, campaign_id)
            status = await campaigns.campaign_status(services, campaign_id)
        else:
            text, status = await close_now(services, campaign_id)
    except CampaignError as error:
        text, status = f"Could not {action}: {error}", None
    if from_home:
        await publish_home_for(services, client, user_id, notice=text)
        return
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    if status is not None:
        blocks += campaign_status_blocks(status)
    fallback = f"{text} {status_text(status)}" if status is not None else text
    await respond(response_type="ephemeral", replace_original=True, text=fallback, blocks=blocks)
