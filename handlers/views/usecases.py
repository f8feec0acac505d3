"""Submissions of the registry's modals: proposal, reason, production, outcome, retire, tool.

Every refusal is a `response_action: errors` on the input concerned, so the modal stays open
with what the person typed.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.core import review, tool_catalog, usecases
from bot.core.review import ReviewError
from bot.core.usecases import RegistryError
from bot.slack.errors import DATABASE_DOWN, is_database_error
from handlers import ids
from handlers.actions.usecases import update_reviewer_dms
from handlers.blocks import usecases as blocks
from handlers.context import services_of
from handlers.failure import Listener

logger = logging.getLogger("leverage.handlers.usecases")
MAX_ERROR_CHARS = 150


def _errors(errors: dict[str, str]) -> dict[str, Any]:
    return {
        "response_action": "errors",
        "errors": {block: message[:MAX_ERROR_CHARS] for block, message in errors.items()},
    }


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def _refusal(error: Exception, first_block: str) -> dict[str, str]:
    if isinstance(error, RegistryError):
        return error.errors or {first_block: str(error)}
    if isinstance(error, (ReviewError, tool_catalog.CatalogError)):
        return {first_block: str(error)}
    if not is_database_error(error):
        raise error
    logger.error("saving to the registry failed: %s", type(error).__name__)
    return {first_block: DATABASE_DOWN}


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _case_id(view: dict[str, Any]) -> int:
    raw = str(view.get("private_metadata") or "")
    return int(raw) if raw.isdigit() else 0


async def submit_proposal(
    ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any
) -> None:
    services = services_of(context)
    meta = _metadata(view)
    catalog = await tool_catalog.catalog(services)
    values = blocks.proposal_values(blocks.form_values(view["state"]["values"]), catalog)
    values["source_answer_id"] = meta.get("a")
    try:
        proposal = usecases.validate_proposal(values)
        if isinstance(meta.get("u"), int):
            case = await usecases.revise(services, _user(body), meta["u"], proposal)
        else:
            case = await usecases.propose(services, _user(body), proposal)
    except Exception as error:
        problems = _refusal(error, "name")
        if "tool" in problems:
            problems.setdefault("new_tool", problems.pop("tool"))
        await ack(**_errors(problems))
        return
    await ack(response_action="update", view=blocks.submitted_view(case))


async def submit_reason(
    ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any, context: Any
) -> None:
    services = services_of(context)
    review_id, _, decision = str(view.get("private_metadata") or "").partition(":")
    reason = blocks.form_values(view["state"]["values"]).get("reason")
    try:
        outcome = await review.decide(services, int(review_id or 0), _user(body), decision, reason)
    except Exception as error:
        await ack(**_errors(_refusal(error, "reason")))
        return
    shown = blocks.decided_blocks(outcome.review, _user(body), outcome.already)
    await ack(
        response_action="update",
        view=blocks.done_view(
            "Sent to the proposer, with your reason."
            if not outcome.already
            else "Already decided before your reason arrived; nothing changed."
        ),
    )
    if not outcome.already:
        await update_reviewer_dms(client, services, outcome.review.id or 0, shown)


async def submit_production(
    ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any
) -> None:
    services = services_of(context)
    values = blocks.form_values(view["state"]["values"])
    try:
        case = await usecases.move_to_production(
            services,
            _user(body),
            _case_id(view),
            values.get("process_url") or "",
            values.get("owners") or [],
        )
    except Exception as error:
        await ack(**_errors(_refusal(error, "process_url")))
        return
    note = " It has survived rotation." if case["survived_rotation"] else ""
    await ack(
        response_action="update",
        view=blocks.done_view(
            f":rocket: *{blocks.escape(case['name'])}* is in production with "
            f"{len(case['owners'])} owners.{note}"
        ),
    )


async def submit_outcome(
    ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any
) -> None:
    services = services_of(context)
    values = blocks.form_values(view["state"]["values"])
    try:
        case = await usecases.record_outcome(
            services,
            _user(body),
            _case_id(view),
            values.get("quarter") or "",
            values.get("summary") or "",
            values.get("metric"),
        )
    except Exception as error:
        await ack(**_errors(_refusal(error, "summary")))
        return
    await ack(
        response_action="update",
        view=blocks.done_view(f"Outcome recorded for *{blocks.escape(case['name'])}*."),
    )


async def submit_retire(ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    services = services_of(context)
    reason = blocks.form_values(view["state"]["values"]).get("reason") or ""
    try:
        case = await usecases.retire(services, _user(body), _case_id(view), reason)
    except Exception as error:
        await ack(**_errors(_refusal(error, "reason")))
        return
    await ack(
        response_action="update",
        view=blocks.done_view(f"*{blocks.escape(case['name'])}* is retired."),
    )


async def submit_tool_request(
    ack: Any, body: dict[str, Any], view: dict[str, Any], context: Any
) -> None:
    services = services_of(context)
    values = blocks.form_values(view["state"]["values"])
    try:
        request = await tool_catalog.request_tool(
            services,
            _user(body),
            values.get("tool") or "",
            why=values.get("why") or "",
            data_class=values.get("data_class") or "internal",
        )
    except Exception as error:
        await ack(**_errors(_refusal(error, "tool")))
        return
    gates = ", ".join(g["name"] for g in request["gates"]) or "no gate: approved"
    await ack(
        response_action="update",
        view=blocks.done_view(
            f"Procurement request #{request['id']} for *{blocks.escape(request['tool'])}* is "
            f"open ({gates}). I'll DM you what the gates decide."
        ),
    )


USECASE_VIEWS: dict[str, Listener] = {
    ids.PROPOSE_VIEW: submit_proposal,
    ids.REASON_VIEW: submit_reason,
    ids.PRODUCTION_VIEW: submit_production,
    ids.OUTCOME_VIEW: submit_outcome,
    ids.RETIRE_VIEW: submit_retire,
    ids.TOOL_REQUEST_VIEW: submit_tool_request,
}
