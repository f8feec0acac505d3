"""Campaign DMs that show their state: after an answer, an edit, a decline or the close, the
prompt and its reminders are rewritten (chat.update) into where the person stands.

The outbox row of each DM knows its channel and ts, so any surface that records an answer
(the DM's buttons, `/ai-leverage`, App Home) can update the same messages. A failed update is
logged by type only and never bothers the person: their answer is already safe.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core import answers
from bot.core.answers import CampaignUnavailable, NotInDirectory
from bot.core.routing import SLACK, PlatformRouter, platform_of_sent
from handlers.blocks.prompt import state_blocks, state_text

logger = logging.getLogger("leverage.handlers.prompt_state")


async def show_state(client: Any, services: Any, user_id: str, campaign_id: str) -> int:
    """Rewrite the person's DMs for `campaign_id`; returns how many were updated.

    Prompts that went to Teams (a person on both platforms) are rewritten by the Teams
    messenger, through the router, never with `chat.update`."""
    try:
        state = await answers.prompt_state(services, user_id, campaign_id)
    except (NotInDirectory, CampaignUnavailable):
        return 0
    if not worth_showing(state):
        return 0  # nothing to show yet: the buttons are still what the person needs
    updated = await update_dms(client, state)
    if isinstance(services.messenger, PlatformRouter):
        updated += await services.messenger.show_state(state, besides=SLACK)
    return updated


def worth_showing(state: answers.PromptState) -> bool:
    return state.answered or not state.is_open


async def update_dms(client: Any, state: answers.PromptState) -> int:
    """Rewrite the Slack DMs among the person's campaign messages into `state`."""
    text, blocks = state_text(state), state_blocks(state)
    updated = 0
    for channel, ts in state.messages:
        if platform_of_sent(channel) != SLACK:
            continue  # sent on another platform: its own messenger rewrites it
        try:
            await client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            updated += 1
        except SlackApiError as error:
            logger.warning("could not update a campaign DM: %s", error.response.get("error"))
    return updated
