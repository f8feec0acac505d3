"""The Teams listeners: installs, personal-chat commands, card actions and dialogs.

The SDK's `ActivityHandler` routes activity types; this class turns each into the same core
calls the Slack listeners make, identifying the person by their Entra ID object id (which the
directory stores as `aad_object_id`). Every handler answers something, even when the core
fails: a card that says what happened, never an exception message, and only the error's type
in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import (
    Activity,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    Attachment,
    InvokeResponse,
    TurnContextProtocol,
)
from microsoft_agents.hosting.core import ActivityHandler
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.core import answers
from bot.core.answers import CampaignUnavailable, NotInDirectory, PromptState
from bot.core.routing import TEAMS, PlatformRouter
from bot.core.services import Services
from bot.slack.errors import DATABASE_DOWN, SOMETHING_FAILED, is_database_error
from handlers.teams import commands, disclose, forms, stage, usecases
from handlers.teams.cards import (
    ANSWER,
    CARD_TYPE,
    DECIDE,
    FORGET,
    NOT_THIS_QUARTER,
    PROPOSE,
    PROPOSE_FROM_ANSWER,
    REVISE,
    SAVE_ANSWER,
    SAVE_DETAILS,
    Card,
    notice_card,
    state_card,
)
from storage.queries import teams as tq

logger = logging.getLogger("leverage.teams.agent")
DIALOGS = ("task/fetch", "task/submit")
Verb = Callable[[TurnContextProtocol, str, dict[str, Any]], Awaitable[Card]]


def user_of(activity: Activity) -> str:
    """The person's id for the core: their Entra ID object id (lower case), or ''."""
    sender = activity.from_property
    return str(getattr(sender, "aad_object_id", None) or "").strip().lower()


def reply_of(content: dict[str, Any]) -> Activity:
    """A message carrying a card, or an attachment of its own (the chart image)."""
    if "contentType" in content:
        attachment = Attachment(
            content_type=content["contentType"], content_url=content.get("contentUrl"),
            name=content.get("name"),
        )  # fmt: skip
    else:
        attachment = Attachment(content_type=CARD_TYPE, content=content)
    return Activity(type="message", attachments=[attachment])


def card_response(content: Card) -> AdaptiveCardInvokeResponse:
    """An Action.Execute answer: the card that replaces the one the person clicked on."""
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=content)


def failure_text(error: BaseException) -> str:
    return DATABASE_DOWN if is_database_error(error) else SOMETHING_FAILED


class LeverageAgent(ActivityHandler):
    def __init__(self, services: Services) -> None:
        self.services = services
        self.verbs: dict[str, Verb] = {
            ANSWER: self.open_answer,
            SAVE_ANSWER: self.save_answer,
            SAVE_DETAILS: self.save_details,
            NOT_THIS_QUARTER: self.not_this_quarter,
            FORGET: self.forget,
            stage.CHART: self.send_chart,
            PROPOSE: self.propose,
            PROPOSE_FROM_ANSWER: self.propose_from_answer,
            REVISE: self.revise,
            DECIDE: self.decide,
        }

    # --- installs and conversation references -------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContextProtocol) -> None:
        await self.remember(turn_context)
        await turn_context.send_activity(reply_of(commands.help_card()))

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
        except Exception as error:  # no e-mail: the person stays unmatched until imported
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
        await turn_context.send_activity(reply_of(reply))

    # --- dialogs (task modules): the disclosure -----------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContextProtocol) -> InvokeResponse | None:
        name = turn_context.activity.name
        if name not in DIALOGS:
            return await super().on_invoke_activity(turn_context)
        value = turn_context.activity.value
        data = value.get("data") if isinstance(value, dict) else None
        if not isinstance(data, dict):
            return InvokeResponse(status=int(HTTPStatus.BAD_REQUEST), body={"error": "no data"})
        try:
            if name == "task/fetch":
                body = await disclose.fetch(self.services, data)
            else:
                body = await disclose.submit(self.services, user_of(turn_context.activity), data)
        except Exception as error:  # the type only: this path must say nothing about anyone
            logger.error("Teams dialog failed: %s", type(error).__name__)
            body = disclose.dialog("Sorry", notice_card(failure_text(error), attention=True))
        return InvokeResponse(status=int(HTTPStatus.OK), body=body)

    # --- card actions (Action.Execute) ---------------------------------------------------

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContextProtocol, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        action = invoke_value.action
        data = {str(k): v for k, v in (action.data or {}).items()}
        handler = self.verbs.get(action.verb or "")
        if handler is None:
            return AdaptiveCardInvokeResponse(
                status_code=int(HTTPStatus.BAD_REQUEST),
                type="application/vnd.microsoft.error",
                value={"code": "BadRequest", "message": "unknown action"},
            )
        try:
            content = await handler(turn_context, user_of(turn_context.activity), data)
        except Exception as error:
            logger.error("Teams card action failed: %s", type(error).__name__)
            content = notice_card(failure_text(error), attention=True)
        return card_response(content)

    async def open_answer(self, ctx: TurnContextProtocol, user: str, data: dict[str, Any]) -> Card:
        """The form in place of the card clicked. A click on a closed question's card shows
        that it closed, there and on the campaign's other cards."""
        try:
            form_context = await answers.form_context(self.services, user, campaign(data))
        except NotInDirectory as refusal:
            return refused(refusal)
        except CampaignUnavailable as refusal:
            state = await self.show_state(ctx, user, campaign(data) or "")
            return state_card(state) if state is not None else refused(refusal)
        return forms.answer_form_card(form_context)

    async def save_answer(self, ctx: TurnContextProtocol, user: str, data: dict[str, Any]) -> Card:
        """Step one: validate and save the example (keeping any details), then offer step two."""
        campaign_id = campaign(data) or ""
        clean, problems = answers.validate_answer(forms.answer_values(data))
        try:
            if problems or clean is None:
                ctx_ = await answers.form_context(self.services, user, campaign_id)
                return forms.answer_form_card(ctx_, values=data, errors=problems)
            edited = await answers.save_answer(
                self.services, user, campaign_id, clean, keep_details=True
            )
            saved = (await answers.form_context(self.services, user, campaign_id)).existing
        except (NotInDirectory, CampaignUnavailable) as refusal:
            return refused(refusal)
        await self.show_state(ctx, user, campaign_id)
        return forms.details_card(campaign_id, saved, edited=edited)

    async def save_details(self, ctx: TurnContextProtocol, user: str, data: dict[str, Any]) -> Card:
        campaign_id = campaign(data) or ""
        values, problems = answers.validate_details(forms.answer_values(data))
        try:
            if problems or values is None:
                saved = (await answers.form_context(self.services, user, campaign_id)).existing
                return forms.details_card(campaign_id, saved, edited=True, values=data,
                                          errors=problems)  # fmt: skip
            if not await answers.save_details(self.services, user, campaign_id, values):
                return notice_card("Your example was not found; type **leverage** to share it.")
        except (NotInDirectory, CampaignUnavailable) as refusal:
            return refused(refusal)
        return forms.thanks_card(campaign_id)

    async def not_this_quarter(
        self, ctx: TurnContextProtocol, user: str, data: dict[str, Any]
    ) -> Card:
        try:
            recorded = await answers.not_this_quarter(self.services, user, campaign(data) or "")
        except (NotInDirectory, CampaignUnavailable) as refusal:
            return refused(refusal)
        state = await self.show_state(ctx, user, campaign(data) or "")
        if recorded and state is not None:
            return state_card(state)  # the card itself says "not this quarter", like Slack's DM
        return notice_card("You have already answered this quarter, so your answer is kept.")

    async def show_state(
        self, ctx: TurnContextProtocol, user: str, campaign_id: str
    ) -> PromptState | None:
        """After an answer, a decline or a click on a closed question: every prompt and
        reminder of the campaign shows where the person stands, on the platform it went to
        (Teams cards here, Slack DMs for a person on both). The card being clicked is left to
        the invoke's answer. Returns the state (None when there is nothing to show yet)."""
        try:
            state = await answers.prompt_state(self.services, user, campaign_id)
        except (NotInDirectory, CampaignUnavailable):
            return None
        if state.is_open and not state.answered:
            return None  # nothing to show yet: the buttons are still what the person needs
        router = self.services.messenger
        if isinstance(router, PlatformRouter):
            teams: Any = router.messengers.get(TEAMS)
            if teams is not None:
                await teams.show_state(state, skip=ctx.activity.reply_to_id)
            await router.show_state(state, besides=TEAMS)
        return state

    async def forget(self, ctx: TurnContextProtocol, user: str, data: dict[str, Any]) -> Card:
        return await commands.forget(self.services, user)

    async def propose(self, ctx: TurnContextProtocol, user: str, data: dict[str, Any]) -> Card:
        return await usecases.submit(self.services, user, data)

    async def propose_from_answer(
        self, ctx: TurnContextProtocol, user: str, data: dict[str, Any]
    ) -> Card:
        """ "Make this a team use case" under an example: the form, pre-filled from it."""
        return await usecases.propose_form(self.services, user, campaign(data))

    async def revise(self, ctx: TurnContextProtocol, user: str, data: dict[str, Any]) -> Card:
        use_case = data.get("u")
        if not isinstance(use_case, int):
            return notice_card("That proposal was not found.", attention=True)
        return await usecases.revise_form(self.services, user, use_case)

    async def decide(self, ctx: TurnContextProtocol, user: str, data: dict[str, Any]) -> Card:
        """A gate reviewer's decision from their request card (the card is replaced)."""
        return await usecases.decide(self.services, user, data)

    async def send_chart(self, ctx: TurnContextProtocol, user: str, data: dict[str, Any]) -> Card:
        """The chart goes out as an image message; the stage card stays as it was."""
        await ctx.send_activity(reply_of(await stage.chart_attachment(self.services)))
        return await stage.current_stage_card(self.services)


def refused(refusal: Exception) -> Card:
    if isinstance(refusal, NotInDirectory):
        return notice_card(commands.NOT_IN_DIRECTORY, attention=True)
    return notice_card(str(refusal), attention=True)


def campaign(data: dict[str, Any]) -> str | None:
    value = str(data.get("campaign") or "")[:16]
    return value or None
