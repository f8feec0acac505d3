"""The Slack side of `bot.core.ports.Messenger`: DMs that carry their outbox key.

Every DM is posted with message metadata holding the delivery key. If the process dies after
Slack posted but before the outbox recorded it (or Slack answers 5xx after posting), the outbox
asks `find_sent`, which reads the DM's history for that key instead of posting a second time.
The client handed in must not retry 5xx itself, for the same reason.
"""

from __future__ import annotations

import asyncio
import functools
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ports import (
    DeliveryFailed,
    GateMessage,
    OutgoingMessage,
    PromptMessage,
    Recipient,
    Sent,
    SummaryMessage,
)
from handlers.blocks.prompt import prompt_message
from handlers.blocks.team_summary import team_summary_blocks, team_summary_text
from handlers.blocks.usecases import render_gate_notice
from handlers.team_view import gather_team_view

EVENT_TYPE = "leverage_delivery"
HISTORY_PAGE = 200
# The person cannot receive a DM from us; retrying will not change that.
PERMANENT = {
    "channel_not_found",
    "user_not_found",
    "users_not_found",
    "account_inactive",
    "user_disabled",
    "cannot_dm_bot",
    "not_in_channel",
    "is_archived",
    "messages_tab_disabled",
    "invalid_blocks",
    "msg_too_long",
}
TRANSIENT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError, OSError)


def classify(error: SlackApiError) -> DeliveryFailed:
    """Map a Slack error to a permanent (recorded, not retried) or transient failure."""
    status = getattr(error.response, "status_code", 200)
    code = str(error.response.get("error") or f"http_{status}")
    if status >= 500 or status == 429:
        return DeliveryFailed(f"{code} (HTTP {status})", permanent=False)
    return DeliveryFailed(code, permanent=code in PERMANENT)


class SlackMessenger:
    def __init__(self, client: AsyncWebClient, services: Any) -> None:
        self.client = client
        self.services = services

    async def send(self, recipient: Recipient, message: OutgoingMessage, key: str) -> Sent:
        text, blocks = await self._render(message)
        try:
            response = await self.client.chat_postMessage(
                channel=recipient.chat_user_id,
                text=text,
                blocks=blocks,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}},
                unfurl_links=False,
            )
        except SlackApiError as error:
            raise classify(error) from None
        except TRANSIENT_ERRORS as error:
            raise DeliveryFailed(type(error).__name__, permanent=False) from None
        return Sent(str(response["channel"]), str(response["ts"]))

    def sending(self) -> AbstractAsyncContextManager[None]:
        """A run of sends (a fan-out): they share one HTTP session (see `pooled`)."""
        pooled = getattr(self.client, "pooled", None)
        return pooled() if pooled is not None else nullcontext()

    async def find_sent(self, recipient: Recipient, key: str, since: datetime) -> Sent | None:
        try:
            opened = await self.client.conversations_open(users=recipient.chat_user_id)
            channel = str(opened["channel"]["id"])
            return await self._search(channel, key, since)
        except SlackApiError as error:
            raise classify(error) from None
        except TRANSIENT_ERRORS as error:
            raise DeliveryFailed(type(error).__name__, permanent=False) from None

    async def _search(self, channel: str, key: str, since: datetime) -> Sent | None:
        cursor: str | None = None
        while True:
            page = await self.client.conversations_history(
                channel=channel,
                oldest=f"{since.timestamp():.6f}",
                include_all_metadata=True,
                limit=HISTORY_PAGE,
                cursor=cursor,
            )
            messages: list[dict[str, Any]] = page.get("messages") or []
            for message in messages:
                if _carries(message, key):
                    return Sent(channel, str(message["ts"]))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                return None

    async def show_state(self, state: Any) -> int:
        """Rewrite the person's campaign DMs into `state` (after they answered elsewhere)."""
        from handlers.prompt_state import update_dms

        return await update_dms(self.client, state)

    async def _render(self, message: OutgoingMessage) -> tuple[str, list[Any]]:
        if isinstance(message, GateMessage):
            return await render_gate_notice(self.services, message)
        if isinstance(message, SummaryMessage):
            view = await gather_team_view(
                self.services, message.manager_person_id, message.campaign_id
            )
            return team_summary_text(view), list(team_summary_blocks(view))
        assert isinstance(message, PromptMessage)
        text, blocks = _prompt(message)
        return text, list(blocks)


@functools.lru_cache(maxsize=64)
def _prompt(message: PromptMessage) -> tuple[str, tuple[dict[str, Any], ...]]:
    """Everyone's prompt (or n-th reminder) of a campaign is the same message: built once for
    a fan-out instead of once per person (Block Kit objects are costly to build)."""
    text, blocks = prompt_message(message)
    return text, tuple(block.to_dict() for block in blocks)


def _carries(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata") or {}
    return (
        metadata.get("event_type") == EVENT_TYPE
        and (metadata.get("event_payload") or {}).get("key") == key
    )
