"""`leverage-bot serve`: the long-running bot process.

Before serving, the database is migrated and the bot token is checked with `auth.test`, so a
wrong DATABASE_URL, a port in use or a revoked token is a plain line and exit code 2 at start,
not a traceback or a stream of 401s later. Slack being unreachable only logs a warning: the
process still serves /healthz and its outbox retries once Slack answers.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
from typing import Any

from bot.cli.common import CliError, open_database, slack_problem, state, translate
from bot.cli.errors import database_error, is_database_failure
from bot.config import Settings, load_settings
from bot.core.services import Services
from bot.logs import configure_logging

logger = logging.getLogger("leverage.server")


# Their INFO lines say nothing to an operator: alembic's "setup plugin" and "Context impl" at
# every start, APScheduler's "Running job" and "executed successfully" for each job every five
# seconds (some 70,000 lines a day). Their warnings and errors still show; --debug shows all.
CHATTY_LIBRARIES = ("alembic.runtime", "apscheduler")


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "serve",
        help="run the Slack app (HTTP, or Socket Mode when SLACK_APP_TOKEN is set) and Teams",
        description="Serve Slack requests on POST /slack/events and GET /healthz. Socket Mode "
        "is used when SLACK_APP_TOKEN is set or --socket-mode is given. With TEAMS_APP_ID, "
        "TEAMS_APP_PASSWORD and TEAMS_TENANT_ID set, Teams is served on POST /api/messages "
        "too (or alone, without Slack settings).",
    )
    parser.add_argument("--socket-mode", action="store_true", help="connect over Socket Mode")
    parser.add_argument("--port", type=int, help="HTTP port (default: $PORT or 3000)")
    parser.add_argument(
        "--no-scheduler", action="store_true", help="do not run the campaign scheduler here"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.port:
        if not 1 <= args.port <= 65535:
            raise CliError(f"--port {args.port} is not a port: use 1-65535.")
        settings = settings.model_copy(update={"port": args.port})
    socket_mode = args.socket_mode or bool(settings.slack_app_token.get_secret_value())
    _check_teams(settings)
    if settings.slack_bot_token.get_secret_value() or not settings.teams_configured:
        _check_secrets(settings.slack_bot_token.get_secret_value(), socket_mode, settings)
    configure_logging(settings.log_level, settings.log_format)
    if state.debug:
        logging.getLogger().setLevel(logging.DEBUG)
    else:
        for name in CHATTY_LIBRARIES:
            logging.getLogger(name).setLevel(logging.WARNING)
    services = Services(settings=settings, db=open_database(settings))
    asyncio.run(_start(services, socket_mode, not args.no_scheduler))
    return 0


async def _start(services: Services, socket_mode: bool, with_scheduler: bool) -> None:
    from bot.slack.server import serve

    settings = services.settings
    try:
        await services.db.migrate()
    except Exception as error:
        await services.db.dispose()
        if is_database_failure(error):
            raise database_error(settings.database_url, error) from error
        raise
    if settings.slack_bot_token.get_secret_value():  # Teams alone has no Slack token
        await _check_token(settings)
    try:
        await serve(services, socket_mode=socket_mode, with_scheduler=with_scheduler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise CliError(
                f"port {settings.port} on {settings.host} is already in use: stop the other "
                "process or choose another port (--port or PORT)."
            ) from error
        raise translate(error, settings) from error
    except Exception as error:
        translated = translate(error, settings)
        if translated is error:
            raise
        raise translated from error


async def _check_token(settings: Settings) -> None:
    """A token Slack refuses stops the start; an unreachable Slack is only a warning."""
    problem = await slack_problem(settings)
    if problem is None:
        return
    if "SLACK_BOT_TOKEN" in str(problem) or "scope" in str(problem):
        raise problem
    logger.warning("%s Serving anyway; sends are retried.", str(problem).splitlines()[0])


def _check_secrets(bot_token: str, socket_mode: bool, settings: object) -> None:
    """Refuse to start half-configured: a missing secret would only show up as 401s later."""
    missing = [] if bot_token else ["SLACK_BOT_TOKEN"]
    if socket_mode and not settings.slack_app_token.get_secret_value():  # type: ignore[attr-defined]
        missing.append("SLACK_APP_TOKEN")
    if not socket_mode and not settings.slack_signing_secret.get_secret_value():  # type: ignore[attr-defined]
        missing.append("SLACK_SIGNING_SECRET")
    if missing:
        raise CliError(f"missing configuration: {', '.join(missing)} (see README, Configuration)")


def _check_teams(settings: Any) -> None:
    """Teams is on when its three settings are set; one or two of them is a mistake."""
    values = {
        "TEAMS_APP_ID": settings.teams_app_id,
        "TEAMS_APP_PASSWORD": settings.teams_app_password.get_secret_value(),
        "TEAMS_TENANT_ID": settings.teams_tenant_id,
    }
    missing = [name for name, value in values.items() if not value]
    if 0 < len(missing) < len(values):
        raise CliError(f"missing configuration: {', '.join(missing)} (see docs/teams.md)")
