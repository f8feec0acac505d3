"""What every CLI command needs: settings, a migrated database and the core services."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.config import load_settings
from bot.core.services import Services
from bot.logs import configure_logging
from storage.db import Database

T = TypeVar("T")


class CliError(Exception):
    """An operator mistake or an unavailable feature: printed plainly, exit code 2."""


def run_with_services(work: Callable[[Services], Awaitable[T]], *, with_slack: bool = False) -> T:
    """Run `work` with migrated storage (and Slack ports when it talks to Slack), then clean up."""

    async def runner() -> T:
        settings = load_settings()
        configure_logging(settings.log_level)
        services = Services(settings=settings, db=Database(settings.database_url))
        try:
            await services.db.migrate()
            if with_slack:
                from bot.slack.app import wire_slack

                wire_slack(services)
            return await work(services)
        finally:
            await services.db.dispose()

    return asyncio.run(runner())
