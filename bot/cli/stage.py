"""`leverage-bot stage | facts | export | report`: the aggregator from the command line."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import CliError, run_with_services
from bot.cli.errors import file_error
from bot.config import load_settings
from bot.core import stage_text as words
from bot.core.facts import KNOWN_FACTS, FactError, load_facts, parse_pairs, set_facts
from bot.core.quarters import normalise_quarter, quarter_label
from bot.core.reports import export_signals, write_report
from bot.core.signals import team_signals
from bot.core.stage import QuarterOutOfRange, StageReport, ThresholdsError, assess
from bot.core.team_summary import participation
from storage.queries import campaigns as campaign_queries

MARK = {True: "met   ", False: "missed", None: "note  "}


def _print_report(report: StageReport) -> None:
    """The stage in plain words first, then the evidence grouped by stage, for a terminal."""
    quarter = quarter_label(report.quarter)
    print(f"{words.stage_title(report.stage)}  ({quarter}, confidence {report.confidence})")
    print(f"  {words.STAGE_MEANING[report.stage]}")
    c = report.constraint
    if c.get("criterion"):
        print(f"Holding it back: {c['criterion']}")
    if c.get("gate") and c["gate"].get("reports"):
        print(f"Gate people report most: {c['gate']['label']} ({c['gate']['reports']})")
    if report.next_step:
        print(f"Next step: {c.get('next_step_plain') or words.plain_step(report.next_step)}")
        hint = c.get("next_step_hint")
        if hint:
            print(f"  (admins, once it is done: {hint})")
        elif c.get("done_since"):
            print("  (recorded since that quarter: leverage-bot facts list)")
    print("Evidence:")
    for stage in (*words.STAGE_NAMES, None):
        lines = [e for e in report.evidence if (None if e.get("cap") else e["stage"]) == stage]
        if not lines:
            continue
        title = f"Stage {stage}: {words.STAGE_NAMES[stage]}" if stage else "Limits and notes"
        print(f"  {title}")
        for line in lines:
            print(f"    [{MARK[line['met']]}] {line['text']}")
    print("Trend: " + " -> ".join(f"{quarter_label(p['quarter'])}: {p['stage']}"
                                  + (f" ({p['change']})" if p.get("change") else "")
                                  for p in report.trend))  # fmt: skip
    print(report.diagnostic.get("summary", ""))
    for answer in report.diagnostic.get("answers", []):
        print(f"  - {answer}")


def _team_line(s: Any) -> str:
    """One team, every figure readable: a share in percent, 'withheld' below K, never None."""
    data = s.to_dict()

    def share(key: str) -> str:
        return words.percent(data.get(key), withheld=key in s.hidden)

    def count(key: str) -> str:
        return "withheld" if key in s.hidden or data.get(key) is None else str(data[key])

    return (
        f"  team {s.scope}: {participation(s)} answered, with an example {share('breadth')}, "
        f"sanctioned {share('sanctioned_share')}, production use cases {count('production')}"
    )


NO_CAMPAIGN = (
    "No campaign has run yet, so there is no stage to judge. Import the directory (leverage-bot "
    "org import FILE.csv) and start this quarter's campaign (leverage-bot campaign start).\n"
    "To see a whole organisation first: scripts/demo.sh, then the commands it prints."
)


async def _assess_with_teams(services: Any, quarter: str | None, teams: bool) -> Any:
    async with services.db.session() as session:
        if not await campaign_queries.any_campaign(session):
            raise CliError(NO_CAMPAIGN)
    report = await assess(services, quarter)
    slices = await team_signals(services, report.quarter) if teams else None
    return report, slices


def _stage(args: argparse.Namespace) -> int:
    quarter = _quarter(args.quarter)
    try:
        report, slices = run_with_services(lambda s: _assess_with_teams(s, quarter, args.teams))
    except (ThresholdsError, QuarterOutOfRange) as error:
        raise CliError(str(error)) from None
    if args.json:
        data = report.to_dict()
        if slices is not None:
            data["teams"] = [s.to_dict() for s in slices]
        print(json.dumps(data, indent=2))
    else:
        _print_report(report)
        if slices is not None:
            k = load_settings().min_group_size
            print(f"Teams ({quarter_label(report.quarter)}; only teams of at least {k} people):")
            for s in slices:
                print(_team_line(s))
            if not slices:
                print(f"  none yet: no team has at least {k} people")
    return 0


def _quarter(raw: str | None) -> str | None:
    try:
        return normalise_quarter(raw) if raw else None
    except ValueError as error:
        raise CliError(str(error)) from None


def _facts_set(args: argparse.Namespace) -> int:
    try:
        pairs = parse_pairs(args.pairs)
        changes = run_with_services(lambda s: set_facts(s, pairs, args.by, "cli"))
    except FactError as error:
        raise CliError(f"nothing changed: {error}") from None
    for key, old, new in changes:
        print(f"{key}: {old or 'not set'} -> {new or 'not set'} (by {args.by})")
    if not changes:
        print("no change")
    return 0


def _facts_list(_args: argparse.Namespace) -> int:
    facts = run_with_services(load_facts)
    for key, (_, label) in KNOWN_FACTS.items():
        print(f"{key}={facts.values.get(key, '')}\t# {label}")
    for problem in facts.contradictions:
        print(f"contradiction: {problem}", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    text = run_with_services(lambda s: export_signals(s, args.format))
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as error:
            raise file_error(error, args.out) from error
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _report(args: argparse.Namespace) -> int:
    png, html = run_with_services(lambda s: write_report(s, args.out))
    print(f"chart: {png}\nreport: {html}")
    return 0


def _add_facts(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    facts = commands.add_parser("facts", help="list or set organisation process facts")
    sub = facts.add_subparsers(dest="facts_command", metavar="ACTION")
    sub.required = True
    setter = sub.add_parser("set", help="set facts, e.g. ai_policy=true review_sla_days=14")
    setter.add_argument("pairs", nargs="+", metavar="KEY=VALUE",
                        help="known keys: " + ", ".join(KNOWN_FACTS))  # fmt: skip
    setter.add_argument("--by", default=getpass.getuser(), help="who made the change (logged)")
    setter.set_defaults(func=_facts_set)
    sub.add_parser("list", help="show every known fact").set_defaults(func=_facts_list)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    stage = commands.add_parser("stage", help="the organisation's AI maturity stage")
    stage.add_argument("--json", action="store_true", help="machine-readable output")
    stage.add_argument("--quarter", help="quarter to assess, e.g. 2026Q4 (default: latest)")
    stage.add_argument(
        "--teams", action="store_true", help="add per-team signals (teams of at least K people)"
    )
    stage.set_defaults(func=_stage)
    _add_facts(commands)
    export = commands.add_parser("export", help="org-level signals per quarter")
    export.add_argument("--format", choices=("csv", "json"), required=True)
    export.add_argument("--out", help="file to write (default: standard output)")
    export.set_defaults(func=_export)
    report = commands.add_parser("report", help="write the chart (PNG) and HTML report")
    report.add_argument("--out", required=True, help="directory to write into")
    report.set_defaults(func=_report)
