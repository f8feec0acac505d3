"""Block Kit for the use-case registry: the proposal form, reviewers' DMs, the lifecycle forms,
the use-case card and the registry list. Block ids double as the core's field names, so the
core's validation errors land on the right input.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UrlInputElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.core.quarters import quarter_label
from bot.core.routing import TEAMS, platform_of_user
from bot.core.vocabulary import DATA_CLASSES
from handlers import ids

ACTION = "value"
NEW_TOOL = "__new__"
STATE_LABELS = {
    "proposed": "Proposed",
    "in_review": "In review",
    "pilot": "Pilot",
    "production": "In production",
    "retired": "Retired",
    "approved": "Approved",
    "rejected": "Rejected",
}
GATE_LABELS = {
    "pending": ":hourglass_flowing_sand: waiting",
    "approved": ":white_check_mark: approved",
    "changes_requested": ":pencil2: changes asked",
    "rejected": ":no_entry: rejected",
    "auto_approved": ":alarm_clock: auto-approved (SLA passed)",
    "escalated": ":arrow_up: escalated",
}
MAX_OPTIONS = 99
MAX_LISTED = 40


def escape(text: str | None) -> str:
    """People's words are shown, never interpreted: no @channel pings, no fake links."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _day(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%a %d %b %Y") if iso else "?"


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text[:3000])


def _input(
    name: str,
    label: str,
    cap: int,
    value: str | None = None,
    *,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> InputBlock:
    element = PlainTextInputElement(
        action_id=ACTION,
        multiline=multiline,
        max_length=cap,
        initial_value=value or None,
        placeholder=placeholder,
    )
    return InputBlock(block_id=name, label=label, element=element, optional=optional, hint=hint)


def _select(
    name: str,
    label: str,
    options: list[Option],
    initial: str | None = None,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    kwargs: dict[str, Any] = {"action_id": ACTION, "options": options, "placeholder": "Choose"}
    chosen = next((o for o in options if o.value == initial), None)
    if chosen is not None:
        kwargs["initial_option"] = chosen
    return InputBlock(
        block_id=name,
        label=label,
        element=StaticSelectElement(**kwargs),
        optional=optional,
        hint=hint,
    )


# --- the proposal form -------------------------------------------------------------------


def propose_view(
    catalog: list[Any], prefill: dict[str, Any], metadata: dict[str, Any], *, revising: bool = False
) -> View:
    """The proposal modal; `catalog` offers approved tools, anything else goes to procurement."""
    tools = [Option(value=t.key, label=t.label[:75]) for t in catalog[:MAX_OPTIONS]]
    tools.append(Option(value=NEW_TOOL, label="Another tool (goes to procurement)"))
    tool = prefill.get("tool") or ""
    known = next((t.key for t in catalog if t.label.lower() == tool.lower()), None)
    intro = (
        "Propose a *team use case*: reviewers get a deadline (the gate's SLA); if nobody "
        "decides in time it is approved and logged. Approved tools are the fastest path."
    )
    if revising:
        intro = (
            "A reviewer asked for changes. Update the proposal; the gates that asked review again."
        )
    blocks: list[Block] = [
        SectionBlock(text=_md(intro)),
        _input(
            "name",
            "Name of the use case",
            200,
            prefill.get("name"),
            placeholder="e.g. Contract summaries before legal review",
        ),
        _input("team", "Owning team", 200, prefill.get("team")),
        _select(
            "tool",
            "Tool",
            tools,
            known or (NEW_TOOL if tool else None),
            hint="From the approved catalog, or another tool.",
        ),
        _input(
            "new_tool",
            "Another tool: its name",
            200,
            None if known else tool or None,
            optional=True,
            hint="Only if it is not in the list: it then also goes through the procurement gate.",
        ),
        _select(
            "data_class",
            "Kind of data involved",
            [Option(value=k, label=v) for k, v in DATA_CLASSES.items()],
            prefill.get("data_class"),
        ),
        _input("description", "What it does", 3000, prefill.get("description"), multiline=True),
        _input(
            "expected_outcome",
            "Expected outcome",
            1000,
            prefill.get("expected_outcome"),
            multiline=True,
        ),
        _input(
            "measurement",
            "How it will be measured",
            1000,
            prefill.get("measurement"),
            placeholder="e.g. days from receipt to signature",
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.PROPOSE_VIEW,
        title="Team use case",
        submit="Revise" if revising else "Propose",
        close="Cancel",
        blocks=blocks,
        private_metadata=json.dumps(metadata),
    )


def _state_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        return (element.get("selected_option") or {}).get("value")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    return element.get("value")


def form_values(state_values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block_id, actions in (state_values or {}).items():
        element: dict[str, Any] = (actions or {}).get(ACTION) or next(
            iter((actions or {}).values()), {}
        )
        out[block_id] = _state_value(element or {})
    return out


def proposal_values(values: dict[str, Any], catalog: list[Any]) -> dict[str, Any]:
    """The form's tool choice resolved to a name: a catalog label, or the new tool typed."""
    chosen = values.get("tool")
    typed = (values.get("new_tool") or "").strip()
    labels = {t.key: t.label for t in catalog}
    values["tool"] = typed if chosen in (None, NEW_TOOL) else labels.get(chosen, typed)
    return values


def submitted_view(case: dict[str, Any]) -> View:
    gates = ", ".join(g["name"] for g in case["gates"])
    due = max((g["due_at"] for g in case["gates"] if g["due_at"]), default=None)
    if case["state"] == "in_review":
        text = (
            f":white_check_mark: *{escape(case['name'])}* is proposed (#{case['id']}). "
            f"Gates: {gates}. Each decides by its deadline (the last by {_day(due)}), or it is "
            "approved automatically and logged. I'll DM you what they decide."
        )
    else:
        text = (
            f":white_check_mark: *{escape(case['name'])}* (#{case['id']}) has no gate to "
            "pass: it starts as a pilot."
        )
    return View(
        type="modal",
        callback_id=ids.PROPOSE_VIEW + "_done",
        title="Team use case",
        close="Close",
        blocks=[SectionBlock(text=_md(text))],
    )


# --- reviewers' DMs and the proposer's notices -------------------------------------------


def _who(case: dict[str, Any], user_id: str) -> str:
    """A Slack mention, or a Teams user's name from the directory (they have no Slack id)."""
    name = (case.get("teams_names") or {}).get(user_id)
    return f"{escape(name)} (Teams)" if name else mention(user_id)


def mention(user_id: str) -> str:
    """A Slack mention; a Teams user (an Entra object id) is never shown as a raw id."""
    return "a reviewer in Teams" if platform_of_user(user_id) == TEAMS else f"<@{user_id}>"


def _proposal_fields(case: dict[str, Any]) -> list[Block]:
    tool = escape(case["tool"]) + (" _(not in the catalog)_" if case["new_tool"] else "")
    fields = [
        _md(f"*Team*\n{escape(case['team'])}"),
        _md(f"*Proposed by*\n{_who(case, case['proposer'])}"),
        _md(f"*Tool*\n{tool}"),
        _md(f"*Data*\n{DATA_CLASSES.get(case['data_class'], case['data_class'])}"),
    ]
    return [
        SectionBlock(fields=fields),
        SectionBlock(text=_md(f"*What it does*\n{escape(case['description'])}")),
        SectionBlock(
            text=_md(
                f"*Expected outcome*\n{escape(case['expected_outcome'])}\n"
                f"*Measured by*\n{escape(case['measurement'])}"
            )
        ),
    ]


def decision_buttons(review_id: int) -> ActionsBlock:
    value = str(review_id)
    return ActionsBlock(
        block_id=f"gate_decide_{review_id}",
        elements=[
            ButtonElement(
                text="Approve",
                action_id=ids.GATE_APPROVE,
                value=value,
                style="primary",
                confirm=ConfirmObject(
                    title="Approve?",
                    text="This gate approves the proposal; it is logged.",
                    confirm="Approve",
                    deny="Back",
                ),
            ),
            ButtonElement(text="Ask for changes", action_id=ids.GATE_CHANGES, value=value),
            ButtonElement(text="Reject", action_id=ids.GATE_REJECT, value=value, style="danger"),
        ],
    )


def _timeout_words(case: dict[str, Any], review: dict[str, Any]) -> str:
    if review.get("escalate_to"):
        return f"then it goes to {_who(case, review['escalate_to'])}"
    return "then it is approved automatically and logged"


def notice(
    kind: str, case: dict[str, Any], review: dict[str, Any] | None
) -> tuple[str, list[Block]]:
    """(fallback text, blocks) for one gate notice; see `bot.core.review.NOTICE_KINDS`."""
    name = escape(case["name"])
    gate = review["name"] if review else ""
    who = (
        _who(case, review["decided_by"]) if review and review.get("decided_by") else "The reviewer"
    )
    if kind in ("request", "reminder", "escalated") and review:
        heads = {
            "request": f"Review requested: {case['name']}",
            "reminder": f"Reminder: {case['name']} needs your decision",
            "escalated": f"Escalated to you: {case['name']}",
        }
        then = _timeout_words(case, review)
        due = (
            f"The *{gate}* gate decides by *{_day(review['due_at'])}*; {then}."
            if kind != "escalated"
            else f"Nobody decided the *{gate}* gate within its SLA, so it is yours to decide."
        )
        blocks: list[Block] = [
            HeaderBlock(text=heads[kind][:150]),
            SectionBlock(text=_md(due)),
            *_proposal_fields(case),
            decision_buttons(review["review_id"]),
            ContextBlock(
                elements=[
                    _md(
                        "A reason is required to ask for "
                        "changes or reject. Every decision is in the audit trail."
                    )
                ]
            ),
        ]
        return heads[kind], blocks
    if kind == "auto_approved" and review:
        text = (
            f":alarm_clock: *{name}*: nobody decided the *{gate}* gate within its "
            f"{review_sla(review)} SLA, so it was approved automatically. This is logged "
            "in the audit trail."
        )
    elif kind == "escalated_info" and review:
        text = (
            f":arrow_up: *{name}*: the *{gate}* gate passed its SLA without a decision; "
            f"it went to {_who(case, review['escalate_to'])} to decide."
        )
    elif kind == "decision" and review:
        text = _decision_text(name, gate, who, review)
    elif kind == "pilot":
        text = (
            f":rocket: Every gate passed: *{name}* is now a *pilot* (#{case['id']}). Once it "
            "runs in a documented process with at least two owners, move it to production."
        )
    else:
        text = f"*{name}*: {STATE_LABELS.get(case['state'], case['state'])}."
    blocks = [SectionBlock(text=_md(text))]
    asked = kind == "decision" and review is not None and review["state"] == "changes_requested"
    buttons = manage_buttons(case, can_manage=True) if asked or kind == "pilot" else None
    if buttons is not None:
        blocks.append(buttons)
    return text.replace("*", ""), blocks


def review_sla(review: dict[str, Any]) -> str:
    return f"{review.get('sla_days') or '?'}-day"


def _decision_text(name: str, gate: str, who: str, review: dict[str, Any]) -> str:
    reason = f"\n>{escape(review.get('reason'))}" if review.get("reason") else ""
    if review["state"] == "approved":
        return f":white_check_mark: {who} approved *{name}* at the *{gate}* gate."
    if review["state"] == "changes_requested":
        return f":pencil2: {who} asked for changes to *{name}* at the *{gate}* gate:{reason}"
    return f":no_entry: {who} rejected *{name}* at the *{gate}* gate:{reason}"


def decided_blocks(review: Any, actor: str, already: bool) -> list[Block]:
    """A reviewer's DM once the gate is decided (by them, someone else or the clock)."""
    state = GATE_LABELS.get(review.state, review.state)
    by = "the clock" if review.decided_by == "clock" else mention(review.decided_by)
    text = f"*{review.gate}* gate: {state} by {by}."
    if already:
        text = f"Already decided: {text}"
    if review.reason:
        text += f"\n>{escape(review.reason)}"
    return [SectionBlock(text=_md(text))]


def reason_view(review_id: int, decision: str, case_name: str) -> View:
    title = "Ask for changes" if decision == "changes" else "Reject"
    label = "What should change?" if decision == "changes" else "Why is it rejected?"
    return View(
        type="modal",
        callback_id=ids.REASON_VIEW,
        title=title,
        submit="Send",
        close="Cancel",
        private_metadata=f"{review_id}:{decision}",
        blocks=[
            SectionBlock(text=_md(f"*{escape(case_name)}*: the proposer sees your reason.")),
            _input("reason", label, 1000, multiline=True),
        ],
    )


# --- the lifecycle -----------------------------------------------------------------------


def manage_buttons(case: dict[str, Any], *, can_manage: bool) -> ActionsBlock | None:
    if not can_manage:
        return None
    value = str(case["id"])
    state = case["state"]
    buttons = []
    if state == "in_review" and any(g["state"] == "changes_requested" for g in case["gates"]):
        buttons.append(
            ButtonElement(
                text="Revise proposal", action_id=ids.USECASE_REVISE, value=value, style="primary"
            )
        )
    if state == "pilot":
        buttons.append(
            ButtonElement(
                text="Move to production",
                action_id=ids.USECASE_PRODUCTION,
                value=value,
                style="primary",
            )
        )
    if state == "production":
        buttons.append(
            ButtonElement(text="Owners & process", action_id=ids.USECASE_PRODUCTION, value=value)
        )
    if state in ("pilot", "production"):
        buttons.append(
            ButtonElement(text="Record an outcome", action_id=ids.USECASE_OUTCOME, value=value)
        )
    if state in ("proposed", "in_review", "pilot", "production"):
        buttons.append(ButtonElement(text="Retire", action_id=ids.USECASE_RETIRE, value=value))
    return ActionsBlock(block_id=f"usecase_{value}", elements=buttons) if buttons else None


def _gates_line(case: dict[str, Any]) -> str:
    parts = []
    for g in case["gates"]:
        state = GATE_LABELS.get(g["state"], g["state"])
        extra = f", due {_day(g['due_at'])}" if g["state"] == "pending" else ""
        parts.append(f"{g['name']}: {state}{extra}")
    return "; ".join(parts) or "no gates"


def card_blocks(case: dict[str, Any], *, can_manage: bool) -> list[Block]:
    state = STATE_LABELS.get(case["state"], case["state"])
    lines = [f"*#{case['id']} {escape(case['name'])}* · {state}", f"Gates: {_gates_line(case)}"]
    if case["owners"]:
        lines.append("Owners: " + ", ".join(_who(case, o) for o in case["owners"]))
    if case["process_url"]:
        lines.append(f"Documented process: <{case['process_url']}|link>")
    if case["survived_rotation"]:
        lines.append(":recycle: Survived rotation: it runs without the person who proposed it.")
    if case["retired_reason"]:
        lines.append(f"Retired: {escape(case['retired_reason'])}")
    for outcome in case["outcomes"][-4:]:
        metric = f" ({escape(outcome['metric'])})" if outcome["metric"] else ""
        lines.append(f"{quarter_label(outcome['quarter'])}: {escape(outcome['summary'])}{metric}")
    blocks: list[Block] = [SectionBlock(text=_md("\n".join(lines))), *_proposal_fields(case)]
    buttons = manage_buttons(case, can_manage=can_manage)
    if buttons is not None:
        blocks.append(buttons)
    return blocks


def _case_modal(
    case: dict[str, Any], callback_id: str, title: str, submit: str, blocks: list[Block]
) -> View:
    """A modal about one use case: the case id travels in private_metadata."""
    return View(
        type="modal", callback_id=callback_id, private_metadata=str(case["id"]), title=title,
        submit=submit, close="Cancel", blocks=blocks,
    )  # fmt: skip


def production_view(case: dict[str, Any]) -> View:
    moving = case["state"] == "pilot"
    intro = (
        "In production means it runs in a *documented process* with *at least two owners*, so it "
        "does not depend on one person. If you hand it over and leave the owners, it has "
        "survived rotation: the best evidence of maturity there is."
    )
    owners = UserMultiSelectElement(
        action_id=ACTION, initial_users=case["owners"] or None, placeholder="At least two people"
    )
    return _case_modal(
        case,
        ids.PRODUCTION_VIEW,
        "Production" if moving else "Owners & process",
        "Move to production" if moving else "Save",
        [
            SectionBlock(text=_md(f"*{escape(case['name'])}*\n{intro}")),
            InputBlock(
                block_id="process_url",
                label="Link to the documented process",
                element=UrlInputElement(
                    action_id=ACTION, initial_value=case["process_url"] or None
                ),
            ),
            InputBlock(block_id="owners", label="Owners", element=owners),
        ],
    )


def outcome_view(case: dict[str, Any], quarters: list[str]) -> View:
    options = [Option(value=q, label=quarter_label(q)) for q in quarters]
    return _case_modal(
        case,
        ids.OUTCOME_VIEW,
        "Record an outcome",
        "Save",
        [
            SectionBlock(
                text=_md(
                    f"*{escape(case['name'])}*: what did it achieve? "
                    f"(Measured by: {escape(case['measurement'])})"
                )
            ),
            _select("quarter", "Quarter", options, quarters[0] if quarters else None),
            _input("summary", "What it achieved", 1000, multiline=True),
            _input(
                "metric",
                "The measurement",
                300,
                optional=True,
                placeholder="e.g. 7 days -> 1 day",
            ),
        ],
    )


def retire_view(case: dict[str, Any]) -> View:
    return _case_modal(
        case,
        ids.RETIRE_VIEW,
        "Retire use case",
        "Retire",
        [
            SectionBlock(text=_md(f"*{escape(case['name'])}* will be retired.")),
            _input("reason", "Why?", 1000, multiline=True),
        ],
    )


def done_view(text: str) -> View:
    return View(
        type="modal", title="Team use case", close="Close", blocks=[SectionBlock(text=_md(text))]
    )


# --- the registry list -------------------------------------------------------------------


def registry_blocks(cases: list[dict[str, Any]], summary: list[str]) -> list[Block]:
    """`/ai-stage usecases`: the registry, newest first, and what it says about the stage."""
    blocks: list[Block] = [HeaderBlock(text="Team AI use cases")]
    if summary:
        blocks.append(SectionBlock(text=_md("\n".join(summary))))
    if not cases:
        blocks.append(
            SectionBlock(text=_md("No use cases yet. `/ai-leverage propose` starts one."))
        )
        return blocks
    blocks.append(DividerBlock())
    for case in list(reversed(cases))[:MAX_LISTED]:
        state = STATE_LABELS.get(case["state"], case["state"])
        rotation = " · :recycle: survived rotation" if case["survived_rotation"] else ""
        text = (
            f"*#{case['id']} {escape(case['name'])}* · {escape(case['team'])} · {state}"
            f"{rotation}\n{_gates_line(case)}"
        )
        blocks.append(SectionBlock(text=_md(text)))
    blocks.append(
        ContextBlock(
            elements=[_md("`/ai-leverage usecase ID` shows one, with its buttons for owners.")]
        )
    )
    return blocks[:50]


def tool_request_view(tool: str = "") -> View:
    """ "Request a tool": a procurement request that goes through the gates for new tools."""
    return View(
        type="modal",
        callback_id=ids.TOOL_REQUEST_VIEW,
        title="Request a tool",
        submit="Request",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=_md(
                    "A tool outside the approved catalog goes through the "
                    "*procurement gate*, which has a deadline like every gate."
                )
            ),
            _input("tool", "Which tool?", 200, tool or None),
            _input("why", "What would you use it for?", 1000, multiline=True),
            _select(
                "data_class",
                "The most sensitive data it would touch",
                [Option(value=k, label=v) for k, v in DATA_CLASSES.items()],
                "internal",
            ),
        ],
    )


async def render_gate_notice(services: Any, message: Any) -> tuple[str, list[Any]]:
    """The messenger's rendering of a `GateMessage`, from the use case's current state."""
    from bot.core.usecases import show

    case = await show(services, message.use_case_id)
    if case is None:
        return "A use case was removed.", [SectionBlock(text="A use case was removed.")]
    found = next((r for r in case["reviews"] if r["review_id"] == message.review_id), None)
    return notice(message.kind, case, found)
