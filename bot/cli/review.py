"""`leverage-bot review tick | decide`: the gates' clock, and decisions from a terminal.

`review tick` is the job the scheduler runs every few minutes; `--at` replays a window that was
missed (or lets tests travel in time). It is safe to run concurrently and repeatedly: every
deadline fires once, however many ticks race (see `bot.core.review`).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from bot.cli.common import CliError, run_with_services
from bot.cli.gates import actor
from bot.core import review
from bot.core.review import ReviewError


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("review", help="the review gates' deadline job and decisions")
    sub = parser.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    tick = sub.add_parser(
        "tick",
        help="run the deadline job (auto-approve, escalate, remind) as of now or --at",
        description="What the scheduler runs. Safe to run concurrently and repeatedly.",
    )
    tick.add_argument("--at", type=parse_instant, help="ISO-8601 time, e.g. 2026-12-01T09:00Z")
    tick.add_argument("--json", action="store_true", help="machine-readable output")
    tick.set_defaults(func=_tick)
    decide = sub.add_parser("decide", help="decide a gate review (an operator acting for one)")
    decide.add_argument("review_id", type=int)
    decide.add_argument("decision", choices=list(review.DECISIONS))
    decide.add_argument("--reason", default="", help="required for changes and reject")
    decide.add_argument("--by", default="", help="the reviewer's Slack user ID")
    decide.set_defaults(func=_decide)


def parse_instant(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {raw!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _tick(args: argparse.Namespace) -> int:
    async def work(services: Any) -> review.TickReport:
        return await review.tick(services, args.at)

    with_slack = _has_slack()
    report = run_with_services(work, with_slack=with_slack)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return 0
    print(
        f"as of {report.at.isoformat()}: {len(report.auto_approved)} auto-approved, "
        f"{len(report.escalated)} escalated, {len(report.reminded)} reminded, "
        f"{len(report.survived_rotation)} survived rotation"
    )
    if report.notices:
        print("notices: " + ", ".join(f"{n} {k}" for k, n in report.notices.items() if n))
    elif not with_slack:
        print("notices stay queued until the bot (or a tick with SLACK_BOT_TOKEN) sends them")
    return 0


def _has_slack() -> bool:
    from bot.config import load_settings

    return bool(load_settings().slack_bot_token.get_secret_value())


def _decide(args: argparse.Namespace) -> int:
    async def work(services: Any) -> review.Decided:
        return await review.decide(
            services, args.review_id, args.by or actor(), args.decision, args.reason, trusted=True
        )

    try:
        outcome = run_with_services(work)
    except ReviewError as error:
        raise CliError(str(error)) from None
    if outcome.already:
        print(f"Already decided: {outcome.review.state} by {outcome.review.decided_by}.")
    else:
        print(f"Review {args.review_id} ({outcome.review.gate}): {outcome.review.state}.")
    return 0
