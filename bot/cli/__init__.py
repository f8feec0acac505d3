"""`leverage-bot`: the operator's command line. Each command group lives in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.cli import campaign, demo, disclosures, org, serve, stage
from bot.cli.common import CliError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leverage-bot",
        description="Grow organisational AI capability: the quarterly leverage question, "
        "blameless disclosures and an explainable maturity stage.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for module in (serve, demo, org, campaign, stage, disclosures):
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except CliError as error:
        print(f"leverage-bot: {error}", file=sys.stderr)
        return 2
    except ValidationError as error:  # a setting from the environment or .env is invalid
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        print(f"leverage-bot: configuration error: {problems}", file=sys.stderr)
        return 2
