"""The "tell us blamelessly" button (campaign DM and App Home): opens the disclosure modal."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core import tool_catalog
from bot.core.disclosures import new_nonce
from handlers.blocks.disclosure_form import disclosure_modal, reply_modal
from handlers.context import services_of

EXPIRED = (
    "Sorry, that button took too long to reach us and Slack would not open the form. "
    "Please click it again, or type `/ai-disclose`."
)


async def open_disclosure_form(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    """Ack first, then views.open within the trigger's 3 seconds; the button value is a campaign.

    Nothing is logged: that someone opened this form is already more than we want to record.
    """
    await ack()
    services = services_of(context)
    actions = body.get("actions") or [{}]
    campaign_id = str(actions[0].get("value") or "")[:16] or None
    approved = [t.label for t in await tool_catalog.catalog(services)]
    view = disclosure_modal(new_nonce(), campaign_id, services.min_group_size, approved)
    user_id = (body.get("user") or {}).get("id")
    reply = respond if body.get("response_url") else None  # App Home buttons have none
    await open_modal(client, body.get("trigger_id"), view, reply, user_id)


async def open_modal(
    client: Any, trigger_id: str | None, view: Any, respond: Any, user_id: str | None
) -> bool:
    """views.open, with a plain answer when Slack refuses (e.g. an expired trigger).

    Buttons in messages and slash commands come with a response_url for an ephemeral reply;
    App Home buttons do not, so there the answer goes to the person's DM with the bot.
    """
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
        return True
    except SlackApiError:
        if respond is not None:
            await respond(response_type="ephemeral", replace_original=False, text=EXPIRED)
        elif user_id:
            await client.chat_postMessage(channel=user_id, text=EXPIRED)
        return False


async def open_reply_form(ack: Any, body: dict[str, Any], client: Any, context: Any) -> None:
    """An admin's Reply on a row of the disclosure queue (App Home): a modal for the answer."""
    await ack()
    services = services_of(context)
    user_id = str((body.get("user") or {}).get("id") or "")
    if not services.is_admin(user_id):
        return  # only admins are ever shown the queue
    ident = str(((body.get("actions") or [{}])[0]).get("value") or "")[:64]
    await open_modal(client, body.get("trigger_id"), reply_modal(ident), None, user_id)
