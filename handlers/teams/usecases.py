"""Team use cases in Teams: the proposal form as an Adaptive Card, and the proposer's notices.

The same fields, the same validation (`bot.core.usecases.validate_proposal`) and the same tool
choice (the approved catalog, or another tool that then also goes through procurement) as the
Slack modal; errors appear under the field concerned with everything typed kept. The proposer
is the person's Teams id, so the gates' notices (a decision, the clock approving, the pilot)
come back to them in Teams. A gate's reviewer (or escalation target) may be a Teams user too:
their request is a card with the proposal and Approve / Ask for changes / Reject, decided
through the same `bot.core.review.decide` as a Slack click.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core import review, tool_catalog, usecases
from bot.core.answers import NotInDirectory, person_for
from bot.core.review import NOTICE_KINDS, OPEN_STATES, ReviewError
from bot.core.services import Services
from bot.core.usecases import LIMITS, RegistryError
from bot.core.vocabulary import DATA_CLASSES
from handlers.blocks.usecases import GATE_LABELS, NEW_TOOL, STATE_LABELS, proposal_values
from handlers.teams.cards import (
    DECIDE,
    PROPOSE,
    REVISE,
    Card,
    Element,
    card,
    execute,
    literal,
    notice_card,
    text,
)
from handlers.teams.forms import choice_input, text_input, with_errors
from storage.queries.org import person_by_chat_id

FIELDS = ("name", "team", "tool", "new_tool", "data_class", "description", "expected_outcome",
          "measurement")  # fmt: skip
INTRO = (
    "Propose a **team use case**: reviewers get a deadline (the gate's SLA); if nobody decides "
    "in time it is approved and logged. Approved tools are the fastest path."
)
REVISING = "A reviewer asked for changes. Update the proposal; the gates that asked review again."
NOT_IN_DIRECTORY = (
    "You are not in the AI Leverage directory yet, so a proposal cannot be recorded for you "
    "(nothing was stored). Ask your AI Leverage admins to add you to the people directory."
)


def proposal_card(
    catalog: list[Any], prefill: Mapping[str, Any], *, answer_id: int | None = None,
    revising: int | None = None, errors: Mapping[str, str] | None = None,
) -> Card:  # fmt: skip
    """The proposal form; `prefill` is what the person typed, or their example's words."""
    v = dict(prefill)
    tools = {t.key: t.label[:75] for t in catalog}
    tools[NEW_TOOL] = "Another tool (goes to procurement)"
    typed = str(v.get("tool") or "")
    known = v.get("tool") if v.get("tool") in tools else None
    if known is None and typed:
        known = next((t.key for t in catalog if t.label.lower() == typed.lower()), NEW_TOOL)
    new_tool = v.get("new_tool") or (typed if known == NEW_TOOL else None)
    fields: list[Element] = [
        text_input("name", "Name of the use case", LIMITS["name"], v.get("name"),
                   placeholder="e.g. Contract summaries before legal review"),
        text_input("team", "Owning team", LIMITS["team"], v.get("team")),
        choice_input("tool", "Tool (from the approved catalog, or another)", tools, known),
        text_input("new_tool", "Another tool: its name", LIMITS["tool"], new_tool,
                   required=False, placeholder="Only if it is not in the list (then procurement "
                   "reviews it too)"),
        choice_input("data_class", "Kind of data involved", DATA_CLASSES, v.get("data_class")),
        text_input("description", "What it does", LIMITS["description"], v.get("description"),
                   multiline=True),
        text_input("expected_outcome", "Expected outcome", LIMITS["expected_outcome"],
                   v.get("expected_outcome"), multiline=True),
        text_input("measurement", "How it will be measured", LIMITS["measurement"],
                   v.get("measurement"), placeholder="e.g. days from receipt to signature"),
    ]  # fmt: skip
    head = [text("Please check the highlighted fields.", color="Attention")] if errors else []
    intro = REVISING if revising else INTRO
    body = [*head, text("Team use case", weight="Bolder", size="Medium"), text(intro)]
    data = {"u": revising} if revising else ({"a": answer_id} if answer_id else {})
    action = execute("Revise" if revising else "Propose", PROPOSE, data, style="positive")
    return card([*body, *with_errors(fields, errors or {})], [action])


def _day(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%a %d %b %Y") if iso else "?"


def submitted_card(case: dict[str, Any]) -> Card:
    """What replaces the form once proposed (the Slack modal's last view, in a card)."""
    gates = ", ".join(g["name"] for g in case["gates"])
    due = max((g["due_at"] for g in case["gates"] if g["due_at"]), default=None)
    head = literal(f"✅ {case['name']} (#{case['id']})", weight="Bolder")
    if case["state"] == "in_review":
        line = (f"Proposed. Gates: {gates}. Each decides by its deadline (the last by "
                f"{_day(due)}), or it is approved automatically and logged. I'll message you "
                "here what they decide.")  # fmt: skip
    else:
        line = "No gate to pass: it starts as a pilot."
    return card([head, text(line)])


async def propose_form(services: Services, user: str, campaign_id: str | None = None) -> Card:
    """The empty form (`propose`), or one pre-filled from the person's example for
    `campaign_id` ("Make this a team use case"): their own example only."""
    try:
        await person_for(services, user)
    except NotInDirectory:
        return notice_card(NOT_IN_DIRECTORY, attention=True)
    prefill: dict[str, Any] = {}
    answer_id = None
    if campaign_id:
        prefill, answer_id = await usecases.prefill_from_answer(services, user, campaign_id)
    if not prefill.get("team"):
        prefill["team"] = await usecases.default_team(services, user) or ""
    return proposal_card(await tool_catalog.catalog(services), prefill, answer_id=answer_id)


async def revise_form(services: Services, user: str, use_case_id: int) -> Card:
    """After a gate asked for changes: the proposal as it stands, to revise."""
    case = await usecases.show(services, use_case_id)
    if case is None or not await usecases.can_manage(services, case, user):
        return notice_card("Only its proposer, owners and admins can revise this use case.")
    prefill = {name: case.get(name) for name in FIELDS if name != "new_tool"}
    return proposal_card(await tool_catalog.catalog(services), prefill, revising=use_case_id)


async def submit(services: Services, user: str, data: dict[str, Any]) -> Card:
    """Register the proposal and open its gates, or show the form again with what to fix."""
    catalog = await tool_catalog.catalog(services)
    typed = {name: str(data[name]) if data.get(name) is not None else None for name in FIELDS}
    values = proposal_values(dict(typed), catalog)
    answer, revising = data.get("a"), data.get("u")
    values["source_answer_id"] = answer if isinstance(answer, int) else None
    revising = revising if isinstance(revising, int) else None
    try:
        await person_for(services, user)
        proposal = usecases.validate_proposal(values)
        if revising is not None:
            case = await usecases.revise(services, user, revising, proposal)
        else:
            case = await usecases.propose(services, user, proposal)
    except NotInDirectory:
        return notice_card(NOT_IN_DIRECTORY, attention=True)
    except RegistryError as refused:
        problems = dict(refused.errors or {"name": str(refused)})
        if "tool" in problems and typed.get("tool") in (None, "", NEW_TOOL):
            problems["new_tool"] = problems.pop("tool")
        return proposal_card(catalog, typed, answer_id=values["source_answer_id"],
                             revising=revising, errors=problems)  # fmt: skip
    return submitted_card(case)


ASKS = ("request", "reminder", "escalated")  # the notices that ask for a decision


def review_card(
    case: dict[str, Any], review: dict[str, Any], kind: str = "request",
    error: str | None = None, reason: str | None = None,
) -> tuple[Card, str]:  # fmt: skip
    """(card, summary) asking a Teams reviewer to decide: the proposal, then the buttons. The
    reason box serves Ask for changes and Reject (the core refuses them without one)."""
    name, gate = case["name"], review["name"]
    if kind == "escalated":
        line = f"Nobody decided the **{gate}** gate within its SLA, so it is yours to decide."
    else:
        then = ("then it goes to the person named for escalations" if review.get("escalate_to")
                else "then it is approved automatically and logged")  # fmt: skip
        line = f"The **{gate}** gate decides by **{_day(review['due_at'])}**; {then}."
    head = {"request": "Review requested", "reminder": "Reminder: your decision is needed",
            "escalated": "Escalated to you"}.get(kind, "Review requested")  # fmt: skip
    facts = [("Team", case["team"]), ("Tool", case["tool"]),
             ("Data", DATA_CLASSES.get(case["data_class"], case["data_class"])),
             ("What it does", case["description"]),
             ("Expected outcome", case["expected_outcome"]),
             ("Measured by", case["measurement"])]  # fmt: skip
    body: list[Element] = [
        *([text(error, color="Attention")] if error else []),
        text(head, weight="Bolder", size="Medium"),
        literal(f"{name} (#{case['id']})", weight="Bolder"),
        text(line),
    ]
    for label, value in facts:
        body += [text(label, size="Small", isSubtle=True, spacing="Small"),
                 {**literal(str(value or "")), "spacing": "None"}]  # fmt: skip
    body.append(text_input("reason", "Reason (needed to ask for changes or reject)", 1000,
                           reason, multiline=True, required=False))  # fmt: skip
    data = {"r": review["review_id"]}
    actions = [execute("Approve", DECIDE, {**data, "d": "approve"}, style="positive"),
               execute("Ask for changes", DECIDE, {**data, "d": "changes"}),
               execute("Reject", DECIDE, {**data, "d": "reject"}, style="destructive")]  # fmt: skip
    return card(body, actions), f"{head}: {name} ({gate} gate)"[:200]


def decided_card(case: dict[str, Any], review: dict[str, Any], decider: str | None,
                 already: bool) -> Card:  # fmt: skip
    """What replaces a reviewer's card once the gate is decided (by them, or first by someone
    else or the clock)."""
    state = GATE_LABELS.get(review["state"], review["state"])
    by = "the clock" if review.get("decided_by") == "clock" else (decider or "a reviewer")
    line = f"**{review['name']}** gate: {state} by {by}."
    body: list[Element] = [literal(f"{case['name']} (#{case['id']})", weight="Bolder"),
                           text(f"Already decided: {line}" if already else line)]  # fmt: skip
    if review.get("reason"):
        body += [text("The reason:", size="Small", isSubtle=True),
                 {**literal(review["reason"]), "spacing": "Small"}]  # fmt: skip
    return card(body)


async def _name_of(services: Services, chat_id: str | None) -> str | None:
    if not chat_id or chat_id == review.CLOCK:
        return None
    async with services.db.session() as session:
        person = await person_by_chat_id(session, chat_id)
    return person.name if person else None


async def decide(services: Services, user: str, data: dict[str, Any]) -> Card:
    """A Teams reviewer's Approve / Ask for changes / Reject, from the card's buttons."""
    review_id, decision = data.get("r"), str(data.get("d") or "")
    reason = str(data.get("reason") or "")
    found = await review.review_by_id(services, review_id) if isinstance(review_id, int) else None
    if found is None:
        return notice_card("That review no longer exists.", attention=True)
    case = await usecases.show(services, found.use_case_id)
    if case is None:
        return notice_card("A use case was removed.")
    try:
        outcome = await review.decide(services, found.id or 0, user, decision, reason)
    except ReviewError as refusal:
        current = next(r for r in case["reviews"] if r["review_id"] == found.id)
        if current["state"] not in OPEN_STATES:
            return notice_card(str(refusal))
        kind = "escalated" if current["state"] == "escalated" else "request"
        return review_card(case, current, kind, error=str(refusal), reason=reason)[0]
    shown = await usecases.show(services, found.use_case_id) or case
    decided = next(r for r in shown["reviews"] if r["review_id"] == found.id)
    decider = await _name_of(services, decided.get("decided_by"))
    return decided_card(shown, decided, decider, outcome.already)


def gate_notice_card(kind: str, case: dict[str, Any] | None, review: dict[str, Any] | None,
                     reviewer: str | None = None) -> tuple[Card, str]:  # fmt: skip
    """(card, summary) of a gate notice in Teams: the same news as Slack's, and for a Teams
    reviewer the request itself with its buttons."""
    if case is None:
        return notice_card("A use case was removed."), "A use case was removed."
    if kind in ASKS and review and review["state"] in OPEN_STATES:
        return review_card(case, review, kind)
    name, gate = case["name"], (review or {}).get("name", "")
    if kind == "auto_approved" and review:
        sla = f"{review.get('sla_days') or '?'}-day"
        line = (f"Nobody decided the **{gate}** gate within its {sla} SLA, so it was approved "
                "automatically. This is logged in the audit trail.")  # fmt: skip
    elif kind == "escalated_info" and review:
        line = (f"The **{gate}** gate passed its SLA without a decision; it went to the "
                "person named for escalations to decide.")  # fmt: skip
    elif kind == "decision" and review:
        verb = {"approved": "approved", "changes_requested": "asked for changes to",
                "rejected": "rejected"}.get(review["state"], review["state"])  # fmt: skip
        line = f"{reviewer or 'A reviewer'} {verb} it at the **{gate}** gate."
    elif kind == "pilot":
        line = ("Every gate passed: it is now a **pilot**. Once it runs in a documented process "
                "with at least two owners, it can move to production.")  # fmt: skip
    elif kind in NOTICE_KINDS and review:
        line = f"The **{gate}** gate needs a decision; reviewers decide in Slack."
    else:
        line = f"Now: {STATE_LABELS.get(case['state'], case['state'])}."
    body: list[Element] = [literal(f"{name} (#{case['id']})", weight="Bolder"), text(line)]
    if kind == "decision" and review and review.get("reason"):
        body += [text("Their reason:", size="Small", isSubtle=True),
                 {**literal(review["reason"]), "spacing": "Small"}]  # fmt: skip
    asked = kind == "decision" and review is not None and review["state"] == "changes_requested"
    actions = [execute("Revise proposal", REVISE, {"u": case["id"]})] if asked else []
    return card(body, actions), f"{name}: {line.replace('**', '')}"[:200]


async def render_gate_notice(services: Services, message: Any) -> tuple[Card, str]:
    """The Teams messenger's rendering of a `GateMessage`, from the use case's current state."""
    case = await usecases.show(services, message.use_case_id)
    found = None
    if case is not None:
        found = next((r for r in case["reviews"] if r["review_id"] == message.review_id), None)
    reviewer = None
    if found and found.get("decided_by"):
        async with services.db.session() as session:
            person = await person_by_chat_id(session, str(found["decided_by"]))
        reviewer = person.name if person else None
    return gate_notice_card(message.kind, case, found, reviewer)
