"""`leverage-bot`: the operator's command line. Each command group lives in its own module.

Expected failures (a database or Slack that does not answer, a file that exists, a bad
argument) end in one or two plain lines and a non-zero exit; `--debug`, anywhere on the line,
or `LOG_LEVEL=DEBUG` adds the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from pydantic import ValidationError

from bot.cli import (
    audit,
    campaign,
    demo,
    disclosures,
    gates,
    org,
    privacy,
    review,
    serve,
    stage,
    teams,
    usecases,
)
from bot.cli.common import CliError, state
from bot.cli.errors import DEBUG_HINT

EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leverage-bot",
        description="Grow organisational AI capability: the quarterly leverage question, "
        "blameless disclosures and an explainable maturity stage.",
        epilog="Logs: warnings and errors only; LOG_LEVEL=INFO or DEBUG for more.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks and debug logs (any position)"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the demo's database (./leverage-demo/demo.db, written by `leverage-bot demo`)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for module in (serve, demo, org, campaign, stage, disclosures, privacy, teams):
        module.add_parser(commands)
    for module in (gates, usecases, review, audit):  # type: ignore[assignment]
        module.add_parser(commands)
    return parser


def _debug_requested(argv: list[str]) -> bool:
    if "--debug" in argv:
        return True
    level = os.environ.get("LOG_LEVEL", "")
    if not level:
        try:
            from bot.config import load_settings

            level = load_settings().log_level  # LOG_LEVEL may come from .env
        except Exception:  # an invalid setting is reported by the command itself
            level = ""
    return level.strip().upper() == "DEBUG"


def _configuration_problem(error: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
    )
    return f"configuration error: {problems}"


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    state.debug = _debug_requested(words)
    args = build_parser().parse_args([w for w in words if w not in ("--debug", "--demo")])
    try:
        if "--demo" in words:
            _use_demo_database()
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `leverage-bot stage | head`: the reader left, nothing is wrong
        _silence_stdout()
        return 0
    except CliError as error:
        return _fail(error, str(error), EXIT_USAGE)
    except ValidationError as error:  # a setting from the environment or .env is invalid
        return _fail(error, _configuration_problem(error), EXIT_USAGE)
    except Exception as error:  # a bug, not an operator mistake: still no wall of text
        text = f"unexpected {type(error).__name__}: {error}"
        return _fail(error, f"{text.splitlines()[0][:300]}\n{DEBUG_HINT}", EXIT_FAILED)


def _use_demo_database() -> None:
    """`--demo`: the database `leverage-bot demo` wrote here, instead of DATABASE_URL."""
    from bot.demo import DEFAULT_OUT, DEMO_HASH_KEY

    path = (DEFAULT_OUT / "demo.db").resolve()
    if not path.is_file():
        raise CliError(
            f"no demo database at {path}: run `leverage-bot demo` in this folder first "
            "(or point DATABASE_URL at the demo.db it printed)."
        )
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("LEVERAGE_HASH_KEY", DEMO_HASH_KEY)


def _fail(error: BaseException, message: str, code: int) -> int:
    if state.debug:
        traceback.print_exception(error, file=sys.stderr)
    print(f"leverage-bot: {message}", file=sys.stderr)
    return code


def _silence_stdout() -> None:
    """Python flushes stdout at exit and would complain about the closed pipe a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
