"""The demo's review-gates story: a use case moving through the gates, through the real app.

Admins set three gates (legal, security, procurement for new tools); a person proposes a team
use case with signed `/ai-leverage propose` requests; reviewers get their DMs from the gates'
outbox; legal approves with a signed button click; nobody decides security, so when its SLA
passes the clock approves it (once, logged); the use case goes to production with two owners,
its proposer hands it over (survived rotation) and records an outcome. A second proposal names a
tool outside the catalog and also passes procurement. Only time is simulated.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from bot.core import audit, gates, review, tool_catalog, usecases
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender, plain, static
from handlers import ids


def _proposal(name: str, tool_key: str, new_tool: str = "", **text: str) -> dict[str, Any]:
    fields = {
        "name": name,
        "team": text.pop("team", "Operations"),
        "description": text.pop("description", "Draft first replies to supplier questions."),
        "expected_outcome": "Replies in hours instead of days",
        "measurement": "Median time to first reply",
        "new_tool": new_tool,
    }
    values = {key: {"value": plain(value)} for key, value in fields.items()}
    values["tool"] = {"value": static(tool_key)}
    values["data_class"] = {"value": static("internal")}
    return values


def _button(message: dict[str, Any], action_id: str) -> str | None:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return str(element.get("value"))
    return None


async def _propose(sender: SlackSender, slack: SlackDouble, user: str, values: dict) -> None:
    before = len(slack.opened_views)
    await sender.command(ids.LEVERAGE_COMMAND, "propose", user_id=user)
    for _ in range(500):  # the command is acknowledged first; the form opens right after
        if len(slack.opened_views) > before:
            break
        await asyncio.sleep(0.01)
    form = slack.opened_views[-1]
    reply = await sender.view_submission(
        ids.PROPOSE_VIEW, values, user_id=user, private_metadata=form["private_metadata"]
    )
    assert "errors" not in reply.text, reply.text


async def _settled(services: Services, decided: int) -> None:
    for _ in range(500):
        cases = await usecases.list_use_cases(services)
        if sum(g["state"] == "approved" for c in cases for g in c["gates"]) >= decided:
            return
        await asyncio.sleep(0.01)


async def gates_story(
    services: Services, sender: SlackSender, slack: SlackDouble, people: list[str], clock: Any
) -> None:
    admin, proposer, legal, security, buyer, successor = people[:6]
    print("\n== Review gates: a use case moving through the gates ==")
    await gates.set_gate(services, "legal", legal, by=admin)
    await gates.set_gate(services, "security", security, sla_days=10, by=admin)
    await gates.set_gate(services, "procurement", buyer, applies_to="new_tool", by=admin)
    await tool_catalog.add_tool(
        services,
        "ChatAssist",
        uses="drafting,summarising",
        data_classes="public,internal",
        by=admin,
    )
    for gate in await gates.list_gates(services):
        print(
            f"gate {gate.name}: {gate.sla_days}-day SLA, then "
            f"{'auto-approve' if gate.on_timeout == 'approve' else 'escalate'}"
            f"{' (new tools only)' if gate.applies_to == 'new_tool' else ''}"
        )
    start = clock.now
    await _propose(sender, slack, proposer, _proposal("Supplier replies", "chatassist"))
    await _propose(
        sender,
        slack,
        proposer,
        _proposal(
            "Meeting notes for support calls",
            "__new__",
            "NoteTaker",
            description="Transcribe and summarise support calls.",
        ),
    )
    await review.tick(services)
    requests = [m for m in slack.messages_to(legal) if _button(m, ids.GATE_APPROVE)]
    print(
        f"{clock.now:%d %b}: 2 proposals via /ai-leverage propose; review DMs sent "
        f"(legal got {len(requests)}, each with Approve / Ask for changes / Reject)"
    )
    clock.now = start + timedelta(days=2)
    for message in requests:
        review_id = _button(message, ids.GATE_APPROVE)
        if review_id:
            await sender.action(ids.GATE_APPROVE, user_id=legal, value=review_id)
    buyer_dm = slack.messages_to(buyer)[-1]
    await sender.action(
        ids.GATE_APPROVE, user_id=buyer, value=_button(buyer_dm, ids.GATE_APPROVE) or ""
    )
    await _settled(services, 3)  # the clicks are acknowledged first, decided right after
    print(
        f"{clock.now:%d %b}: legal approved both (signed button clicks); procurement approved "
        "NoteTaker; security has not decided"
    )
    clock.now = start + timedelta(days=10, minutes=5)
    fired = await review.tick(services)
    again = await review.tick(services)  # a second replica, or a restart: nothing twice
    print(
        f"{clock.now:%d %b}: security's 10-day SLA passed: {len(fired.auto_approved)} reviews "
        f"auto-approved by the clock (the tick repeated: {len(again.auto_approved)} more); "
        "proposer and reviewers told"
    )
    cases = {c["name"]: c for c in await usecases.list_use_cases(services)}
    first = cases["Supplier replies"]
    clock.now = start + timedelta(days=40)
    await sender.view_submission(
        ids.PRODUCTION_VIEW,
        {
            "process_url": {
                "value": {
                    "type": "url_text_input",
                    "value": "https://wiki.example.com/ops/supplier-replies",
                }
            },
            "owners": {
                "value": {"type": "multi_users_select", "selected_users": [proposer, successor]}
            },
        },
        user_id=proposer,
        private_metadata=str(first["id"]),
    )
    clock.now = start + timedelta(days=70)
    await usecases.set_owners(services, successor, first["id"], [successor, admin])
    await usecases.record_outcome(
        services,
        successor,
        first["id"],
        first["created_at"][:4] + "Q4",
        "First replies the same day",
        "2.5 days -> 4 hours",
    )
    print(
        "Production: documented process + 2 owners; the proposer handed it over "
        "(survived rotation); outcome recorded"
    )
    print("\nleverage-bot usecases list:")
    for case in await usecases.list_use_cases(services):
        gates_text = "; ".join(f"{g['name']} {g['state']}" for g in case["gates"])
        rotation = ", survived rotation" if case["survived_rotation"] else ""
        print(f"  #{case['id']} {case['name']}: {case['state']}{rotation} ({gates_text})")
    verdict = await audit.verify(services)
    trail = await audit.export(services)
    clock_entries = [e for e in trail["entries"] if e["actor"] == "clock"]
    print(
        f"Audit trail: {verdict.entries} entries, chain {'intact' if verdict.ok else 'BROKEN'}, "
        f"{len(clock_entries)} decided or reminded by the clock; head "
        f"{json.dumps(trail['head']['hash'])[1:13]}…"
    )
    print(f"Catalog now: {', '.join(t.label for t in await tool_catalog.catalog(services))}")
    print(
        f"Slack double after the gates: {len(slack.validation_errors)} Block Kit validation errors"
    )
