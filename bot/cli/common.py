"""What every CLI command needs: settings, a migrated database, the core services, and plain
words instead of tracebacks when a service, a file or a setting is not what it should be."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url

from bot.cli.errors import (
    CliError,
    database_error,
    file_error,
    is_database_failure,
    safe_url,
    slack_error,
)
from bot.config import Settings, load_settings
from bot.core.services import Services
from bot.logs import configure_logging
from storage.db import Database

__all__ = ["CliError", "cli_log_level", "configure_cli_logging", "run_with_services"]

T = TypeVar("T")


class _State:
    """Set once by `main` from `--debug` (or LOG_LEVEL=DEBUG)."""

    debug = False


state = _State()


def cli_log_level(settings: Settings) -> str:
    """Warnings and errors only, unless LOG_LEVEL is set explicitly or `--debug` is given: a
    command's output is its answer, not the migration log."""
    if state.debug:
        return "DEBUG"
    if "log_level" in settings.model_fields_set:
        return settings.log_level
    return "WARNING"


def configure_cli_logging(settings: Settings) -> None:
    """The level applies to the handlers too: some libraries' loggers are pinned at INFO (see
    bot.logs), and their records would otherwise pass a quieter root on their way out."""
    name = cli_log_level(settings)
    configure_logging(name)
    level = getattr(logging, name.upper(), logging.WARNING)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        handler.setLevel(level)


def _check_sqlite_folder(url: str) -> None:
    """SQLite creates the file but not its folder; aiosqlite then fails noisily in a thread."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return
    folder = Path(parsed.database).expanduser().resolve().parent
    if not folder.is_dir():
        raise CliError(
            f"the folder {folder} for the SQLite database does not exist: create it, or point "
            "DATABASE_URL elsewhere."
        )
    if not os.access(folder, os.W_OK):
        raise CliError(f"no permission to write the SQLite database in {folder}.")


def open_database(settings: Settings) -> Database:
    try:
        _check_sqlite_folder(settings.database_url)
        return Database(settings.database_url)
    except CliError:
        raise
    except Exception as error:  # sqlalchemy's ArgumentError, or an unsupported backend
        raise CliError(
            f"DATABASE_URL {safe_url(settings.database_url)} is not usable: {error}.\n"
            "Write it as sqlite:///path/to/file.db or postgresql://user:password@host/dbname."
        ) from error


def translate(error: Exception, settings: Settings) -> Exception:
    """The plain CliError for an expected failure; any other error is returned unchanged."""
    if isinstance(error, CliError):
        return error
    slack = slack_error(settings.slack_api_url, error)
    if slack is not None:
        return slack
    if isinstance(error, OSError) and error.filename:
        return file_error(error)
    if is_database_failure(error):
        return database_error(settings.database_url, error)
    return error


async def slack_problem(settings: Settings) -> CliError | None:
    """What is wrong with reaching Slack (unreachable, token refused), or None: `auth.test`,
    the cheapest call that proves both the network and the token."""
    from bot.slack.client import make_web_client

    try:
        await make_web_client(settings).auth_test()
    except Exception as error:
        problem = slack_error(settings.slack_api_url, error)
        if problem is None:
            raise
        problem.__cause__ = error
        return problem
    return None


def run_with_services(work: Callable[[Services], Awaitable[T]], *, with_slack: bool = False) -> T:
    """Run `work` with migrated storage (and Slack ports when it talks to Slack), then clean up."""

    async def runner() -> T:
        settings = load_settings()
        configure_cli_logging(settings)
        services = Services(settings=settings, db=open_database(settings))
        try:
            try:
                await services.db.migrate()
            except Exception as error:
                if is_database_failure(error):
                    raise database_error(settings.database_url, error) from error
                raise
            if with_slack:
                from bot.slack.app import wire_slack
                from bot.teams.hosting import wire_teams

                if settings.slack_bot_token.get_secret_value() or not settings.teams_configured:
                    wire_slack(services)
                wire_teams(services)  # Teams too, when configured: one outbox, both platforms
            try:
                return await work(services)
            except Exception as error:
                translated = translate(error, settings)
                if translated is error:
                    raise
                raise translated from error
        finally:
            await services.db.dispose()

    return asyncio.run(runner())
