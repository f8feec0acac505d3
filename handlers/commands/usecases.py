"""Registry sub-commands: `/ai-leverage propose | usecase ID | tools` and `/ai-stage usecases`.

The slash-command listeners (`handlers/commands/leverage.py`, `stage.py`) route here, so the
registry's replies live beside its other Slack code.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core import gates, registry, tool_catalog, usecases
from bot.core.vocabulary import DATA_CLASSES, WORK_KINDS
from handlers import ids
from handlers.actions.usecases import open_propose
from handlers.blocks import usecases as blocks

USAGE = "Use `/ai-leverage usecase ID` (IDs are listed by `/ai-stage usecases`)."
MAX_DEMAND = 10


async def _say(respond: Any, text: str, shown: list[Block] | None = None) -> None:
    await respond(response_type="ephemeral", text=text[:3000], blocks=shown)


async def propose(client: Any, services: Any, user_id: str, trigger_id: Any, respond: Any) -> None:
    await open_propose(client, services, user_id, {"trigger_id": trigger_id}, respond)


async def show_use_case(respond: Any, services: Any, user_id: str, args: list[str]) -> None:
    raw = args[0].lstrip("#") if args else ""
    case = await usecases.show(services, int(raw)) if raw.isdigit() else None
    if case is None:
        await _say(respond, f"No such use case. {USAGE}")
        return
    manage = await usecases.can_manage(services, case, user_id)
    await _say(
        respond, f"#{case['id']} {case['name']}", blocks.card_blocks(case, can_manage=manage)
    )


async def show_registry(respond: Any, services: Any) -> None:
    cases = await usecases.list_use_cases(services)
    sig = await registry.registry_signals(services)
    summary = [line["text"] for line in registry.evidence(sig)]
    for gate in await gates.list_gates(services):
        to = blocks.mention(gate.escalate_to or "")
        then = "auto-approves" if gate.on_timeout == "approve" else f"goes to {to}"
        scope = " (new tools)" if gate.applies_to == "new_tool" else ""
        who = ", ".join(
            f"<!subteam^{r}>" if r.startswith("S") else blocks.mention(r) for r in gate.reviewers
        )
        summary.append(
            f"Gate *{gate.name}*{scope}: {who} decide within {gate.sla_days} days, then it {then}"
        )
    await _say(respond, f"{len(cases)} team use cases", blocks.registry_blocks(cases, summary))


def _tool_line(tool: tool_catalog.Tool) -> str:
    uses = ", ".join(WORK_KINDS.get(u, u) for u in tool.uses) or "any kind of work"
    data = ", ".join(DATA_CLASSES.get(c, c) for c in tool.data_classes) or "ask the owners"
    return f"• *{blocks.escape(tool.label)}*: {uses}; data: {data}"


async def show_tools(respond: Any, services: Any, user_id: str) -> None:
    """The approved catalog for everyone; for admins also the demand queue (aggregate only)."""
    catalog = await tool_catalog.catalog(services)
    lines = [_tool_line(t) for t in catalog[:40]] or ["The catalog is empty so far."]
    shown: list[Block] = [
        HeaderBlock(text="Approved AI tools"),
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:3000])),
        ActionsBlock(
            elements=[
                ButtonElement(text="Request a tool", value="", action_id=ids.TOOL_REQUEST_OPEN)
            ]
        ),
    ]
    if services.is_admin(user_id):
        shown += await _demand_blocks(services)
    await _say(respond, "Approved AI tools", shown)


async def _demand_blocks(services: Any) -> list[Block]:
    items = await tool_catalog.demand_queue(services)
    k = services.min_group_size
    if items is None:
        note = f"Demand for tools outside the catalog shows once there are {k}+ disclosures."
        return [ContextBlock(elements=[MarkdownTextObject(text=note)])]
    out: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="*Asked for, not yet approved* (tools named in anonymous disclosures; "
                "counts only, "
                f"each at least {k})"
            )
        )
    ]
    for item in items[:MAX_DEMAND]:
        kinds = ", ".join(f"{WORK_KINDS.get(w, w)} {n}" for w, n in item.work_kinds.items())
        text = f"*{blocks.escape(item.tool)}*: named {item.count} times" + (
            f" ({kinds})" if kinds else ""
        )
        if not item.requestable:
            out.append(SectionBlock(text=MarkdownTextObject(text=blocks.escape(item.tool))))
            continue
        if item.request_id:
            text += f"\nProcurement request #{item.request_id} is open."
            out.append(SectionBlock(text=MarkdownTextObject(text=text)))
            continue
        button = ButtonElement(
            text="Request procurement",
            action_id=ids.TOOL_REQUEST_DEMAND,
            value=item.tool[:150],
            style="primary",
        )
        out.append(SectionBlock(text=MarkdownTextObject(text=text), accessory=button))
    if not items:
        out.append(SectionBlock(text="Every disclosed tool is in the catalog."))
    return out


LEVERAGE_WORDS = ("propose", "usecase", "usecases", "tools")


async def leverage(
    sub: str, client: Any, services: Any, command: dict[str, Any], args: list[str], respond: Any
) -> None:
    """`/ai-leverage propose | usecase ID | tools` (routed from the command's listener)."""
    user_id = str(command.get("user_id") or "")
    if sub == "propose":
        await propose(client, services, user_id, command.get("trigger_id"), respond)
    elif sub == "tools":
        await show_tools(respond, services, user_id)
    elif sub == "usecases" or not args:
        await show_registry(respond, services)
    else:
        await show_use_case(respond, services, user_id, args)
