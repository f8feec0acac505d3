"""Buttons of the campaign DM and of the forget confirmation.

Each listener acks first and then does its work: for the form, views.open must reach Slack
while the 3-second trigger is still alive, so the only work before it is two tiny lookups.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core import answers
from bot.core.answers import CampaignUnavailable, NotInDirectory
from handlers.blocks.answer_form import answer_form_view
from handlers.context import services_of
from handlers.prompt_state import show_state

logger = logging.getLogger("leverage.handlers.campaign")

NOT_IN_DIRECTORY = (
    "You are not in the AI Leverage directory yet, so I cannot record an answer for you "
    "(nothing was stored). Ask your AI Leverage admins to add you to the people directory."
)
EXPIRED_TRIGGER = (
    "Sorry, Slack would not open the form (the click took too long to reach us). "
    "Please click again, or type `/ai-leverage`."
)


async def _say(respond: Any, text: str, *, replace: bool = False) -> None:
    await respond(response_type="ephemeral", replace_original=replace, text=text)


def _button_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")[:16]


async def open_answer_modal(
    client: Any,
    services: Any,
    user_id: str,
    trigger_id: str | None,
    respond: Any,
    campaign_id: str | None = None,
) -> bool:
    """Open the answer form (prefilled when editing); a clear reply when it cannot be opened."""
    try:
        ctx = await answers.form_context(services, user_id, campaign_id)
    except NotInDirectory:
        await _say(respond, NOT_IN_DIRECTORY)
        return False
    except CampaignUnavailable as refusal:
        await _say(respond, str(refusal))
        return False
    try:
        await client.views_open(trigger_id=trigger_id, view=answer_form_view(ctx))
    except SlackApiError as error:
        logger.info("views.open refused: %s", error.response.get("error"))
        await _say(respond, EXPIRED_TRIGGER)
        return False
    return True


async def open_answer_form(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    """ "Share an example" (or "Edit") in the DM; the button carries its campaign. A click on
    a closed campaign's DM also takes the buttons off that campaign's DMs."""
    await ack()
    campaign_id = _button_value(body) or None
    user_id = body["user"]["id"]
    services = services_of(context)
    opened = await open_answer_modal(
        client, services, user_id, body.get("trigger_id"), respond, campaign_id
    )
    if not opened and campaign_id:
        await show_state(client, services, user_id, campaign_id)


async def not_this_quarter(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    """Counts as an answer without an example, so no reminders follow."""
    await ack()
    services = services_of(context)
    try:
        recorded = await answers.not_this_quarter(services, body["user"]["id"], _button_value(body))
    except NotInDirectory:
        await _say(respond, NOT_IN_DIRECTORY)
        return
    except CampaignUnavailable as refusal:
        await _say(respond, str(refusal))
        await show_state(client, services, body["user"]["id"], _button_value(body))
        return
    updated = await show_state(client, services, body["user"]["id"], _button_value(body))
    if updated and recorded:
        return  # the DM itself now says "not this quarter", with a button to add an example
    if recorded:
        text = (
            "Thanks, noted: no example this quarter, and no reminders. If something comes up "
            "before the question closes, `/ai-leverage` still opens the form."
        )
    else:
        text = "You have already answered this quarter, so your answer is kept as it is."
    await _say(respond, text)


async def confirm_forget(ack: Any, body: dict[str, Any], context: Any, respond: Any) -> None:
    """The second step of `/ai-leverage forget`: erase, then say what could not be erased."""
    await ack()
    services = services_of(context)
    try:
        person = await answers.person_for(services, body["user"]["id"])
    except NotInDirectory:
        await _say(respond, NOT_IN_DIRECTORY, replace=True)
        return
    erased = await answers.forget(services, int(person.id or 0))
    noun = "answer" if erased == 1 else "answers"
    await _say(respond, f"Done: {erased} {noun} erased. {answers.UNLINKED_NOTE}", replace=True)
