"""Personal-chat commands (the manifest's command list): `leverage`, `stage`, `team`,
`disclose`, `help`. Each returns the card to post; no command ever raises at the person."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import answers
from bot.core.answers import CampaignUnavailable, NotInDirectory
from bot.core.services import Services
from bot.core.team_summary import build_team_summary, latest_quarter, viewer
from handlers.teams import forms
from handlers.teams.cards import Card, card, notice_card, team_summary_card, text

COMMANDS = {
    "leverage": "Share (or edit) your example of AI leverage this quarter",
    "stage": "The organisation's AI maturity stage, its evidence and next step",
    "team": "Your team's summary (managers)",
    "disclose": "Tell us anonymously about AI use (no name is stored)",
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
Command = Callable[[Services, str, list[str]], Awaitable[Card]]


def help_card() -> Card:
    facts = [{"title": name, "value": about} for name, about in COMMANDS.items()]
    return card([
        text("AI Leverage", weight="Bolder", size="Medium"),
        text("Once a quarter I ask one question: give one example of AI leverage in your work. "
             "Type one of these here:"),
        {"type": "FactSet", "facts": facts},
    ])  # fmt: skip


def welcome_card() -> Card:
    return help_card()


async def answer_form(services: Services, user: str, campaign_id: str | None) -> Card:
    try:
        ctx = await answers.form_context(services, user, campaign_id)
    except NotInDirectory:
        return notice_card(NOT_IN_DIRECTORY, attention=True)
    except CampaignUnavailable as refusal:
        return notice_card(str(refusal), attention=True)
    return forms.answer_form_card(ctx.campaign_id, ctx.existing)


async def leverage(services: Services, user: str, words: list[str]) -> Card:
    return await answer_form(services, user, None)


async def team(services: Services, user: str, words: list[str]) -> Card:
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


async def show_help(services: Services, user: str, words: list[str]) -> Card:
    return help_card()


HANDLERS: dict[str, Command] = {"leverage": leverage, "team": team, "help": show_help}


async def run(services: Services, user: str, words: list[str]) -> Card:
    name = words[0].lower().lstrip("/") if words else "help"
    handler = HANDLERS.get(name, show_help)
    return await handler(services, user, words[1:])


def card_verbs(services: Services) -> dict[str, Any]:
    """Card actions that belong to commands (disclosure, …), keyed by verb."""
    return {}
