"""`leverage-bot gates …` and `leverage-bot tools …`: review gates and the approved-tools catalog.

Whoever runs the CLI holds the database, so they act as an admin; their login is the actor
recorded in the audit trail.
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any

from bot.cli.common import CliError, run_with_services
from bot.core import gates, tool_catalog
from bot.core.gates import GateError
from bot.core.tool_catalog import CatalogError
from bot.core.vocabulary import DATA_CLASSES, WORK_KINDS


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("gates", help="review gates: reviewers, SLA, what the clock does")
    sub = parser.add_subparsers(dest="gates_command", metavar="ACTION", required=True)
    setter = sub.add_parser(
        "set",
        help="create or change a gate",
        description="Reviews opened from now on use these settings; open reviews keep theirs.",
    )
    setter.add_argument("name", help="e.g. legal, security, procurement")
    setter.add_argument(
        "--reviewers",
        help="Slack user or user-group IDs (U1,U2 or S0123), or Teams users' Entra object IDs",
    )
    setter.add_argument("--sla-days", type=int, help="days to decide (default 14)")
    setter.add_argument(
        "--on-timeout",
        choices=gates.ON_TIMEOUT,
        help="when the SLA passes: approve (default) or escalate",
    )
    setter.add_argument("--escalate-to", help="the named person an escalation goes to")
    setter.add_argument(
        "--applies-to",
        choices=list(gates.APPLIES_TO),
        help="all proposals (default) or only tools not in the catalog",
    )
    setter.add_argument(
        "--remind-days",
        type=int,
        help="remind reviewers this many days before the deadline (default 3)",
    )
    setter.set_defaults(func=_set)
    listing = sub.add_parser("list", help="the gates in force")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=_list)
    remove = sub.add_parser("remove", help="stop applying a gate to new proposals")
    remove.add_argument("name")
    remove.set_defaults(func=_remove)
    _add_tools(commands)


def _set(args: argparse.Namespace) -> int:
    try:
        gate = run_with_services(
            lambda s: gates.set_gate(
                s,
                args.name,
                args.reviewers,
                sla_days=args.sla_days,
                on_timeout=args.on_timeout,
                escalate_to=args.escalate_to,
                applies_to=args.applies_to,
                remind_days=args.remind_days,
                by=actor(),
            )
        )
    except GateError as error:
        raise CliError(f"gate not saved: {error}") from None
    print(f"gate {gate.name}: {_line(gate)}")
    return 0


def _line(gate: gates.GateConfig) -> str:
    timeout = "auto-approve" if gate.on_timeout == "approve" else f"escalate to {gate.escalate_to}"
    return (
        f"reviewers {', '.join(gate.reviewers)}; SLA {gate.sla_days} days, then {timeout}; "
        f"reminder {gate.remind_days} days before; applies to {gates.APPLIES_TO[gate.applies_to]}"
    )


def _list(args: argparse.Namespace) -> int:
    found = run_with_services(gates.list_gates)
    if args.json:
        print(json.dumps([g.to_dict() for g in found], indent=2))
        return 0
    if not found:
        print("No review gates yet: leverage-bot gates set legal --reviewers U0123ABCD")
    for gate in found:
        print(f"{gate.name}: {_line(gate)}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    removed = run_with_services(lambda s: gates.remove_gate(s, args.name, actor()))
    if not removed:
        known = ", ".join(g.name for g in run_with_services(gates.list_gates)) or "none"
        raise CliError(f"no gate named {args.name!r} is in force (gates: {known})")
    print("Removed (open reviews continue).")
    return 0


def _add_tools(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("tools", help="the approved-tools catalog and tool demand")
    sub = parser.add_subparsers(dest="tools_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="approve a tool (or change its approved uses)")
    add.add_argument("name", nargs="+")
    add.add_argument("--uses", default="", help="kinds of work: " + ",".join(WORK_KINDS))
    add.add_argument("--data-classes", default="", help="data classes: " + ",".join(DATA_CLASSES))
    add.set_defaults(func=_tools_add)
    listing = sub.add_parser("list", help="the catalog")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=_tools_list)
    demand = sub.add_parser("demand", help="disclosed tools outside the catalog (aggregate, ≥ K)")
    demand.add_argument("--quarter", help="one quarter (default: all)")
    demand.add_argument("--json", action="store_true", help="machine-readable output")
    demand.set_defaults(func=_tools_demand)
    request = sub.add_parser("request", help="open a procurement request for a tool")
    request.add_argument("name", nargs="+")
    request.add_argument("--why", default="", help="what it is for")
    request.add_argument("--by", default="", help="the Slack user ID requesting it")
    request.set_defaults(func=_tools_request)


def _tools_add(args: argparse.Namespace) -> int:
    try:
        tool = run_with_services(
            lambda s: tool_catalog.add_tool(
                s, " ".join(args.name), uses=args.uses, data_classes=args.data_classes, by=actor()
            )
        )
    except CatalogError as error:
        raise CliError(str(error)) from None
    print(f"{tool.label} is in the approved catalog.")
    return 0


def _tools_list(args: argparse.Namespace) -> int:
    tools = run_with_services(tool_catalog.catalog)
    if args.json:
        print(json.dumps([t.to_dict() for t in tools], indent=2))
        return 0
    for tool in tools:
        uses = ", ".join(WORK_KINDS.get(u, u) for u in tool.uses) or "any work"
        classes = ", ".join(DATA_CLASSES.get(c, c) for c in tool.data_classes) or "not set"
        print(f"{tool.label}: {uses}; data: {classes}")
    if not tools:
        print("The catalog is empty: leverage-bot tools add NAME --uses drafting")
    return 0


def _tools_demand(args: argparse.Namespace) -> int:
    items = run_with_services(lambda s: tool_catalog.demand_queue(s, args.quarter))
    if args.json:
        print(json.dumps(None if items is None else [i.to_dict() for i in items], indent=2))
        return 0
    if items is None:
        print("Not enough disclosures yet to show any tool names.")
        return 0
    for item in items:
        if not item.requestable:
            print(item.tool if not item.count else f"{item.tool}: {item.count}")
            continue
        status = f"request #{item.request_id} open" if item.request_id else "no request yet"
        print(f"{item.tool}: named in {item.count} disclosures ({status})")
    if not items:
        print("Every disclosed tool is in the approved catalog.")
    return 0


def _tools_request(args: argparse.Namespace) -> int:
    async def work(services: Any) -> dict[str, Any]:
        return await tool_catalog.request_tool(
            services, args.by or actor(), " ".join(args.name), why=args.why, from_demand=True
        )

    try:
        request = run_with_services(work)
    except CatalogError as error:
        raise CliError(str(error)) from None
    gates_text = ", ".join(g["name"] for g in request["gates"]) or "none (approved)"
    print(f"Procurement request #{request['id']} opened; gates: {gates_text}.")
    return 0
