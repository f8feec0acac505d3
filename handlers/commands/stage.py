"""`/ai-stage`: the organisation's stage for everyone; `chart`, `facts`, `facts set` (admins).

The listener acks at once, then computes; answers are ephemeral replies through `respond`,
and the chart goes to the person's DM with the bot through Slack's files upload API.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.core.cache import cached
from bot.core.facts import FactError, load_facts, parse_pairs, set_facts
from bot.core.quarters import quarter_label
from bot.core.reports import chart_png
from bot.core.stage import ThresholdsError, assess, view_key
from handlers import ids
from handlers.actions.disclosure import open_modal
from handlers.blocks.help import help_text
from handlers.blocks.stage import (
    facts_blocks,
    facts_text,
    stage_blocks,
    stage_evidence_view,
    stage_text,
)
from handlers.commands.usecases import show_registry
from handlers.context import services_of
from handlers.failure import tell_failure

STAGE_USES = [
    (ids.STAGE_COMMAND, "the stage, how far to the next one, what holds it back, the next step"),
    (f"{ids.STAGE_COMMAND} chart", "a chart of the stage and key figures over the quarters"),
    (f"{ids.STAGE_COMMAND} facts", "the organisation's process facts behind the stage"),
    (f"{ids.STAGE_COMMAND} usecases", "the team use cases in the registry and their gates"),
    (f"{ids.STAGE_COMMAND} help", "this message"),
]
ADMIN_USES = [
    (f"{ids.STAGE_COMMAND} facts set key=value …", "record a process change (logged with you)"),
]


def stage_help(admin: bool) -> str:
    return help_text(ids.STAGE_COMMAND, STAGE_USES, ADMIN_USES, admin=admin)


async def _say(respond: Any, text: str, blocks: list[Any] | None = None) -> None:
    await respond(response_type="ephemeral", text=text[:3000], blocks=blocks)


async def _render_stage(services: Any, admin: bool) -> tuple[str, list[dict[str, Any]]]:
    report = await assess(services)
    return stage_text(report), [block.to_dict() for block in stage_blocks(report, admin=admin)]


async def _stage(respond: Any, services: Any, user_id: str) -> None:
    # Rendered once per data version and shared (bot.core.cache): a burst costs one render.
    # Admins see one more line (how to record a change), so they get their own rendering.
    admin = services.is_admin(user_id)
    text, blocks = await cached(
        services, ("slack", admin, *view_key(services)), lambda: _render_stage(services, admin)
    )
    await _say(respond, text, blocks)


async def _render_chart(services: Any) -> tuple[str, bytes]:
    report = await assess(services)
    return report.quarter, await asyncio.to_thread(chart_png, report)


async def _chart(respond: Any, services: Any, client: Any, user_id: str) -> None:
    quarter, png = await cached(
        services, ("chart", *view_key(services)), lambda: _render_chart(services)
    )
    opened = await client.conversations_open(users=user_id)
    await client.files_upload_v2(
        channel=opened["channel"]["id"],
        content=png,
        filename=f"ai-stage-{quarter}.png",
        title=f"AI maturity stage over quarters ({quarter_label(quarter)})",
    )
    await _say(respond, "Sent you the chart in our DM.")


async def _facts(respond: Any, services: Any, user_id: str, words: list[str]) -> None:
    if not words:
        facts = await load_facts(services)
        text = facts_text(facts.values, facts.contradictions)
        admin = services.is_admin(user_id)
        await _say(respond, text, facts_blocks(facts.values, facts.contradictions, admin=admin))
        return
    if words[0] != "set":
        await _say(respond, stage_help(services.is_admin(user_id)))
        return
    if not services.is_admin(user_id):
        await _say(respond, "Only admins can change the organisation's facts.")
        return
    try:
        changes = await set_facts(services, parse_pairs(words[1:]), user_id, "slack")
    except FactError as error:
        await _say(respond, f"Nothing changed: {error}.")
        return
    done = ", ".join(f"{k}: {old or 'not set'} → {new or 'not set'}" for k, old, new in changes)
    await _say(respond, f"Updated (logged as changed by you): {done}" if done else "No change.")


async def handle_stage_command(
    ack: Any, command: dict[str, Any], respond: Any, client: Any, context: Any
) -> None:
    await ack()
    services = services_of(context)
    user_id = command.get("user_id", "")
    words = (command.get("text") or "").split()
    action = words[0].lower() if words else ""
    try:
        if action == "":
            await _stage(respond, services, user_id)
        elif action == "chart":
            await _chart(respond, services, client, user_id)
        elif action == "facts":
            await _facts(respond, services, user_id, words[1:])
        elif action == "usecases":
            await show_registry(respond, services)
        else:
            await _say(respond, stage_help(services.is_admin(user_id)))
    except ThresholdsError as error:
        await _say(respond, f"The stage thresholds are misconfigured: {error}")
    except Exception as error:  # caught here: Bolt loses the ack if a listener raises after it
        await tell_failure(respond, error)


async def open_stage_evidence(ack: Any, body: dict[str, Any], client: Any, context: Any) -> None:
    """The "All evidence" button (`/ai-stage` reply and App Home): every figure and check."""
    await ack()
    report = await assess(services_of(context))
    reply = None  # the modal is the answer; a refused trigger gets a DM from open_modal
    await open_modal(
        client, body.get("trigger_id"), stage_evidence_view(report), reply,
        (body.get("user") or {}).get("id"),
    )  # fmt: skip
