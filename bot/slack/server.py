"""Running the app: HTTP mode (Slack posts to /slack/events) or Socket Mode (we dial Slack).

Either way one aiohttp app serves `/healthz` (liveness), `/readyz` (database, scheduler, not
shutting down) and `/metrics`, so a load balancer or an orchestrator can watch the process the
same way in both modes.

On SIGTERM (or SIGINT) the process drains: `/readyz` turns 503 so no new traffic comes, no new
job or outbox row is taken, sends under way get `SHUTDOWN_GRACE_SECONDS` to finish, anything
still held is then released for another replica, and the process exits 0.
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
from bot.slack.observability import READINESS
from bot.teams.hosting import mount_teams

logger = logging.getLogger("leverage.server")
BACKLOG = 1024
SHUTDOWN_GRACE_SECONDS = 10.0


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
    readiness = web_app[READINESS]
    readiness.scheduler = getattr(scheduler, "heartbeat", None)
    mode = "Socket Mode" if socket_mode else f"HTTP on {settings.host}:{settings.port}"
    logger.info("leverage-bot serving (%s, database %s)", mode, services.db.dialect)
    try:
        await _wait_for_stop_signal()
        logger.info("stopping: no new work; finishing what is under way")
    finally:
        readiness.draining = True
        await _drain(services, scheduler)
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()
        await services.db.dispose()


async def _drain(services: Services, scheduler: Any) -> None:
    """Stop taking work, let sends under way finish briefly, then cancel and release the rest."""
    services.drain.stop()
    if scheduler is not None:
        scheduler.pause()  # no new ticks; running jobs see `drain.stopping` and wind down
    if not await services.drain.wait_idle(SHUTDOWN_GRACE_SECONDS):
        logger.info("grace period over: releasing deliveries still under way")
        await services.drain.cancel_all()
    if scheduler is not None:
        scheduler.shutdown(wait=False)


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
