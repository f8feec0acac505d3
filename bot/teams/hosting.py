"""Teams in the one aiohttp app: `POST /api/messages` beside Slack's `/slack/events`.

`mount_teams` is all the server calls. When `TEAMS_APP_ID`, `TEAMS_APP_PASSWORD` and
`TEAMS_TENANT_ID` are set it builds the SDK's `CloudAdapter` (with our connector factory),
the agent, and the Teams messenger, routes the outbox through `PlatformRouter`, and adds the
route. A request is authenticated before the SDK sees it: 401, and nothing processed, unless
the Bot Connector's token is valid and vouches for the activity's `serviceUrl`.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator
from pydantic import ValidationError

from bot.core.routing import TEAMS, PlatformRouter
from bot.core.services import Services
from bot.teams.auth import auth_configuration, authenticate, make_validator, service_url_matches
from bot.teams.connector import ConnectorFactory
from bot.teams.messenger import TeamsMessenger
from bot.teams.tokens import make_token_provider
from handlers.teams.agent import LeverageAgent

logger = logging.getLogger("leverage.teams")
MESSAGES_PATH = "/api/messages"
MAX_BODY_BYTES = 1024 * 1024
# The SDK logs conversation ids and activity details at INFO/DEBUG; a conversation id is a
# person, so those records never reach the logs (see bot.logs for the same rule for Slack).
SDK_LOGGER = "microsoft_agents"


@dataclass
class TeamsHost:
    adapter: CloudAdapter
    agent: LeverageAgent
    validator: JwtTokenValidator
    messenger: TeamsMessenger


def warn_about_seams(services: Services) -> None:
    settings = services.settings
    if settings.teams_jwks_url:
        logger.warning(
            "TEAMS_JWKS_URL is set: incoming Teams activities are verified with keys from %s, "
            "not Microsoft's. Use this only for local development and tests.",
            settings.teams_jwks_url,
        )
    if settings.teams_token_url:
        logger.warning(
            "TEAMS_TOKEN_URL is set: outgoing Teams calls use tokens from %s, not Microsoft "
            "Entra ID. Use this only for local development and tests.",
            settings.teams_token_url,
        )


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """Replaces the SDK's default, which prints the traceback and posts the exception text
    into the chat. Here: the error's type in the log, a plain sentence to the person."""
    logger.error("Teams turn failed: %s", type(error).__name__)
    if context.activity is not None and context.activity.type == "message":
        try:
            await context.send_activity(
                "Sorry, something went wrong on our side and nothing was saved. Please try again."
            )
        except Exception as failure:
            logger.warning("could not tell the user about the failure: %s", type(failure).__name__)


def build_teams(services: Services) -> TeamsHost:
    settings = services.settings
    logging.getLogger(SDK_LOGGER).setLevel(logging.WARNING)
    config = auth_configuration(settings)
    tokens = make_token_provider(settings, config)
    adapter = CloudAdapter(
        channel_service_client_factory=ConnectorFactory(tokens, settings.teams_app_id)
    )
    adapter.on_turn_error = on_turn_error
    messenger = TeamsMessenger(adapter, services, settings.teams_app_id)
    return TeamsHost(adapter, LeverageAgent(services), make_validator(settings, config), messenger)


def route_outbox(services: Services, messenger: TeamsMessenger) -> None:
    """The outbox sends through one messenger: a router over Slack's (if any) and Teams'."""
    current = services.messenger
    messengers: dict[str, Any] = dict(getattr(current, "messengers", {}))
    if current is not None and not messengers:
        messengers["slack"] = current
    messengers[TEAMS] = messenger
    services.messenger = PlatformRouter(messengers)


def wire_teams(services: Services) -> TeamsHost | None:
    """Give the outbox its Teams messenger when Teams is configured (the CLI needs no route)."""
    if not services.settings.teams_configured:
        return None
    host = build_teams(services)
    route_outbox(services, host.messenger)
    warn_about_seams(services)
    return host


def mount_teams(services: Services, web_app: web.Application) -> TeamsHost | None:
    """Serve Teams on this app when it is configured; None (and nothing changed) otherwise."""
    host = wire_teams(services)
    if host is not None:
        web_app.router.add_post(MESSAGES_PATH, messages_handler(host))
    return host


def messages_handler(host: TeamsHost) -> Any:
    async def messages(request: web.Request) -> web.StreamResponse:
        if request.content_length and request.content_length > MAX_BODY_BYTES:
            return web.json_response({"error": "payload too large"}, status=413)
        identity = await authenticate(host.validator, request.headers.get("Authorization"))
        if identity is None:
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"error": "body is not valid JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "an activity is a JSON object"}, status=400)
        if not service_url_matches(identity, body.get("serviceUrl")):
            return web.json_response({"error": "serviceUrl not vouched for"}, status=401)
        with warnings.catch_warnings():  # the SDK reads this string key; no await inside
            warnings.simplefilter("ignore", NotAppKeyWarning)
            request["claims_identity"] = identity
        try:
            response = await host.adapter.process(request, host.agent)
        except ValidationError:
            return web.json_response({"error": "not an activity"}, status=400)
        return response or web.Response(status=202)

    return messages
