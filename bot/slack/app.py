"""The app factory: Bolt's AsyncApp with our listeners, served by one aiohttp application.

This is the only place where Slack, the core services and HTTP meet.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from bot.core.services import Services
from bot.logs import BOLT_APP_LOGGER, cap_payload_loggers
from bot.slack.client import ProxiedAsyncApp, make_web_client
from bot.slack.directory import SlackDirectory
from bot.slack.early_ack import Background, acked_at_once
from bot.slack.errors import is_database_error, on_listener_error
from bot.slack.gate import UNSIGNED, Refusal, RequestGate, plain_headers, shape_problem
from bot.slack.messenger import SlackMessenger
from bot.slack.observability import install as install_observability
from bot.slack.rate import RateGovernor
from handlers.context import SERVICES_KEY

logger = logging.getLogger("leverage.app")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1024 * 1024


def wire_slack(services: Services) -> AsyncWebClient:
    """Give the core its Slack-backed ports; returns the general-purpose Web API client."""
    governor = RateGovernor(services.db)  # finds Slack's rate limits; shared by the clients
    client = make_web_client(services.settings, governor=governor)
    services.messenger = SlackMessenger(
        make_web_client(services.settings, safe_to_repeat=False, governor=governor), services
    )
    services.directory = SlackDirectory(client)
    return client


class _OwnClientIntended(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns at
    every start that the token goes unused; the client is ours on purpose (retry handlers, the
    rate governor, the proxy), so the warning would only send an operator looking for a fault."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def create_bolt_app(
    services: Services, client: AsyncWebClient | None = None, *, socket_mode: bool = False
) -> AsyncApp:
    """In Socket Mode Slack's requests arrive over our own authenticated websocket, so there
    is no signature to verify and no signing secret is needed."""
    cap_payload_loggers()
    bolt_logger = logging.getLogger(BOLT_APP_LOGGER)
    if not any(isinstance(f, _OwnClientIntended) for f in bolt_logger.filters):
        bolt_logger.addFilter(_OwnClientIntended())
    settings = services.settings
    app = ProxiedAsyncApp(  # AsyncApp whose per-request clients honour NO_PROXY
        client=client or wire_slack(services),
        signing_secret=None if socket_mode else settings.slack_signing_secret.get_secret_value(),
        logger=bolt_logger,
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
    services: Services, bolt_app: AsyncApp | None, *, serve_events: bool = True
) -> web.Application:
    """One aiohttp app: Slack's Request URL (HTTP mode only) plus health, readiness and
    metrics routes."""

    async def slack_events(request: web.Request) -> web.Response:
        if request.content_length and request.content_length > MAX_BODY_BYTES:
            return web.json_response({"error": "payload too large"}, status=413)
        try:
            body = await request.text()
        except UnicodeDecodeError:
            return web.json_response({"error": "body is not UTF-8"}, status=400)
        headers = plain_headers(request.headers)
        refusal = _refusal(gate, body, headers, request.content_type)
        if refusal is not None:
            return web.json_response({"error": refusal.error}, status=refusal.status)
        if acked_at_once(body, request.content_type):  # see bot.slack.early_ack
            background.start(act(body, request.query_string, headers))
            return web.Response(status=200)
        return await act(body, request.query_string, headers)

    async def act(body: str, query: str, headers: dict[str, str]) -> web.Response:
        if not await _first_time(gate, headers):
            return web.Response(status=200)  # a replay: already acted on, so do nothing
        assert bolt_app is not None  # the route exists only with a Bolt app
        try:
            bolt_request = AsyncBoltRequest(body=body, query=query, headers=dict(headers.items()))
            bolt_response = await bolt_app.async_dispatch(bolt_request)
        except Exception as error:  # a payload shaped unlike anything Slack sends
            logger.warning("unprocessable request: %s", type(error).__name__)
            return web.json_response({"error": "payload is not shaped as Slack's"}, status=400)
        return await to_aiohttp_response(bolt_response)

    async def health(_request: web.Request) -> web.Response:
        if await services.db.ping():
            return web.json_response({"status": "ok", "database": "up"})
        return web.json_response({"status": "degraded", "database": "down"}, status=503)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    if serve_events and bolt_app is not None:
        gate = RequestGate(services, services.settings.slack_signing_secret.get_secret_value())
        background = Background()
        web_app.router.add_post(EVENTS_PATH, slack_events)
    web_app.router.add_get(HEALTH_PATH, health)
    install_observability(web_app, services, EVENTS_PATH)  # /metrics, /readyz, request counts
    return web_app


def _refusal(
    gate: RequestGate, body: str, headers: dict[str, str], content_type: str
) -> Refusal | None:
    """401 for a request Slack did not sign (or signed over five minutes ago), 400 for a
    signed one whose body is not a JSON object; checked before Bolt parses or logs anything."""
    if not gate.verified(body, headers):
        return UNSIGNED
    return shape_problem(body, content_type)


async def _first_time(gate: RequestGate, headers: dict[str, str]) -> bool:
    """With the database down, let the request through: whatever it would change needs the
    database too and will fail politely, while read-only answers still reach the person."""
    try:
        return await gate.first_time(headers)
    except Exception as error:
        if not is_database_error(error):
            raise
        logger.warning("replay guard unavailable: %s", type(error).__name__)
        return True
