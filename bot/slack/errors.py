"""The last line of defence: a listener that fails still gives the person a plain answer.

Listeners handle the errors they expect. Anything else lands here, where the person is told
what happened in words, a modal stays open with what they typed, and Slack gets a 200 — a 5xx
would only make Slack retry or show a cryptic "dispatch failed".
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.response import BoltResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

DATABASE_DOWN = (
    "Sorry, the AI Leverage bot cannot reach its database right now, so nothing was saved. "
    "Please try again in a few minutes."
)
SOMETHING_FAILED = (
    "Sorry, something went wrong on our side and nothing was saved. Please try again; "
    "if it keeps happening, tell your AI Leverage admins."
)


def is_database_error(error: BaseException) -> bool:
    return isinstance(
        error, OperationalError | InterfaceError | DBAPIError | ConnectionError | TimeoutError
    )


def _first_input_block(body: dict[str, Any]) -> str | None:
    """The block to hang an error on; None for a view that is not shaped as Slack's."""
    view = body.get("view")
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return None
    first = next(iter(values), None)
    return first if isinstance(first, str) else None


async def on_listener_error(
    error: Exception,
    body: dict[str, Any],
    respond: Any,
    response: BoltResponse | None,
    logger: logging.Logger,
) -> BoltResponse | None:
    """Log the failure's type (never the body: it may hold a disclosure) and answer politely.

    `response` is None when the listener had already acked: then only a reply is possible.
    """
    logger.error("listener failed: %s", type(error).__name__)
    message = DATABASE_DOWN if is_database_error(error) else SOMETHING_FAILED
    if response is not None and body.get("type") == "view_submission":
        if not isinstance(body.get("view"), dict):
            return BoltResponse(status=400, body='{"error": "view is not shaped as Slack\'s"}')
        block_id = _first_input_block(body)
        if block_id:
            errors = {"response_action": "errors", "errors": {block_id: message[:150]}}
            return BoltResponse(status=200, body=json.dumps(errors))
        return BoltResponse(status=200, body="")
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        try:
            await respond(text=message, response_type="ephemeral", replace_original=False)
        except Exception as failure:  # the reply is best effort; the error is already logged
            logger.warning("could not tell the user about the failure: %s", type(failure).__name__)
    return BoltResponse(status=200, body="") if response is not None else None
