"""A plain answer when a listener fails after it has acknowledged the request.

Bolt drops the acknowledgement when a listener raises shortly after calling `ack()` (Slack then
sees a 404 and the person a cryptic error), and the app's error handler cannot help once the
ack is gone. So every listener is registered through `guarded`, which catches a failure that
happens after the ack, logs only its type, and tells the person in words.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.slack.errors import DATABASE_DOWN, SOMETHING_FAILED, is_database_error

logger = logging.getLogger("leverage.handlers")

Listener = Callable[..., Awaitable[Any]]


async def tell_failure(respond: Any, error: BaseException) -> None:
    logger.error("listener failed after its ack: %s", type(error).__name__)
    if respond is None:
        return
    text = DATABASE_DOWN if is_database_error(error) else SOMETHING_FAILED
    try:
        await respond(response_type="ephemeral", text=text, replace_original=False)
    except Exception as failure:  # best effort: the failure is already logged
        logger.warning("could not tell the user: %s", type(failure).__name__)


def guarded(listener: Listener) -> Listener:
    """Wrap a listener; Bolt still sees the original arguments (it unwraps `__wrapped__`)."""

    @functools.wraps(listener)
    async def run(**kwargs: Any) -> Any:
        try:
            return await listener(**kwargs)
        except Exception as error:
            ack = kwargs.get("ack")
            if ack is None or getattr(ack, "response", None) is None:
                raise  # not acknowledged yet: the app's error handler answers in the response
            await tell_failure(kwargs.get("respond"), error)
            return None

    return run
