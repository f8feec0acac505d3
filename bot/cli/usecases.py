"""`leverage-bot usecases …`: the use-case registry from a terminal (read it, and move it on).

Whoever runs the CLI holds the database and acts as an admin; their login is recorded as the
actor in the audit trail (or `--by`, a Slack user ID, when acting for someone).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.common import CliError, run_with_services
from bot.cli.gates import actor
from bot.core import usecases
from bot.core.usecases import RegistryError
from bot.core.vocabulary import DATA_CLASSES


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("usecases", help="the use-case registry and its lifecycle")
    sub = parser.add_subparsers(dest="usecases_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="every use case with its gates")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.add_argument("--state", choices=usecases.STATES, help="only this state")
    listing.set_defaults(func=_list)
    show = sub.add_parser("show", help="one use case: gates, owners, outcomes, audit trail")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=_show)
    propose = sub.add_parser("propose", help="register a proposal and open its gates")
    for name in ("name", "team", "tool", "description", "expected-outcome", "measurement"):
        propose.add_argument(f"--{name}", required=True)
    propose.add_argument("--data-class", required=True, choices=list(DATA_CLASSES))
    propose.add_argument("--by", required=True, help="the proposer's Slack user ID")
    propose.set_defaults(func=_propose)
    production = sub.add_parser("production", help="pilot -> production (link + ≥ 2 owners)")
    production.add_argument("id", type=int)
    production.add_argument("--process-url", required=True, help="the documented process")
    production.add_argument("--owners", required=True, help="Slack user IDs: U1,U2")
    production.set_defaults(func=_production)
    owners = sub.add_parser("owners", help="set a use case's owners")
    owners.add_argument("id", type=int)
    owners.add_argument("--owners", required=True, help="Slack user IDs: U1,U2")
    owners.set_defaults(func=_owners)
    outcome = sub.add_parser("outcome", help="record what it achieved in a quarter")
    outcome.add_argument("id", type=int)
    outcome.add_argument("--quarter", required=True, help="e.g. 2026Q4")
    outcome.add_argument("--summary", required=True)
    outcome.add_argument("--metric", help="the measurement, e.g. 'response time 4h -> 1h'")
    outcome.set_defaults(func=_outcome)
    retire = sub.add_parser("retire", help="retire a use case")
    retire.add_argument("id", type=int)
    retire.add_argument("--reason", required=True)
    retire.set_defaults(func=_retire)


def _run(work: Any) -> Any:
    try:
        return run_with_services(work)
    except RegistryError as error:
        raise CliError(str(error)) from None


def _gates_text(case: dict[str, Any]) -> str:
    parts = []
    for gate in case["gates"]:
        detail = gate["decided_by"] or (f"due {gate['due_at'][:16]}" if gate["due_at"] else "")
        parts.append(f"{gate['name']} {gate['state']}" + (f" ({detail})" if detail else ""))
    return "; ".join(parts) or "no gates"


def _list(args: argparse.Namespace) -> int:
    cases = _run(lambda s: usecases.list_use_cases(s, args.state))
    if args.json:
        print(json.dumps(cases, indent=2, ensure_ascii=False))
        return 0
    if not cases:
        print("No use cases yet. People propose them with /ai-leverage propose.")
    for case in cases:
        rotation = ", survived rotation" if case["survived_rotation"] else ""
        print(
            f"#{case['id']} {case['name']} [{case['team']}] {case['state']}{rotation}: "
            f"{_gates_text(case)}"
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    case = _run(lambda s: usecases.show(s, args.id))
    if case is None:
        raise CliError(f"no use case {args.id}")
    if args.json:
        print(json.dumps(case, indent=2, ensure_ascii=False))
        return 0
    print(f"#{case['id']} {case['name']} ({case['state']})")
    for label, key in (
        ("Team", "team"),
        ("Tool", "tool"),
        ("Data", "data_class"),
        ("What it does", "description"),
        ("Expected outcome", "expected_outcome"),
        ("Measured by", "measurement"),
        ("Proposer", "proposer"),
        ("Process", "process_url"),
    ):
        if case.get(key):
            print(f"{label}: {case[key]}")
    print(f"Owners: {', '.join(case['owners']) or 'none'}")
    print(f"Survived rotation: {'yes' if case['survived_rotation'] else 'no'}")
    print(f"Gates: {_gates_text(case)}")
    for outcome in case["outcomes"]:
        metric = f" ({outcome['metric']})" if outcome["metric"] else ""
        print(f"Outcome {outcome['quarter']}: {outcome['summary']}{metric}")
    print("Audit trail:")
    for entry in case["audit"]:
        print(f"  {entry['seq']:>5} {entry['at'][:19]} {entry['actor']}: {entry['action']}")
    return 0


def _print(case: dict[str, Any]) -> int:
    sys.stdout.write(f"#{case['id']} {case['name']}: {case['state']}; {_gates_text(case)}\n")
    return 0


def _propose(args: argparse.Namespace) -> int:
    async def work(services: Any) -> dict[str, Any]:
        proposal = usecases.validate_proposal(
            {
                "name": args.name,
                "team": args.team,
                "tool": args.tool,
                "data_class": args.data_class,
                "description": args.description,
                "expected_outcome": args.expected_outcome,
                "measurement": args.measurement,
            }
        )
        return await usecases.propose(services, args.by, proposal)

    try:
        return _print(_run(work))
    except RegistryError as error:
        raise CliError(f"{error} {' '.join(error.errors.values())}") from None


def _production(args: argparse.Namespace) -> int:
    return _print(
        _run(
            lambda s: usecases.move_to_production(
                s, actor(), args.id, args.process_url, args.owners, trusted=True
            )
        )
    )


def _owners(args: argparse.Namespace) -> int:
    return _print(
        _run(lambda s: usecases.set_owners(s, actor(), args.id, args.owners, trusted=True))
    )


def _outcome(args: argparse.Namespace) -> int:
    return _print(
        _run(
            lambda s: usecases.record_outcome(
                s, actor(), args.id, args.quarter, args.summary, args.metric, trusted=True
            )
        )
    )


def _retire(args: argparse.Namespace) -> int:
    return _print(_run(lambda s: usecases.retire(s, actor(), args.id, args.reason, trusted=True)))
