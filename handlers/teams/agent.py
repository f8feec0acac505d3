"""The Teams listeners: installs, personal-chat commands and card actions.

The SDK's `ActivityHandler` routes activity types; this class turns each into the same core
calls the Slack listeners make, identifying the person by their Entra ID object id (which the
directory stores as `aad_object_id`). Every handler answers something, even when the core
fails: a card that says what happened, never an exception message.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import (
    Activity,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    Attachment,
    TurnContextProtocol,
)
from microsoft_agents.hosting.core import ActivityHandler
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.core import answers
from bot.core.answers import CampaignUnavailable, NotInDirectory
from bot.core.services import Services
from bot.slack.errors import DATABASE_DOWN, SOMETHING_FAILED, is_database_error
from handlers.teams import commands, forms
from handlers.teams.cards import (
    ANSWER,
    CARD_TYPE,
    NOT_THIS_QUARTER,
    SAVE_ANSWER,
    Card,
    notice_card,
)
from storage.queries import teams as tq

logger = logging.getLogger("leverage.teams.agent")
NOT_IN_DIRECTORY = (
    "You are not in the AI Leverage directory yet, so I cannot record an answer for you "
    "(nothing was stored). Ask your AI Leverage admins to add you to the people directory."
)


def user_of(activity: Activity) -> str:
    """The person's id for the core: their Entra ID object id (lower case), or ''."""
    sender = activity.from_property
    return str(getattr(sender, "aad_object_id", None) or "").strip().lower()


def card_reply(content: Card) -> Activity:
    return Activity(
        type="message", attachments=[Attachment(content_type=CARD_TYPE, content=content)]
    )


def card_response(content: Card) -> AdaptiveCardInvokeResponse:
    """An Action.Execute answer: the card that replaces the one the person clicked on."""
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=content)


def failure_text(error: BaseException) -> str:
    return DATABASE_DOWN if is_database_error(error) else SOMETHING_FAILED


class LeverageAgent(ActivityHandler):
    def __init__(self, services: Services) -> None:
        self.services = services

    # --- installs and conversation references -------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContextProtocol) -> None:
        await self.remember(turn_context)
        await turn_context.send_activity(card_reply(commands.welcome_card()))

    async def on_conversation_update_activity(self, turn_context: TurnContextProtocol) -> None:
        await self.remember(turn_context)

    async def remember(self, turn_context: TurnContextProtocol) -> None:
        """Keep the personal chat's reference (to prompt the person later) and, when the
        directory has no Teams id for them yet, match them by e-mail.

        Only personal chats are kept: the quarterly question is never asked in a channel.
        """
        activity = turn_context.activity
        aad = user_of(activity)
        conversation = activity.conversation
        if not aad or conversation is None or conversation.conversation_type not in (
            None, "personal",
        ):  # fmt: skip
            return
        values = {
            "aad_object_id": aad,
            "user_id": activity.from_property.id,
            "conversation_id": conversation.id,
            "service_url": activity.service_url,
            "tenant_id": conversation.tenant_id,
            "bot_id": activity.recipient.id if activity.recipient else "",
            "bot_name": activity.recipient.name if activity.recipient else None,
        }
        async with self.services.db.session() as s:
            await tq.save_reference(s, values, self.services.clock())
            known = await tq.person_by_aad(s, aad)
        if known is None:
            email = await self.email_of(turn_context)
            if email:
                async with self.services.db.session() as s:
                    await tq.link_by_email(s, email, aad)

    async def email_of(self, turn_context: TurnContextProtocol) -> str | None:
        """The member's e-mail (or UPN) from the Bot Connector's member API."""
        activity = turn_context.activity
        services = getattr(turn_context, "services", None)  # the SDK's TurnContext has them
        client: Any = services.get(ConnectorClientBase) if services is not None else None
        if client is None or activity.conversation is None or activity.from_property is None:
            return None
        try:
            member = await client.get_conversation_member(
                activity.conversation.id, activity.from_property.id
            )
        except Exception as error:  # no e-mail: the person stays unmatched, and is told so
            logger.warning("Teams member look-up failed: %s", type(error).__name__)
            return None
        email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
        return str(email) if email else None

    # --- messages: personal-chat commands ----------------------------------------------

    async def on_message_activity(self, turn_context: TurnContextProtocol) -> None:
        activity = turn_context.activity
        words = (activity.remove_recipient_mention() or activity.text or "").split()
        try:
            await self.remember(turn_context)
            reply = await commands.run(self.services, user_of(activity), words)
        except Exception as error:
            logger.error("Teams command failed: %s", type(error).__name__)
            reply = notice_card(failure_text(error), attention=True)
        await turn_context.send_activity(card_reply(reply))

    # --- card actions (Action.Execute) ---------------------------------------------------

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContextProtocol, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        action = invoke_value.action
        data = {str(k): v for k, v in (action.data or {}).items()}
        user = user_of(turn_context.activity)
        handler = self.verbs().get(action.verb or "")
        if handler is None:
            return AdaptiveCardInvokeResponse(
                status_code=int(HTTPStatus.BAD_REQUEST),
                type="application/vnd.microsoft.error",
                value={"code": "BadRequest", "message": "unknown action"},
            )
        try:
            content = await handler(user, data)
        except Exception as error:
            logger.error("Teams card action failed: %s", type(error).__name__)
            content = notice_card(failure_text(error), attention=True)
        return card_response(content)

    def verbs(self) -> dict[str, Any]:
        return {
            ANSWER: self.open_answer,
            SAVE_ANSWER: self.save_answer,
            NOT_THIS_QUARTER: self.not_this_quarter,
            **commands.card_verbs(self.services),
        }

    async def open_answer(self, user: str, data: dict[str, Any]) -> Card:
        return await commands.answer_form(self.services, user, campaign(data))

    async def save_answer(self, user: str, data: dict[str, Any]) -> Card:
        campaign_id = campaign(data) or ""
        values = forms.answer_values(data)
        clean, problems = answers.validate_answer(values)
        if problems or clean is None:
            return forms.answer_form_card(campaign_id, values=data, errors=problems)
        try:
            edited = await answers.save_answer(self.services, user, campaign_id, clean)
        except NotInDirectory:
            return notice_card(NOT_IN_DIRECTORY, attention=True)
        except CampaignUnavailable as refusal:
            return notice_card(str(refusal), attention=True)
        return forms.thanks_card(campaign_id, edited)

    async def not_this_quarter(self, user: str, data: dict[str, Any]) -> Card:
        try:
            recorded = await answers.not_this_quarter(self.services, user, campaign(data) or "")
        except NotInDirectory:
            return notice_card(NOT_IN_DIRECTORY, attention=True)
        except CampaignUnavailable as refusal:
            return notice_card(str(refusal), attention=True)
        if recorded:
            return notice_card(
                "Thanks, noted: no example this quarter, and no reminders. If something comes "
                "up before the question closes, type **leverage** to open the form."
            )
        return notice_card("You have already answered this quarter, so your answer is kept.")


def campaign(data: dict[str, Any]) -> str | None:
    value = str(data.get("campaign") or "")[:16]
    return value or None
