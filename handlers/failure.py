"""A plain answer when a command fails after it was acknowledged (database down, Slack error).

Bolt drops the acknowledgement when a listener raises quickly after calling `ack()` (Slack then
sees a 404), so aggregator listeners catch here and reuse the app's wording; only the
exception type is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.slack.errors import DATABASE_DOWN, SOMETHING_FAILED, is_database_error

logger = logging.getLogger("leverage.commands")


async def tell_failure(respond: Any, error: BaseException) -> None:
    logger.error("command failed: %s", type(error).__name__)
    text = DATABASE_DOWN if is_database_error(error) else SOMETHING_FAILED
    try:
        await respond(response_type="ephemeral", text=text)
    except Exception as failure:  # best effort: the failure is already logged
        logger.warning("could not tell the user: %s", type(failure).__name__)
