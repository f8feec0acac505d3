"""`leverage-bot privacy audit`: prove that no withheld figure follows from the published ones."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.common import CliError, run_with_services
from bot.core.privacy_audit import QuarterAudit, audit
from bot.core.quarters import normalise_quarter
from bot.core.retention import RetentionState, retention_state
from bot.core.services import Services


def _audit(args: argparse.Namespace) -> int:
    try:
        quarter = normalise_quarter(args.quarter) if args.quarter else None
    except ValueError as error:
        raise CliError(str(error)) from None
    results, retention = run_with_services(lambda s: _audit_and_retention(s, quarter))
    ok = all(r.ok for r in results)
    if args.json:
        quarters = [r.to_dict() for r in results]
        report = {"ok": ok, "quarters": quarters, "retention": retention.to_dict()}
        print(json.dumps(report, indent=2))
    else:
        for result in results:
            print(result.summary)
        if not results:
            print("No quarter has any figures yet.")
        print(retention.describe())
    for result in results:
        for offence in result.offending:
            print(f"leverage-bot: {result.quarter}: {offence}", file=sys.stderr)
    return 0 if ok else 1


async def _audit_and_retention(
    services: Services, quarter: str | None
) -> tuple[list[QuarterAudit], RetentionState]:
    """The figures' proof, and how long people's words are kept (issue 13: retention is part
    of what an auditor checks)."""
    return await audit(services, quarter), await retention_state(services)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    privacy = commands.add_parser("privacy", help="check the published figures against K")
    sub = privacy.add_subparsers(dest="privacy_command", metavar="ACTION")
    sub.required = True
    check = sub.add_parser(
        "audit",
        help="list every figure published for a quarter and prove no withheld one can be "
        "recomputed from them (exit 1 if one can)",
    )
    check.add_argument("--quarter", help="one quarter, e.g. 2026Q4 (default: every quarter)")
    check.add_argument("--json", action="store_true", help="figures, relations and the result")
    check.set_defaults(func=_audit)
