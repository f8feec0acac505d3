"""The Web API client: Slack's own retry handlers, pointed at `SLACK_API_URL`."""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings


def make_web_client(settings: Settings, *, safe_to_repeat: bool = True) -> AsyncWebClient:
    """A client that waits out 429s (always safe: Slack did nothing) and, when the caller says
    repeating is harmless, also retries 5xx and dropped connections.

    Message sends pass `safe_to_repeat=False`: a 500 after Slack already posted would make a
    retry post twice, so the delivery outbox reconciles such sends instead of retrying blindly.
    """
    handlers: list[AsyncRetryHandler] = [AsyncRateLimitErrorRetryHandler(max_retry_count=8)]
    if safe_to_repeat:
        handlers += [
            AsyncServerErrorRetryHandler(max_retry_count=2),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ]
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value() or None,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=handlers,
    )
