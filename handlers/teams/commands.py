"""Personal-chat commands (the manifest's command list): `leverage`, `stage`, `team`,
`disclose`, `help`. Each returns what to post (a card, or the chart as an image); none raises
at the person."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import answers
from bot.core.answers import CampaignUnavailable, NotInDirectory
from bot.core.services import Services
from bot.core.team_summary import build_team_summary, latest_quarter, viewer
from handlers.teams import disclose, forms, stage, usecases
from handlers.teams.cards import FORGET, Card, card, execute, notice_card, team_summary_card, text

COMMANDS = {
    "leverage": "Share (or edit) your example of AI leverage this quarter",
    "stage": "The organisation's AI maturity stage, its evidence and next step",
    "team": "Your team's summary (managers)",
    "disclose": "Tell us anonymously about AI use (no name is stored)",
    "propose": "Propose a team use case (review gates with a deadline)",
    "help": "What I can do",
}
NOT_IN_DIRECTORY = (
    "You are not in the AI Leverage directory yet, so I cannot record an answer for you "
    "(nothing was stored). Ask your AI Leverage admins to add you to the people directory."
)
NOT_IN_DIRECTORY_TEAM = (
    "You are not in the organisation's directory, so there is no team view for you. "
    "The organisation's stage is open to everyone: type **stage**."
)
NOT_A_MANAGER = (
    "Team views are for a team's managers, and nobody in the directory reports to you. "
    "The organisation's stage is open to everyone: type **stage**."
)
# A reply is a card, or an attachment of its own (the chart): {"contentType": …, …}.
Reply = dict[str, Any]
Command = Callable[[Services, str, list[str]], Awaitable[Reply]]


def help_card() -> Card:
    facts = [{"title": name, "value": about} for name, about in COMMANDS.items()]
    return card([
        text("AI Leverage", weight="Bolder", size="Medium"),
        text("Once a quarter I ask one question: give one example of AI leverage in your work. "
             "Type one of these here:"),
        {"type": "FactSet", "facts": facts},
        text("Also: **stage chart** (the stage over quarters as a picture) and **leverage "
             "forget** (erase your answers).", isSubtle=True, size="Small"),
    ])  # fmt: skip


async def answer_form(services: Services, user: str, campaign_id: str | None) -> Card:
    try:
        ctx = await answers.form_context(services, user, campaign_id)
    except NotInDirectory:
        return notice_card(NOT_IN_DIRECTORY, attention=True)
    except CampaignUnavailable as refusal:
        return notice_card(str(refusal), attention=True)
    return forms.answer_form_card(ctx)


async def leverage(services: Services, user: str, words: list[str]) -> Reply:
    if words and words[0].lower() == "forget":
        return card(
            [text("Erase every answer you gave (all quarters)? This cannot be undone. "
                  f"{answers.UNLINKED_NOTE}")],
            [execute("Erase my answers", FORGET, style="destructive")],
        )  # fmt: skip
    return await answer_form(services, user, None)


async def forget(services: Services, user: str) -> Card:
    try:
        person = await answers.person_for(services, user)
    except NotInDirectory:
        return notice_card(NOT_IN_DIRECTORY)
    erased = await answers.forget(services, int(person.id or 0))
    noun = "answer" if erased == 1 else "answers"
    return notice_card(f"Done: {erased} {noun} erased. {answers.UNLINKED_NOTE}")


async def team(services: Services, user: str, words: list[str]) -> Reply:
    person_id, manages = await viewer(services, user)
    if person_id is None:
        return notice_card(NOT_IN_DIRECTORY_TEAM)
    admin = services.is_admin(user)
    if not manages and not admin:
        return notice_card(NOT_A_MANAGER)
    quarter = await latest_quarter(services)
    summary = await build_team_summary(
        services, person_id, quarter, all_teams=admin and not manages
    )
    return team_summary_card(summary)


async def show_stage(services: Services, user: str, words: list[str]) -> Reply:
    if words and words[0].lower() == "chart":
        return await stage.chart_attachment(services)
    return await stage.current_stage_card(services)


async def start_disclosure(services: Services, user: str, words: list[str]) -> Reply:
    return disclose.start_card()


async def propose(services: Services, user: str, words: list[str]) -> Reply:
    return await usecases.propose_form(services, user)


async def show_help(services: Services, user: str, words: list[str]) -> Reply:
    return help_card()


HANDLERS: dict[str, Command] = {
    "leverage": leverage, "stage": show_stage, "team": team, "disclose": start_disclosure,
    "help": show_help, "propose": propose,
}  # fmt: skip


async def run(services: Services, user: str, words: list[str]) -> Reply:
    name = words[0].lower().lstrip("/") if words else "help"
    handler = HANDLERS.get(name, show_help)
    return await handler(services, user, words[1:])
