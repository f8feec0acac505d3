"""`leverage-bot org import|sync`: the people directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import CliError, run_with_services
from bot.core.directory import ImportRejected, ImportResult, import_directory, sync_from_groups
from bot.core.services import Services


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("org", help="import or sync the people directory")
    org = parser.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    importer = org.add_parser(
        "import",
        help="import people from a CSV file",
        description="CSV header: email,name,team,manager_email[,slack_user_id]. Missing Slack "
        "IDs are looked up by e-mail. Re-importing updates people in place; people no longer in "
        "the file are deactivated unless --keep-missing is given. A file with any error imports "
        "nothing.",
    )
    importer.add_argument("file", type=Path)
    importer.add_argument("--keep-missing", action="store_true", help="do not deactivate anyone")
    importer.add_argument("--offline", action="store_true", help="do not call Slack for look-ups")
    importer.set_defaults(func=run_import)
    sync = org.add_parser("sync", help="build teams from Slack user groups (a group = a team)")
    sync.set_defaults(func=run_sync)


def run_import(args: argparse.Namespace) -> int:
    try:
        raw = args.file.read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {args.file}: {error.strerror}") from None

    async def work(services: Services) -> ImportResult:
        return await import_directory(services, raw, deactivate_missing=not args.keep_missing)

    try:
        result = run_with_services(work, with_slack=not args.offline)
    except ImportRejected as rejected:
        raise CliError(
            f"{args.file} was not imported:\n  " + "\n  ".join(rejected.errors)
        ) from None
    _print_result(result)
    return 0


def run_sync(args: argparse.Namespace) -> int:
    _print_result(run_with_services(sync_from_groups, with_slack=True))
    return 0


def _print_result(result: ImportResult) -> None:
    print(
        f"people: {result.created} created, {result.updated} updated, "
        f"{result.deactivated} deactivated; teams created: {result.teams_created}"
    )
    if result.unresolved_slack:
        shown = ", ".join(result.unresolved_slack[:10])
        more = len(result.unresolved_slack) - 10
        print(
            f"not found in Slack ({len(result.unresolved_slack)}): {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
