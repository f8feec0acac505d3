"""`leverage-bot demo`: see the whole cycle work without a Slack workspace."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.demo import DEFAULT_OUT


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "demo",
        help="run a synthetic organisation through the real flows, offline",
        description="Builds a synthetic organisation in an embedded SQLite database, runs "
        "several quarterly campaigns through the real app against an in-process Slack API "
        "double (signed requests over loopback HTTP), then prints the stage report and team "
        "summaries and writes a chart (PNG) and an HTML report.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default ./leverage-demo): demo.db, ai-stage.png, ai-stage.html",
    )
    parser.add_argument("--people", type=int, default=300, help="organisation size (50-5000)")
    parser.add_argument("--quarters", type=int, default=6, help="quarters of history (2-12)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same org)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.cli.common import CliError
    from bot.cli.errors import file_error
    from bot.demo.run import run_demo

    if not 50 <= args.people <= 5000 or not 2 <= args.quarters <= 12:
        raise CliError("--people must be 50-5000 and --quarters 2-12")
    try:
        asyncio.run(run_demo(args.out, people=args.people, quarters=args.quarters, seed=args.seed))
    except OSError as error:
        raise file_error(error, str(args.out)) from error
    return 0
