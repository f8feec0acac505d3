"""`leverage-bot campaign start|remind|close|status`: the operator's campaign controls."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from bot.cli.common import CliError, run_with_services, slack_problem
from bot.core import campaigns
from bot.core.campaigns import CampaignError
from bot.core.delivery import DeliveryReport, run_due_deliveries
from bot.core.services import Services
from storage.queries import campaigns as campaign_queries
from storage.queries import org as org_queries

BAR_WIDTH = 30


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("campaign", help="start, remind, close or inspect a campaign")
    actions = parser.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)
    start = actions.add_parser(
        "start",
        help="open this quarter's campaign (or resume it)",
        description="Queue one prompt per person at their next humane local hour; with --now, "
        "send to everyone immediately. Re-running resumes and never asks anyone twice.",
    )
    start.add_argument("--quarter", help="quarter label such as 2026Q4 (default: this quarter)")
    start.add_argument("--now", action="store_true", help="deliver to everyone right away")
    start.set_defaults(func=run_start)
    remind = actions.add_parser("remind", help="send the next reminder to people not answered")
    remind.set_defaults(func=run_remind)
    close = actions.add_parser("close", help="close the campaign and send team summaries")
    close.set_defaults(func=run_close)
    status = actions.add_parser("status", help="prompted, delivered, failed, answered, rate")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--quarter", help="a campaign other than the open one")
    status.set_defaults(func=run_status)


class ProgressBar:
    """A plain-text bar on stderr: redrawn ten times a second on a terminal; in a log file
    (cron, CI) one line every five seconds, so the log stays readable."""

    def __init__(self, stream: Any = sys.stderr) -> None:
        self.stream = stream
        self.last = 0.0
        self.live = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = 0.1 if self.live else 5.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < self.interval:
            return
        self.last = now
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        start = "\r" if self.live else ""
        end = "\n" if done >= total or not self.live else ""
        self.stream.write(f"{start}[{bar}] {done}/{total}{end}")
        self.stream.flush()


def _report(report: DeliveryReport) -> str:
    return (
        f"sent {report.sent}, reconciled {report.reconciled}, failed {report.failed}, "
        f"skipped {report.skipped}, to retry {report.retried} in {report.seconds:.1f}s"
    )


def _run(work: Any) -> Any:
    try:
        return run_with_services(work, with_slack=True)
    except (CampaignError, ValueError) as error:
        raise CliError(str(error)) from None


async def _send_due(services: Services) -> None:
    """Send what is due, after making sure Slack can take it: without a usable token or with
    Slack unreachable every send would only be put back for later, and "sent 0, to retry N"
    would not say why."""
    await _check_slack(services)
    print(_report(await run_due_deliveries(services, progress=ProgressBar())))


async def _check_slack(services: Services) -> None:
    settings = services.settings
    async with services.db.session() as session:
        due = await campaign_queries.count_due_with_slack_ids(session, services.clock())
    if not due:
        return
    queued = f"{due} message(s) to Slack stay queued (nothing is lost)"
    if not settings.slack_bot_token.get_secret_value():
        raise CliError(
            f"SLACK_BOT_TOKEN is not set, so {queued}.\nSet it to the Bot User OAuth Token "
            "(xoxb-…) and run this again, or let `leverage-bot serve` send them."
        )
    problem = await slack_problem(settings)
    if problem is not None:
        what, _, fix = str(problem).partition("\n")
        raise CliError(f"{what} {queued}.\n{fix or 'Then run this again.'}") from problem


def run_start(args: argparse.Namespace) -> int:
    async def work(services: Services) -> None:
        status = await campaigns.start_campaign(services, args.quarter, now=args.now)
        print(status.describe())
        reach = await _reach(services)
        if reach:
            print(reach)
        if args.now:
            await _send_due(services)

    _run(work)
    return 0


async def _reach(services: Services) -> str | None:
    """Why fewer people are asked than are in the directory: nobody imported, or no Slack ID."""
    async with services.db.session() as session:
        active, reachable = await org_queries.reachable_people(session)
    if active == 0:
        return (
            "Nobody is in the directory yet, so nobody is asked: import it first with "
            "leverage-bot org import FILE.csv (or org sync)."
        )
    if reachable < active:
        return (
            f"{active - reachable} of {active} people have no Slack (or Teams) ID and are not "
            "asked: run org import with SLACK_BOT_TOKEN set (IDs are looked up by e-mail) or add "
            "a slack_user_id column."
        )
    return None


def run_remind(args: argparse.Namespace) -> int:
    async def work(services: Services) -> None:
        print(f"reminder queued for {await campaigns.remind(services)} people")
        await _send_due(services)

    _run(work)
    return 0


def run_close(args: argparse.Namespace) -> int:
    async def work(services: Services) -> None:
        status = await campaigns.close_campaign(services)
        print(status.describe())
        await _send_due(services)

    _run(work)
    return 0


def run_status(args: argparse.Namespace) -> int:
    async def work(services: Services) -> None:
        status = await campaigns.campaign_status(services, args.quarter)
        print(json.dumps(status.to_dict(), indent=2) if args.json else status.describe())

    _run(work)
    return 0
