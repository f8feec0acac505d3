"""The Teams side of `bot.core.ports.Messenger`: proactive messages in the personal chat.

Sends go through the SDK (`continue_conversation` on the stored conversation reference, then
`send_activity`), so the outbox's claims, leases and fencing apply unchanged.

Reconciliation: the Bot Connector has no API to list a conversation's messages, so a key
cannot be looked up in Teams afterwards (unlike Slack's message metadata). Instead, the moment
Teams accepts a message its id is written to a journal (`teamssent`) under the outbox key,
before the send returns; `find_sent` reads that journal. A crash after the send is then
recognised, not repeated. The one window left is a send whose answer never arrived (a dropped
connection or a 5xx): Teams may or may not have posted it and offers no way to ask, so the
outbox retries it, preferring a rare duplicate to a lost prompt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
from microsoft_agents.activity import (
    Activity,
    Attachment,
    ChannelAccount,
    ChannelId,
    ConversationAccount,
    ConversationReference,
    ResourceResponse,
)

from bot.core.answers import PromptState
from bot.core.delivery import message_key
from bot.core.ports import (
    DeliveryFailed,
    GateMessage,
    OutgoingMessage,
    PromptMessage,
    Recipient,
    Sent,
    SummaryMessage,
)
from bot.core.routing import TEAMS_CHANNEL
from bot.core.team_summary import build_team_summary
from handlers.teams.cards import (
    CARD_TYPE,
    prompt_card,
    prompt_text,
    state_card,
    state_line,
    team_summary_card,
)
from handlers.teams.usecases import render_gate_notice
from storage.models import TeamsConversation
from storage.queries import org as oq
from storage.queries import teams as tq

logger = logging.getLogger("leverage.teams.messenger")
CHANNEL = TEAMS_CHANNEL
MAX_429_RETRIES = 8
MAX_RETRY_AFTER = 60.0
# The person removed the app, blocked the bot, or left the tenant: retrying will not help.
PERMANENT_STATUSES = {400, 403, 404, 410}
TRANSIENT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError, OSError)


def reference_of(row: TeamsConversation) -> ConversationReference:
    return ConversationReference(
        channel_id=ChannelId(CHANNEL),
        service_url=row.service_url,
        user=ChannelAccount(id=row.user_id),
        agent=ChannelAccount(id=row.bot_id, name=row.bot_name or ""),
        conversation=ConversationAccount(
            id=row.conversation_id, conversation_type="personal", tenant_id=row.tenant_id
        ),
    )


def card_activity(content: dict[str, Any], fallback: str) -> Activity:
    return Activity(
        type="message",
        summary=fallback[:200],
        attachments=[Attachment(content_type=CARD_TYPE, content=content)],
    )


def retry_after(error: aiohttp.ClientResponseError, attempt: int) -> float:
    """Teams' `Retry-After` when it sends one, else an exponential wait."""
    header = error.headers.get("Retry-After") if error.headers else None
    try:
        wait = float(header) if header else 2.0**attempt
    except ValueError:
        wait = 2.0**attempt
    return max(0.0, min(wait, MAX_RETRY_AFTER))


def classify(error: aiohttp.ClientResponseError) -> DeliveryFailed:
    reason = f"teams_http_{error.status}"
    return DeliveryFailed(reason, permanent=error.status in PERMANENT_STATUSES)


async def post_with_retries(
    send: Callable[[], Awaitable[ResourceResponse | None]],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> ResourceResponse | None:
    """Send, waiting out 429s (Teams did nothing, so repeating is safe); other errors raise."""
    for attempt in range(MAX_429_RETRIES + 1):
        try:
            return await send()
        except aiohttp.ClientResponseError as error:
            if error.status != 429 or attempt == MAX_429_RETRIES:
                raise
            await sleep(retry_after(error, attempt))
    raise AssertionError("unreachable")


class TeamsMessenger:
    def __init__(self, adapter: Any, services: Any, app_id: str) -> None:
        self.adapter = adapter
        self.services = services
        self.app_id = app_id

    async def send(self, recipient: Recipient, message: OutgoingMessage, key: str) -> Sent:
        async with self.services.db.session() as s:
            row = await tq.reference_for(s, recipient.chat_user_id)
        if row is None:
            raise DeliveryFailed("teams_app_not_installed", permanent=True)
        activity = await self._render(message)
        try:
            response = await self.post(reference_of(row), activity)
        except aiohttp.ClientResponseError as error:
            raise classify(error) from None
        except TRANSIENT_ERRORS as error:
            raise DeliveryFailed(type(error).__name__, permanent=False) from None
        activity_id = (response.id if response else None) or ""
        async with self.services.db.session() as s:
            await tq.record_sent(s, key, row.conversation_id, activity_id, self.services.clock())
        return Sent(CHANNEL, activity_id[:32])

    async def find_sent(self, recipient: Recipient, key: str, since: datetime) -> Sent | None:
        async with self.services.db.session() as s:
            found = await tq.sent_with_key(s, key, since)
        return Sent(CHANNEL, found.activity_id[:32]) if found else None

    async def post(self, reference: ConversationReference, activity: Activity) -> ResourceResponse:
        """One proactive message through the SDK; errors come back to us, not to the user."""
        response = await self._in_conversation(
            reference, lambda context: context.send_activity(activity)
        )
        return response or ResourceResponse()

    async def _in_conversation(
        self, reference: ConversationReference, call: Callable[[Any], Awaitable[Any]]
    ) -> Any:
        """Run one connector call in the person's conversation (429s waited out) and hand its
        errors back to the caller. (The adapter's turn-error handler would otherwise swallow
        them and post the error into the chat.)"""
        outcome: dict[str, Any] = {}

        async def callback(context: Any) -> None:
            try:
                outcome["response"] = await post_with_retries(lambda: call(context))
            except Exception as error:
                outcome["error"] = error

        await self.adapter.continue_conversation(
            self.app_id, reference.get_continuation_activity(), callback
        )
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("response")

    async def show_state(self, state: PromptState, *, skip: str | None = None) -> int:
        """Rewrite the person's Teams prompt and reminders for the campaign into `state` (the
        connector's update-activity call), so no card keeps offering buttons already answered.

        `skip` is the card the person is clicking on: the invoke's answer replaces that one.
        A failed update is logged by type only; the answer is already safe."""
        async with self.services.db.session() as s:
            person = await oq.person_by_id(s, state.person_id)
            row = (
                await tq.reference_for(s, person.aad_object_id)
                if person and person.aad_object_id
                else None
            )
            if row is None:
                return 0
            kinds = await tq.sent_prompt_kinds(s, state.campaign_id, state.person_id, CHANNEL)
            keys = [message_key(state.campaign_id, kind, state.person_id) for kind in kinds]
            sent = await tq.sent_with_keys(s, keys)
        targets = [m.activity_id for m in sent if m.activity_id and m.activity_id != skip]
        if not targets:
            return 0
        content, summary = state_card(state), state_line(state)
        updated = 0
        for activity_id in targets:
            activity = card_activity(content, summary)
            activity.id = activity_id
            try:
                await self.update(reference_of(row), activity)
                updated += 1
            except Exception as error:
                logger.warning("could not update a Teams prompt: %s", type(error).__name__)
        return updated

    async def update(self, reference: ConversationReference, activity: Activity) -> None:
        """Replace one message the bot sent (waiting out 429s as sends do)."""
        return await self._in_conversation(
            reference, lambda context: context.update_activity(activity)
        )

    async def _render(self, message: OutgoingMessage) -> Activity:
        if isinstance(message, GateMessage):  # a Teams proposer hears from the gates here
            content, summary_text = await render_gate_notice(self.services, message)
            return card_activity(content, summary_text)
        if isinstance(message, SummaryMessage):
            summary = await build_team_summary(
                self.services, message.manager_person_id, message.campaign_id
            )
            return card_activity(team_summary_card(summary), summary.text)
        assert isinstance(message, PromptMessage)
        if message.answered:  # answered before it went out (`leverage`): where they stand
            state = PromptState(message.campaign_id, message.closes_at, True, True,
                                message.has_example, [])  # fmt: skip
            return card_activity(state_card(state), state_line(state))
        return card_activity(prompt_card(message), prompt_text(message))
