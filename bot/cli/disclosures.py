"""`leverage-bot disclosures …`: the admins' side of blameless disclosures, from a terminal.

The same rules as in Slack apply (group-size thresholds, scrubbed free text only in exports);
whoever runs the CLI is treated as an admin, because they already hold the database.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.common import CliError, run_with_services
from bot.core import disclosure_reports as reports
from bot.core import disclosures
from bot.core.services import Services
from bot.core.spreadsheet import write_csv

AUTHOR = "cli"


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "disclosures", help="read and answer blameless disclosures (admins)"
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    listing = sub.add_parser("list", help="counts, themes and reply references for a quarter")
    listing.add_argument(
        "--quarter", help="e.g. 2026Q4 (default: the latest quarter whose disclosures are shown)"
    )
    reply = sub.add_parser("reply", help="answer one disclosure (read with its claim code)")
    reply.add_argument("id", metavar="REF", help="the reference from `list`, e.g. K7QF-M2XD")
    reply.add_argument("text", nargs="+")
    note = sub.add_parser("note", help='publish the quarter\'s "you said, we did" note')
    note.add_argument("quarter")
    note.add_argument("text", nargs="+")
    approve = sub.add_parser("approve-tool", help="add a tool to the approved catalog")
    approve.add_argument("name", nargs="+")
    demand = sub.add_parser("demand", help="disclosed tools that are not in the catalog")
    demand.add_argument(
        "--quarter", help="e.g. 2026Q4 (default: the latest quarter whose disclosures are shown)"
    )
    export = sub.add_parser("export", help="scrubbed free text, org-wide, at least K per quarter")
    export.add_argument(
        "--quarter", help="e.g. 2026Q4 (default: the latest quarter whose disclosures are shown)"
    )
    export.add_argument("--format", choices=("json", "csv"), default="json")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        output = run_with_services(lambda services: _dispatch(services, args))
    except disclosures.InvalidDisclosure as invalid:
        raise CliError(" ".join(invalid.errors.values())) from invalid
    except disclosures.NotFound as missing:
        raise CliError(disclosures.UNKNOWN_REFERENCE) from missing
    sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return 0


async def _dispatch(services: Services, args: argparse.Namespace) -> str:
    _require_hash_key(services)
    if args.action == "list":
        quarter = args.quarter or await reports.default_quarter(services)
        return reports.render_overview(await reports.overview(services, quarter), 10_000)
    if args.action == "reply":
        await disclosures.reply(services, args.id, " ".join(args.text), AUTHOR)
        return "Reply saved."
    if args.action == "note":
        await disclosures.publish_note(services, args.quarter, " ".join(args.text), AUTHOR)
        return f"Published the note for {args.quarter.upper()}."
    if args.action == "approve-tool":
        added = await disclosures.approve_tool(services, " ".join(args.name), AUTHOR)
        return "Added to the approved catalog." if added else "Already approved."
    if args.action == "demand":
        quarter = args.quarter or await reports.default_quarter(services)
        items = await reports.demand(services, quarter)
        return f"{quarter}: " + reports.render_demand(items, services.min_group_size)
    quarter = args.quarter or await reports.default_quarter(services)
    if not args.quarter:
        print(f"(exporting {quarter}, the latest quarter with disclosures shown)", file=sys.stderr)
    return await _export(services, quarter, args.format)


def _require_hash_key(services: Services) -> None:
    """References and claim codes are keyed hashes: without the bot's key they mean nothing."""
    try:
        services.keyed_hash("check")
    except RuntimeError:
        raise CliError(
            "set LEVERAGE_HASH_KEY (or the bot's SLACK_SIGNING_SECRET): disclosure references "
            "are keyed with the same secret the running bot uses."
        ) from None


async def _export(services: Services, quarter: str, fmt: str) -> str:
    rows = await reports.export(services, quarter)
    if rows is None:
        raise CliError(
            f"{quarter} has fewer than {services.min_group_size} disclosures; free text is "
            "exported only from quarters with at least that many, so nobody can be singled out."
        )
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    return _csv(rows)


def _csv(rows: list[dict[str, Any]]) -> str:
    """The export's own columns, nothing more (see `disclosure_reports.export`)."""
    return write_csv(["quarter", "tool", "make_it_easy"], rows)
