"""Teams fixtures: the Bot Connector double, and the app serving Slack and Teams on one port.

Incoming activities are signed by the double's RS256 key and verified through
`TEAMS_JWKS_URL`; the bot's outgoing calls get tokens from `TEAMS_TOKEN_URL` and go to the
activity's `serviceUrl`, which is the double. Nothing is mocked in between.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlmodel import select

from bot.config import Settings
from bot.core.services import Services
from bot.slack.app import create_bolt_app, create_web_app
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from bot.teams.double import BotConnectorDouble, TeamsSender, TeamsUser
from bot.teams.hosting import mount_teams
from storage.db import Database
from storage.models import Person, Team, TeamsConversation


@pytest.fixture
async def connector() -> AsyncIterator[BotConnectorDouble]:
    double = BotConnectorDouble()
    await double.start()
    yield double
    await double.stop()


def teams_settings_for(settings: Settings, connector: BotConnectorDouble) -> Settings:
    return settings.model_copy(
        update={
            "teams_app_id": connector.app_id,
            "teams_app_password": SecretStr(connector.app_password),
            "teams_tenant_id": connector.tenant_id,
            "teams_jwks_url": connector.jwks_url,
            "teams_token_url": connector.token_url,
        }
    )


@pytest.fixture
async def teams_services(
    settings: Settings, connector: BotConnectorDouble, database: Database
) -> Services:
    return Services(settings=teams_settings_for(settings, connector), db=database)


@pytest.fixture
async def teams_url(teams_services: Services) -> AsyncIterator[str]:
    """The app as `serve` builds it: Slack's routes and, beside them, `/api/messages`."""
    bolt_app = create_bolt_app(teams_services)
    web_app = create_web_app(teams_services, bolt_app)
    assert mount_teams(teams_services, web_app) is not None
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@pytest.fixture
async def teams(teams_url: str, connector: BotConnectorDouble) -> AsyncIterator[TeamsSender]:
    sender = TeamsSender(teams_url, connector)
    yield sender
    await sender.close()


@pytest.fixture
async def slack_sender(teams_url: str, slack: SlackDouble) -> AsyncIterator[SlackSender]:
    """Slack's signed requests to the same app that serves Teams."""
    from tests.conftest import SIGNING_SECRET

    client = SlackSender(teams_url, SIGNING_SECRET, slack.response_url_base)
    yield client
    await client.close()


async def add_person(
    services: Services,
    name: str,
    email: str,
    *,
    team: str = "Platform",
    slack_user_id: str | None = None,
    aad_object_id: str | None = None,
    manager_email: str | None = None,
) -> Person:
    async with services.db.session() as s:
        found = (await s.exec(select(Team).where(Team.name == team))).first()
        if found is None:
            found = Team(name=team)
            s.add(found)
            await s.flush()
        manager = None
        if manager_email:
            manager = (await s.exec(select(Person).where(Person.email == manager_email))).first()
        person = Person(
            email=email, name=name, team_id=found.id, slack_user_id=slack_user_id,
            aad_object_id=aad_object_id, manager_id=manager.id if manager else None,
            tz="Europe/London",
        )  # fmt: skip
        s.add(person)
        await s.flush()
        return person


async def person(services: Services, email: str) -> Person:
    async with services.db.session() as s:
        found = (await s.exec(select(Person).where(Person.email == email))).first()
        assert found is not None
        return found


async def references(services: Services) -> list[TeamsConversation]:
    async with services.db.session() as s:
        return list((await s.exec(select(TeamsConversation))).all())


def last_card(connector: BotConnectorDouble, user: TeamsUser) -> dict[str, Any]:
    cards = connector.cards_to(user)
    assert cards, "no card was sent"
    return cards[-1]


def card_text(content: Any) -> str:
    """Every string in a card, for assertions on what a person reads."""
    if isinstance(content, dict):
        return " ".join(card_text(v) for v in content.values())
    if isinstance(content, list):
        return " ".join(card_text(v) for v in content)
    return content if isinstance(content, str) else ""


def actions_of(content: Any) -> list[dict[str, Any]]:
    """Every action a card offers, in reading order: its body's ActionSets, then its foot."""
    if not isinstance(content, dict):
        return []
    found: list[dict[str, Any]] = []
    for key in ("body", "items", "columns"):
        for child in content.get(key) or []:
            found += actions_of(child)
    if content.get("type") in ("ActionSet", "AdaptiveCard"):
        found += [a for a in content.get("actions") or [] if isinstance(a, dict)]
    return found


def titles(content: Any) -> list[str]:
    return [str(a.get("title")) for a in actions_of(content)]
