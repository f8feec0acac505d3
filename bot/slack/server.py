"""Running the app: HTTP mode (Slack posts to /slack/events) or Socket Mode (we dial Slack).

Either way one aiohttp app serves `/healthz`, so a load balancer or an orchestrator can watch
the process the same way in both modes.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress
from typing import Any

from aiohttp import web

from bot.core.services import Services
from bot.slack.app import create_bolt_app, create_web_app
from bot.teams.hosting import mount_teams

logger = logging.getLogger("leverage.server")
BACKLOG = 1024


async def serve(services: Services, *, socket_mode: bool, with_scheduler: bool = True) -> None:
    """Serve until SIGINT/SIGTERM; migrations run first so a new install needs no extra step."""
    settings = services.settings
    await services.db.migrate()
    slack_on = bool(settings.slack_bot_token.get_secret_value())  # else Teams alone
    bolt_app = create_bolt_app(services, socket_mode=socket_mode) if slack_on else None
    web_app = create_web_app(services, bolt_app, serve_events=slack_on and not socket_mode)
    mount_teams(services, web_app)  # POST /api/messages when Teams is configured
    socket_handler = None
    if socket_mode and bolt_app is not None:
        from bot.slack.client import ProxiedSocketModeHandler  # honours NO_PROXY

        socket_handler = ProxiedSocketModeHandler(
            bolt_app, settings.slack_app_token.get_secret_value()
        )
        await socket_handler.connect_async()
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    # A burst of Slack requests opens as many connections: room for them (default 128).
    await web.TCPSite(runner, settings.host, settings.port, backlog=BACKLOG).start()
    scheduler = _start_scheduler(services) if with_scheduler else None
    mode = "Socket Mode" if socket_mode else f"HTTP on {settings.host}:{settings.port}"
    logger.info("leverage-bot serving (%s, database %s)", mode, services.db.dialect)
    try:
        await _wait_for_stop_signal()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()
        await services.db.dispose()


def _start_scheduler(services: Services) -> Any:
    from bot.scheduler import build_scheduler

    scheduler = build_scheduler(services)
    scheduler.start()
    return scheduler


async def _wait_for_stop_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
