"""The answer modal's submission: validate, save once, and answer within Slack's 3 seconds.

Every refusal is a `response_action: errors` on the block concerned, so the modal stays open
with everything the person typed; nothing they wrote is lost because something went wrong.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core import answers
from bot.core.answers import CampaignUnavailable, NotInDirectory
from bot.slack.errors import DATABASE_DOWN, is_database_error
from handlers.blocks.answer_form import details_view, form_values, thanks_view
from handlers.context import services_of
from handlers.prompt_state import show_state

logger = logging.getLogger("leverage.handlers.answer")
FIRST_BLOCK = "example"
DETAILS_FIRST_BLOCK = "tool_approved"
NO_EXAMPLE = "This quarter's example is gone (erased?), so there is nothing to add these to."
MAX_ERROR_CHARS = 150
NOT_IN_DIRECTORY = "You are not in the AI Leverage directory yet; nothing was saved. Ask an admin."


def _errors(errors: dict[str, str]) -> dict[str, Any]:
    return {
        "response_action": "errors",
        "errors": {block: message[:MAX_ERROR_CHARS] for block, message in errors.items()},
    }


def _refusal(error: Exception) -> str:
    """What the modal says when saving failed; anything unexpected is raised to `guarded`."""
    if isinstance(error, NotInDirectory):
        return NOT_IN_DIRECTORY
    if isinstance(error, CampaignUnavailable):
        return str(error)
    if not is_database_error(error):
        raise error
    logger.error("saving an answer failed: %s", type(error).__name__)
    return DATABASE_DOWN


def _ids(body: dict[str, Any], view: dict[str, Any]) -> tuple[str, str]:
    user_id = str((body.get("user") or {}).get("id") or "")
    return user_id, str(view.get("private_metadata") or "")[:16]


async def submit_answer_form(
    ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any, context: Any
) -> None:
    """Step one: the example, kind of work and tool. Saved, then the modal becomes the
    optional second step, and the campaign DM shows the new state."""
    services = services_of(context)
    user_id, campaign_id = _ids(body, view)
    data, problems = answers.validate_answer(form_values(view["state"]["values"]))
    if problems or data is None:
        await ack(**_errors(problems))
        return
    try:
        edited = await answers.save_answer(services, user_id, campaign_id, data, keep_details=True)
        saved = (await answers.form_context(services, user_id, campaign_id)).existing
    except Exception as error:
        await ack(**_errors({FIRST_BLOCK: _refusal(error)}))
        return
    await ack(response_action="update", view=details_view(campaign_id, saved, edited=edited))
    await show_state(client, services, user_id, campaign_id)


async def submit_answer_details(
    ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any
) -> None:
    """Step two (all optional): how established the practice is, hours, metric, obstacles."""
    services = services_of(context)
    user_id, campaign_id = _ids(body, view)
    values, problems = answers.validate_details(form_values(view["state"]["values"]))
    if problems or values is None:
        await ack(**_errors(problems))
        return
    try:
        saved = await answers.save_details(services, user_id, campaign_id, values)
    except Exception as error:
        await ack(**_errors({DETAILS_FIRST_BLOCK: _refusal(error)}))
        return
    if not saved:
        await ack(**_errors({DETAILS_FIRST_BLOCK: NO_EXAMPLE}))
        return
    await ack(response_action="update", view=thanks_view(campaign_id))
