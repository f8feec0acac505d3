"""`leverage-bot serve`: the long-running bot process."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import CliError
from bot.config import load_settings
from bot.core.services import Services
from bot.logs import configure_logging
from storage.db import Database


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "serve",
        help="run the Slack app (HTTP, or Socket Mode when SLACK_APP_TOKEN is set)",
        description="Serve Slack requests on POST /slack/events and GET /healthz. Socket Mode "
        "is used when SLACK_APP_TOKEN is set or --socket-mode is given.",
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
        settings = settings.model_copy(update={"port": args.port})
    socket_mode = args.socket_mode or bool(settings.slack_app_token.get_secret_value())
    _check_secrets(settings.slack_bot_token.get_secret_value(), socket_mode, settings)
    configure_logging(settings.log_level)
    from bot.slack.server import serve

    services = Services(settings=settings, db=Database(settings.database_url))
    asyncio.run(serve(services, socket_mode=socket_mode, with_scheduler=not args.no_scheduler))
    return 0


def _check_secrets(bot_token: str, socket_mode: bool, settings: object) -> None:
    """Refuse to start half-configured: a missing secret would only show up as 401s later."""
    missing = [] if bot_token else ["SLACK_BOT_TOKEN"]
    if socket_mode and not settings.slack_app_token.get_secret_value():  # type: ignore[attr-defined]
        missing.append("SLACK_APP_TOKEN")
    if not socket_mode and not settings.slack_signing_secret.get_secret_value():  # type: ignore[attr-defined]
        missing.append("SLACK_SIGNING_SECRET")
    if missing:
        raise CliError(f"missing configuration: {', '.join(missing)} (see README, Configuration)")
