"""`leverage-bot teams package`: the Microsoft Teams app package to upload to a tenant."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import CliError
from bot.config import load_settings


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("teams", help="Microsoft Teams: build the app package")
    teams = parser.add_subparsers(dest="teams_command", metavar="ACTION", required=True)
    package = teams.add_parser(
        "package",
        help="zip teams/manifest.json and its icons for upload to a Teams tenant",
        description="Writes the Teams app package (manifest.json, color.png, outline.png). The "
        "app id (and bot id) is --app-id or TEAMS_APP_ID; --host replaces the placeholder "
        "host leverage.example.com in the manifest's URLs and validDomains. See docs/teams.md.",
    )
    package.add_argument("--out", type=Path, default=Path("ai-leverage-teams.zip"))
    package.add_argument("--app-id", help="the Azure Bot's Microsoft App ID (a GUID)")
    package.add_argument("--host", help="the public host serving /api/messages")
    package.set_defaults(func=run_package)


def run_package(args: argparse.Namespace) -> int:
    from bot.teams.package import PackageError, build_package

    app_id = args.app_id or load_settings().teams_app_id or None
    try:
        manifest = build_package(args.out, app_id=app_id, host=args.host)
    except PackageError as error:
        raise CliError(f"no package written: {error}") from None
    except OSError as error:
        raise CliError(f"cannot write {args.out}: {error.strerror}") from None
    print(f"wrote {args.out} (app id {manifest['id']}, version {manifest['version']})")
    if not app_id:
        print("note: the app id is the placeholder; pass --app-id or set TEAMS_APP_ID")
    return 0
