"""`leverage-bot org import|sync`: the people directory.

Slack is asked only when it can help: a file whose rows all carry a slack_user_id imports
without it (no token set, `--offline`, or Slack unreachable), and every row left without an ID
is named with its line and the reason, because that person will get no quarterly question.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli.common import CliError, run_with_services
from bot.cli.errors import slack_error
from bot.config import load_settings
from bot.core.directory import (
    ImportRejected,
    ImportResult,
    decode_csv,
    import_directory,
    parse_directory_csv,
    sync_from_groups,
)
from bot.core.services import Services

SHOWN = 10


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("org", help="import or sync the people directory")
    org = parser.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    importer = org.add_parser(
        "import",
        help="import people from a CSV file",
        description="CSV header: email,name,team,manager_email[,slack_user_id][,aad_object_id]. "
        "Missing Slack IDs are looked up by e-mail (and time zones read) when SLACK_BOT_TOKEN "
        "is set and Slack answers; a file whose rows all have a slack_user_id imports without "
        "Slack. A Teams user without an aad_object_id is matched by e-mail when they install "
        "the Teams app. Re-importing updates people in place; people no longer in the file are "
        "deactivated unless --keep-missing is given. A file with any error imports nothing.",
    )
    importer.add_argument("file", type=Path)
    importer.add_argument("--keep-missing", action="store_true", help="do not deactivate anyone")
    importer.add_argument(
        "--offline",
        action="store_true",
        help="do not call Slack: take the file's slack_user_id as given (rows without one get "
        "no prompts until a later import finds them)",
    )
    importer.set_defaults(func=run_import)
    sync = org.add_parser(
        "sync",
        help="build teams from Slack user groups (a group = a team)",
        description="Needs SLACK_BOT_TOKEN with the usergroups:read and users:read.email scopes.",
    )
    sync.set_defaults(func=run_sync)


def _has_token() -> bool:
    return bool(load_settings().slack_bot_token.get_secret_value())


def run_import(args: argparse.Namespace) -> int:
    try:
        raw = args.file.read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {args.file}: {error.strerror}.") from None
    try:
        rows = parse_directory_csv(decode_csv(raw))
    except ImportRejected as rejected:
        raise CliError(
            f"{args.file} was not imported:\n  " + "\n  ".join(rejected.errors)
        ) from None
    without_id = [r for r in rows if not r.slack_user_id]
    online = not args.offline and _has_token()
    notes: list[str] = []
    if not online:
        why = "--offline" if args.offline else "SLACK_BOT_TOKEN is not set"
        notes.append(f"Slack was not asked ({why}): Slack IDs are taken from the file as given.")

    async def work(services: Services) -> ImportResult:
        keep = not args.keep_missing
        try:
            return await import_directory(services, raw, deactivate_missing=keep)
        except Exception as error:
            problem = slack_error(services.settings.slack_api_url, error)
            if services.directory is None or problem is None:
                raise
            if without_id:
                raise CliError(f"{problem}\n{_needs_slack(without_id)}") from error
            services.directory = None  # every row has its ID: Slack is a nicety here
            notes.append(
                f"Slack did not help ({str(problem).splitlines()[0].rstrip('.')}); every row has "
                "a slack_user_id, so they were imported unchecked (time zones are read on the "
                "next import that reaches Slack)."
            )
            return await import_directory(services, raw, deactivate_missing=keep)

    result = run_with_services(work, with_slack=online)
    for note in notes:
        print(note)
    _print_result(result)
    return 0


def _needs_slack(rows: list[Any]) -> str:
    lines = ", ".join(str(r.line) for r in rows[:SHOWN]) + (" …" if len(rows) > SHOWN else "")
    return (
        f"{len(rows)} row(s) have no slack_user_id to import without Slack (lines {lines}): "
        "add the IDs, or run with --offline to import them without one."
    )


def run_sync(args: argparse.Namespace) -> int:
    if not _has_token():
        raise CliError(
            "org sync reads Slack user groups and needs SLACK_BOT_TOKEN; to import without "
            "Slack, use org import FILE.csv (with a slack_user_id column) instead."
        )
    result = run_with_services(sync_from_groups, with_slack=True)
    _print_result(result)
    if not (result.created or result.updated):
        print("No people found in Slack user groups: create groups (one per team) first.")
    return 0


def _print_result(result: ImportResult) -> None:
    print(
        f"people: {result.created} created, {result.updated} updated, "
        f"{result.deactivated} deactivated; teams created: {result.teams_created}"
    )
    if result.unresolved:
        print(f"Not reachable in Slack, so no prompts until fixed ({len(result.unresolved)}):")
        for item in result.unresolved[:SHOWN]:
            print(f"  {item.describe()}")
        if len(result.unresolved) > SHOWN:
            print(f"  … and {len(result.unresolved) - SHOWN} more")
