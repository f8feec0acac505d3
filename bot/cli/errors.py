"""Expected failures in plain words: what happened and what to do, in one or two lines.

The command line is where a newcomer meets the bot first. A ninety-line traceback says the code
failed; these messages say which setting, file or service to look at. `--debug` (or
`LOG_LEVEL=DEBUG`) still prints the traceback for whoever files a bug.
"""

from __future__ import annotations

import errno

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

DEBUG_HINT = "run again with --debug to see the details"

# Slack's error codes that mean "this token is not good", with what to do about each.
TOKEN_ERRORS = {
    "invalid_auth": "Slack does not recognise SLACK_BOT_TOKEN",
    "not_authed": "SLACK_BOT_TOKEN is not set",
    "account_inactive": "the app's token belongs to a deactivated account or app",
    "token_revoked": "SLACK_BOT_TOKEN was revoked",
    "token_expired": "SLACK_BOT_TOKEN has expired",
}
TOKEN_FIX = (
    "Copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page "
    "into SLACK_BOT_TOKEN."
)


class CliError(Exception):
    """An operator mistake or an unavailable service: printed plainly, exit code 2."""


def safe_url(url: str) -> str:
    """The database URL as the operator wrote it, with any password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL has no password we could find either
        return "(unreadable DATABASE_URL)"


def _first_line(error: BaseException) -> str:
    """The driver's own words, without SQLAlchemy's SQL echo and documentation link."""
    root = getattr(error, "orig", None) or error
    text = str(root).strip().splitlines()[0] if str(root).strip() else type(root).__name__
    return text.split(" (Background on this error")[0].rstrip(".")


def is_database_failure(error: BaseException) -> bool:
    """Failures that mean the database is unreachable, refuses us, or is not what we expect."""
    if isinstance(error, aiohttp.ClientError | SlackClientError):
        return False
    import asyncpg

    kinds = (OperationalError, InterfaceError, DBAPIError, OSError, TimeoutError)
    return isinstance(error, (*kinds, asyncpg.PostgresError, asyncpg.InterfaceError))


def database_error(url: str, error: BaseException) -> CliError:
    return CliError(
        f"cannot use the database {safe_url(url)}: {_first_line(error)}.\n"
        "Check DATABASE_URL (and that the database server is running and accepts this user)."
    )


def slack_error(api_url: str, error: BaseException) -> CliError | None:
    """A plain message for Slack being unreachable or refusing the token; None if not Slack's."""
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error", "")) if error.response else ""
        if code in TOKEN_ERRORS:
            return CliError(f"{TOKEN_ERRORS[code]} ({code}). {TOKEN_FIX}")
        if code == "missing_scope":
            needed = error.response.get("needed", "?")
            return CliError(
                f"the Slack app lacks the scope {needed}: reinstall it from manifest.yml "
                "(Install App in your app's settings), then try again."
            )
        return CliError(f"Slack answered {code or 'an error'}; {DEBUG_HINT}.")
    if isinstance(error, aiohttp.ClientError | SlackClientError | TimeoutError):
        reason = _first_line(error)
        return CliError(
            f"cannot reach Slack at {api_url}: {reason}.\n"
            "Check the network (or SLACK_API_URL and any proxy); try again when Slack answers."
        )
    return None


def file_error(error: OSError, what: str = "") -> CliError:
    """Files the operator named: exists, missing, not writable, a folder where a file goes."""
    name = error.filename or what or "the file"
    if isinstance(error, FileExistsError):
        return CliError(f"{name} already exists and is not a folder: choose another path.")
    if isinstance(error, PermissionError):
        return CliError(f"no permission to use {name}: choose a path you can write to.")
    if isinstance(error, IsADirectoryError):
        return CliError(f"{name} is a folder: name a file instead.")
    if isinstance(error, NotADirectoryError):
        return CliError(f"part of {name} is a file, not a folder: choose another path.")
    if isinstance(error, FileNotFoundError):
        return CliError(f"{name} does not exist: check the path.")
    if error.errno == errno.ENOSPC:
        return CliError(f"the disk is full while writing {name}.")
    return CliError(f"cannot use {name}: {error.strerror or error}.")
