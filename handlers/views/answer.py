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
from handlers.blocks.answer_form import form_values, thanks_view
from handlers.context import services_of

logger = logging.getLogger("leverage.handlers.answer")
FIRST_BLOCK = "example"
MAX_ERROR_CHARS = 150
NOT_IN_DIRECTORY = "You are not in the AI Leverage directory yet; nothing was saved. Ask an admin."


def _errors(errors: dict[str, str]) -> dict[str, Any]:
    return {
        "response_action": "errors",
        "errors": {block: message[:MAX_ERROR_CHARS] for block, message in errors.items()},
    }


async def submit_answer_form(
    ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any
) -> None:
    services = services_of(context)
    user_id = str((body.get("user") or {}).get("id") or "")
    campaign_id = str(view.get("private_metadata") or "")[:16]
    data, problems = answers.validate_answer(form_values(view["state"]["values"]))
    if problems or data is None:
        await ack(**_errors(problems))
        return
    try:
        edited = await answers.save_answer(services, user_id, campaign_id, data)
    except NotInDirectory:
        await ack(**_errors({FIRST_BLOCK: NOT_IN_DIRECTORY}))
        return
    except CampaignUnavailable as refusal:
        await ack(**_errors({FIRST_BLOCK: str(refusal)}))
        return
    except Exception as error:
        if not is_database_error(error):
            raise
        logger.error("saving an answer failed: %s", type(error).__name__)
        await ack(**_errors({FIRST_BLOCK: DATABASE_DOWN}))
        return
    await ack(response_action="update", view=thanks_view(campaign_id, edited))
