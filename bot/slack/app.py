"""The app factory: Bolt's AsyncApp with our listeners, served by one aiohttp application.

This is the only place where Slack, the core services and HTTP meet.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from bot.core.services import Services
from bot.logs import BOLT_APP_LOGGER, cap_payload_loggers
from bot.slack.client import make_web_client
from bot.slack.directory import SlackDirectory
from bot.slack.errors import on_listener_error
from bot.slack.messenger import SlackMessenger
from handlers.context import SERVICES_KEY

logger = logging.getLogger("leverage.app")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024


def wire_slack(services: Services) -> AsyncWebClient:
    """Give the core its Slack-backed ports; returns the general-purpose Web API client."""
    client = make_web_client(services.settings)
    services.messenger = SlackMessenger(
        make_web_client(services.settings, safe_to_repeat=False), services
    )
    services.directory = SlackDirectory(client)
    return client


def create_bolt_app(
    services: Services, client: AsyncWebClient | None = None, *, socket_mode: bool = False
) -> AsyncApp:
    """In Socket Mode Slack's requests arrive over our own authenticated websocket, so there
    is no signature to verify and no signing secret is needed."""
    cap_payload_loggers()
    settings = services.settings
    app = AsyncApp(
        client=client or wire_slack(services),
        signing_secret=None if socket_mode else settings.slack_signing_secret.get_secret_value(),
        logger=logging.getLogger(BOLT_APP_LOGGER),
        raise_error_for_unhandled_request=False,
        request_verification_enabled=not socket_mode,
    )

    async def inject_services(context: Any, next: Any) -> None:
        context[SERVICES_KEY] = services
        await next()

    app.use(inject_services)
    app.error(on_listener_error)
    handlers.register(app)
    return app


def create_web_app(
    services: Services, bolt_app: AsyncApp, *, serve_events: bool = True
) -> web.Application:
    """One aiohttp app: Slack's Request URL (HTTP mode only) plus a health route."""

    async def slack_events(request: web.Request) -> web.Response:
        if request.content_length and request.content_length > MAX_BODY_BYTES:
            return web.json_response({"error": "payload too large"}, status=413)
        try:
            bolt_request = await to_bolt_request(request)
        except UnicodeDecodeError:
            return web.json_response({"error": "body is not UTF-8"}, status=400)
        except ValueError:  # JSON that does not parse: Bolt gives up before verifying
            return await _unparseable(request, verifier)
        try:
            bolt_response = await bolt_app.async_dispatch(bolt_request)
        except Exception as error:  # a payload shaped unlike anything Slack sends
            logger.warning("unprocessable request: %s", type(error).__name__)
            return await _unparseable(request, verifier, "payload is not shaped as Slack's")
        return await to_aiohttp_response(bolt_response)

    async def health(_request: web.Request) -> web.Response:
        if await services.db.ping():
            return web.json_response({"status": "ok", "database": "up"})
        return web.json_response({"status": "degraded", "database": "down"}, status=503)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    if serve_events:
        verifier = SignatureVerifier(services.settings.slack_signing_secret.get_secret_value())
        web_app.router.add_post(EVENTS_PATH, slack_events)
    web_app.router.add_get(HEALTH_PATH, health)
    return web_app


async def _unparseable(
    request: web.Request, verifier: SignatureVerifier, problem: str = "body is not valid JSON"
) -> web.Response:
    """401 for a request Slack did not sign, 400 for a signed one whose body is broken."""
    body = await request.text()
    if not verifier.is_valid_request(body, dict(request.headers)):
        return web.json_response({"error": "invalid request signature"}, status=401)
    return web.json_response({"error": problem}, status=400)
