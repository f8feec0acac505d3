"""Buttons of the registry: reviewers' decisions, "Make this a team use case", the lifecycle.

Each listener acks first. Approve decides at once (the button has a confirmation); Ask for
changes and Reject open a modal because a reason is required. Opening a modal must happen
while the click's trigger is alive, so the only work before `views.open` is a small lookup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.core import quarters, review, tool_catalog, usecases
from bot.core.review import ReviewError
from handlers import ids
from handlers.blocks import usecases as blocks
from handlers.context import services_of
from handlers.failure import Listener

logger = logging.getLogger("leverage.handlers.usecases")

EXPIRED = "Sorry, Slack would not open the form (the click took too long). Please click again."
GONE = "That use case does not exist any more."


async def _say(respond: Any, text: str) -> None:
    await respond(response_type="ephemeral", replace_original=False, text=text)


def _value(body: dict[str, Any]) -> str:
    return str(((body.get("actions") or [{}])[0]).get("value") or "")[:200]


def _int_value(body: dict[str, Any]) -> int | None:
    value = _value(body)
    return int(value) if value.isdigit() else None


async def open_view(client: Any, body: dict[str, Any], view: Any, respond: Any) -> bool:
    """Open a modal, or push it when the click came from inside one."""
    container = (body.get("container") or {}).get("type")
    try:
        if container == "view":
            await client.views_push(trigger_id=body.get("trigger_id"), view=view)
        else:
            await client.views_open(trigger_id=body.get("trigger_id"), view=view)
    except SlackApiError as error:
        logger.info("views.open refused: %s", error.response.get("error"))
        await _say(respond, EXPIRED)
        return False
    return True


async def open_propose(
    client: Any,
    services: Any,
    user_id: str,
    body: dict[str, Any],
    respond: Any,
    prefill: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    *,
    revising: bool = False,
) -> bool:
    catalog = await tool_catalog.catalog(services)
    prefill = dict(prefill or {})
    if not prefill.get("team"):
        prefill["team"] = await usecases.default_team(services, user_id) or ""
    view = blocks.propose_view(catalog, prefill, metadata or {}, revising=revising)
    return await open_view(client, body, view, respond)


async def propose_from_answer(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    """ "Make this a team use case" under a submitted example: the form, pre-filled from it."""
    await ack()
    services = services_of(context)
    user_id = body["user"]["id"]
    prefill, answer_id = await usecases.prefill_from_answer(services, user_id, _value(body))
    await open_propose(client, services, user_id, body, respond, prefill, {"a": answer_id})


async def _decide(
    body: dict[str, Any],
    client: Any,
    context: Any,
    respond: Any,
    decision: str,
    reason: str | None = None,
) -> None:
    services = services_of(context)
    user_id = body["user"]["id"]
    review_id = _int_value(body)
    if review_id is None:
        return
    try:
        outcome = await review.decide(services, review_id, user_id, decision, reason)
    except ReviewError as refusal:
        escalated = getattr(refusal, "escalated_to", None)
        await _say(
            respond,
            f"The SLA passed, so this gate went to <@{escalated}>: only they can decide it now."
            if escalated
            else str(refusal),
        )
        return
    shown = blocks.decided_blocks(outcome.review, user_id, outcome.already)
    await respond(replace_original=True, text="Decided.", blocks=shown)
    if not outcome.already:
        await update_reviewer_dms(client, services, review_id, shown)


async def update_reviewer_dms(client: Any, services: Any, review_id: int, shown: list[Any]) -> None:
    """The other reviewers' DMs lose their buttons once the gate is decided."""
    for channel, ts in await review.reviewer_messages(services, review_id):
        try:
            await client.chat_update(channel=channel, ts=ts, text="Decided.", blocks=shown)
        except SlackApiError as error:
            logger.info("could not update a reviewer DM: %s", error.response.get("error"))


async def gate_approve(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    await ack()
    await _decide(body, client, context, respond, "approve")


async def _open_reason(
    body: dict[str, Any], client: Any, context: Any, respond: Any, decision: str
) -> None:
    services = services_of(context)
    review_id = _int_value(body)
    found = await review.review_by_id(services, review_id or 0)
    if found is None:
        await _say(respond, GONE)
        return
    if found.state not in review.OPEN_STATES:
        shown = blocks.decided_blocks(found, body["user"]["id"], already=True)
        await respond(replace_original=True, text="Already decided.", blocks=shown)
        return
    case = await usecases.show(services, found.use_case_id) or {"name": ""}
    await open_view(
        client, body, blocks.reason_view(found.id or 0, decision, case["name"]), respond
    )


async def gate_changes(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    await ack()
    await _open_reason(body, client, context, respond, "changes")


async def gate_reject(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    await ack()
    await _open_reason(body, client, context, respond, "reject")


async def _managed_case(
    body: dict[str, Any], context: Any, respond: Any
) -> tuple[Any, dict[str, Any]] | None:
    services = services_of(context)
    case = await usecases.show(services, _int_value(body) or 0)
    if case is None:
        await _say(respond, GONE)
        return None
    if not await usecases.can_manage(services, case, body["user"]["id"]):
        await _say(respond, "Only the use case's owners (or an admin) can change it.")
        return None
    return services, case


async def usecase_revise(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    await ack()
    found = await _managed_case(body, context, respond)
    if found is None:
        return
    services, case = found
    await open_propose(
        client, services, body["user"]["id"], body, respond, case, {"u": case["id"]}, revising=True
    )


async def _open_case_modal(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any,
    build: Callable[[Any, dict[str, Any]], View],
) -> None:  # fmt: skip
    """A button that opens a modal about a use case its owners (or an admin) may change."""
    await ack()
    found = await _managed_case(body, context, respond)
    if found is not None:
        await open_view(client, body, build(*found), respond)


async def usecase_production(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    await _open_case_modal(ack, body, client, context, respond,
                           lambda _services, case: blocks.production_view(case))  # fmt: skip


async def usecase_outcome(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    def build(services: Any, case: dict[str, Any]) -> View:
        return blocks.outcome_view(case, recent_quarters(services))

    await _open_case_modal(ack, body, client, context, respond, build)


def recent_quarters(services: Any, count: int = 4) -> list[str]:
    """This quarter and the ones before it, newest first (outcomes are recorded afterwards)."""
    year, quarter = quarters.parse_quarter(quarters.quarter_of(services.clock()))
    out = []
    for _ in range(count):
        out.append(f"{year}Q{quarter}")
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return out


async def usecase_retire(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    await _open_case_modal(ack, body, client, context, respond,
                           lambda _services, case: blocks.retire_view(case))  # fmt: skip


async def tool_request_open(
    ack: Any, body: dict[str, Any], client: Any, context: Any, respond: Any
) -> None:
    await ack()
    await open_view(client, body, blocks.tool_request_view(_value(body)), respond)


async def tool_request_from_demand(
    ack: Any, body: dict[str, Any], context: Any, respond: Any
) -> None:
    """One click from the admins' demand queue to a procurement request (aggregate demand)."""
    await ack()
    services = services_of(context)
    user_id = body["user"]["id"]
    if not services.is_admin(user_id):
        await _say(respond, "Only AI Leverage admins can open procurement requests from demand.")
        return
    try:
        request = await tool_catalog.request_tool(services, user_id, _value(body), from_demand=True)
    except tool_catalog.CatalogError as refusal:
        await _say(respond, f"No request opened: {refusal}.")
        return
    gates = ", ".join(g["name"] for g in request["gates"]) or "no gate (approved)"
    await _say(
        respond,
        f"Procurement request #{request['id']} opened for "
        f"{blocks.escape(request['tool'])}: {gates}.",
    )


USECASE_ACTIONS: dict[str, Listener] = {
    ids.PROPOSE_FROM_ANSWER: propose_from_answer,
    ids.GATE_APPROVE: gate_approve,
    ids.GATE_CHANGES: gate_changes,
    ids.GATE_REJECT: gate_reject,
    ids.USECASE_REVISE: usecase_revise,
    ids.USECASE_PRODUCTION: usecase_production,
    ids.USECASE_OUTCOME: usecase_outcome,
    ids.USECASE_RETIRE: usecase_retire,
    ids.TOOL_REQUEST_OPEN: tool_request_open,
    ids.TOOL_REQUEST_DEMAND: tool_request_from_demand,
}
