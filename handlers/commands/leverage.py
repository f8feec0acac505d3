"""`/ai-leverage`: the answer form, `forget`, `team`, and the admins' campaign controls."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core import answers, campaigns, quarters
from bot.core.answers import NotInDirectory
from bot.core.campaigns import CampaignError
from bot.core.delivery import run_due_deliveries
from handlers import ids
from handlers.actions.campaign import NOT_IN_DIRECTORY, open_answer_modal
from handlers.blocks.admin import campaign_status_blocks, status_text
from handlers.blocks.help import help_text
from handlers.commands import usecases as usecase_commands
from handlers.commands.team import respond_team_summary
from handlers.context import services_of

logger = logging.getLogger("leverage.handlers.leverage")

USES = [
    (ids.LEVERAGE_COMMAND, "share this quarter's example (again to edit it)"),
    (f"{ids.LEVERAGE_COMMAND} team", "your team's summary, if people report to you"),
    (f"{ids.LEVERAGE_COMMAND} forget", "erase the answers attributed to you"),
    (
        f"{ids.LEVERAGE_COMMAND} propose",
        "propose a team use case (it goes through the review gates)",
    ),
    (f"{ids.LEVERAGE_COMMAND} usecase ID", "one use case, its gates and owners"),
    (f"{ids.LEVERAGE_COMMAND} tools", "the approved AI tools, and those people ask for"),
    (f"{ids.LEVERAGE_COMMAND} help", "this message"),
]
ADMIN_USES = [
    (f"{ids.LEVERAGE_COMMAND} admin start [--now] [QUARTER]", "open a campaign"),
    (f"{ids.LEVERAGE_COMMAND} admin status", "where the campaign stands, with Remind and Close"),
    (f"{ids.LEVERAGE_COMMAND} admin remind", "remind those who have not answered"),
    (f"{ids.LEVERAGE_COMMAND} admin close", "close it and send managers their summaries"),
]


def leverage_help(admin: bool) -> str:
    return help_text(ids.LEVERAGE_COMMAND, USES, ADMIN_USES, admin=admin)


NOT_ADMIN = "Sorry, only AI Leverage admins can run campaign commands."
FORGET_PROMPT = (
    "This erases every answer attributed to you, in every quarter. It cannot be undone. "
    + answers.UNLINKED_NOTE
)
_background: set[asyncio.Task[Any]] = set()


async def handle_leverage_command(
    ack: Any, command: dict[str, Any], respond: Any, client: Any, context: Any
) -> None:
    await ack()
    services = services_of(context)
    user_id = str(command.get("user_id") or "")
    words = str(command.get("text") or "").split()
    sub = words[0].lower() if words else ""
    if not sub:
        await open_answer_modal(client, services, user_id, command.get("trigger_id"), respond)
    elif sub == "forget":
        await _offer_forget(services, user_id, respond)
    elif sub == "team":
        await respond_team_summary(respond, services, user_id)
    elif sub == "admin":
        await _admin(services, user_id, words[1:], respond)
    elif sub in usecase_commands.LEVERAGE_WORDS:
        await usecase_commands.leverage(sub, client, services, command, words[1:], respond)
    else:
        await respond(response_type="ephemeral", text=leverage_help(services.is_admin(user_id)))


async def _offer_forget(services: Any, user_id: str, respond: Any) -> None:
    try:
        await answers.person_for(services, user_id)
    except NotInDirectory:
        await respond(response_type="ephemeral", text=NOT_IN_DIRECTORY)
        return
    button = ButtonElement(
        text="Erase my answers",
        action_id=ids.CONFIRM_FORGET,
        value="forget",
        style="danger",
        confirm=ConfirmObject(
            title="Erase your answers?",
            text="Every answer attributed to you will be deleted.",
            confirm="Erase",
            deny="Keep them",
        ),
    )
    blocks = [SectionBlock(text=FORGET_PROMPT), ActionsBlock(elements=[button])]
    await respond(response_type="ephemeral", text=FORGET_PROMPT, blocks=blocks)


async def _admin(services: Any, user_id: str, args: list[str], respond: Any) -> None:
    if not services.is_admin(user_id):
        await respond(response_type="ephemeral", text=NOT_ADMIN)
        return
    action = args[0].lower() if args else ""
    try:
        text, status = await _run_admin(services, action, args[1:])
    except (CampaignError, ValueError) as error:
        text, status = f"Could not {action or 'do that'}: {error}", None
    if status is None:
        await respond(response_type="ephemeral", text=text)
        return
    blocks = [SectionBlock(text=MarkdownTextObject(text=text)), *campaign_status_blocks(status)]
    await respond(response_type="ephemeral", text=f"{text} {status_text(status)}", blocks=blocks)


async def _run_admin(services: Any, action: str, rest: list[str]) -> tuple[str, Any]:
    """(what happened, the campaign's status to show under it, or None)."""
    if action == "start":
        now = "--now" in rest
        quarter = next((r for r in rest if not r.startswith("--")), None)
        status = await campaigns.start_campaign(services, quarter, now=now)
        if now:
            deliver_in_background(services)
        return "Campaign started.", status
    if action == "remind":
        return await remind_now(services), await campaigns.campaign_status(services)
    if action == "close":
        return await close_now(services)
    if action == "status":
        status = await campaigns.campaign_status(services)
        return f"Where {quarters.quarter_label(status.campaign_id)} stands:", status
    return leverage_help(admin=True), None


async def remind_now(services: Any, campaign_id: str | None = None) -> str:
    queued = await campaigns.remind(services, campaign_id)
    deliver_in_background(services)
    people = "person" if queued == 1 else "people"
    return f"Reminder queued for {queued} {people} who have not answered yet."


async def close_now(services: Any, campaign_id: str | None = None) -> tuple[str, Any]:
    status = await campaigns.close_campaign(services, campaign_id)
    deliver_in_background(services)
    label = quarters.quarter_label(status.campaign_id)
    return f"{label} is closed. Managers' team summaries are queued and go out now.", status


def deliver_in_background(services: Any) -> None:
    """Send what is due now rather than at the scheduler's next tick (the outbox makes a
    concurrent tick harmless)."""
    task = asyncio.create_task(run_due_deliveries(services))
    _background.add(task)
    task.add_done_callback(_background.discard)
