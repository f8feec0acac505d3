"""`/ai-disclose`: open the blameless form, check a claim code, and the admins' tools.

Every answer is ephemeral. A claim code typed here is used once, in memory, to look up its
replies; it is never logged, and neither is who asked.
"""

from __future__ import annotations

from typing import Any

from bot.core import disclosure_reports as reports
from bot.core import disclosures, quarters, tool_catalog
from bot.core.disclosures import ClaimAnswer, InvalidDisclosure, NotFound
from bot.core.services import Services
from bot.slack.mrkdwn import quote
from handlers import ids
from handlers.actions.disclosure import open_modal
from handlers.blocks.disclosure_form import disclosure_modal
from handlers.blocks.help import help_text
from handlers.context import services_of

USES = [
    (ids.DISCLOSE_COMMAND, "open the form (anonymous unless you ask to be contacted)"),
    (f"{ids.DISCLOSE_COMMAND} check CODE", "read any reply to your disclosure"),
    (f"{ids.DISCLOSE_COMMAND} help", "this message"),
]
ADMIN_USES = [
    (f"{ids.DISCLOSE_COMMAND} admin list [QUARTER]", "counts and the queue, with references"),
    (f"{ids.DISCLOSE_COMMAND} admin reply REF TEXT", "answer one disclosure"),
    (f"{ids.DISCLOSE_COMMAND} admin note [QUARTER] TEXT", 'publish the "you said, we did" note'),
    (f"{ids.DISCLOSE_COMMAND} admin approve TOOL", "add a tool to the approved catalog"),
    (f"{ids.DISCLOSE_COMMAND} admin demand", "tools people ask for outside the catalog"),
]


def disclose_help(admin: bool) -> str:
    return help_text(ids.DISCLOSE_COMMAND, USES, ADMIN_USES, admin=admin)


NOT_FOUND = (
    "I could not find a disclosure with that code. Please check it for typos "
    "(it looks like `ABCD-EFGH-JKMN`)."
)
NOT_ADMIN = (
    "Sorry, only AI Leverage admins can do that. `/ai-disclose help` lists what you can use."
)


async def handle_disclose_command(
    ack: Any, command: dict[str, Any], respond: Any, client: Any, context: Any
) -> None:
    await ack()
    services = services_of(context)
    words = (command.get("text") or "").split(maxsplit=1)
    verb = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    if not verb:
        approved = [t.label for t in await tool_catalog.catalog(services)]
        view = disclosure_modal(disclosures.new_nonce(), None, services.min_group_size, approved)
        await open_modal(client, command.get("trigger_id"), view, respond, None)
        return
    user_id = str(command.get("user_id") or "")
    admin = services.is_admin(user_id)
    if verb == "check":
        text = await _check(services, rest)
    elif verb == "admin":
        text = await _admin(services, rest, user_id) if admin else NOT_ADMIN
    else:
        text = disclose_help(admin)
        text = text if verb == "help" else "I did not understand that.\n" + text
    await respond(response_type="ephemeral", text=text)


async def _check(services: Services, code: str) -> str:
    if not code.strip():
        return "Please add your claim code: `/ai-disclose check ABCD-EFGH-JKMN`."
    answer = await disclosures.check(services, code)
    return NOT_FOUND if answer is None else render_answer(answer)


def render_answer(answer: ClaimAnswer) -> str:
    quarter = quarters.quarter_label(answer.quarter)
    lines = [f"*Your disclosure ({quarter})*"]
    if answer.replies:
        lines += ["Answers from the admins:", *(quote(r) for r in answer.replies)]
    else:
        lines.append("No reply yet. Thank you for your patience; please check again later.")
    if answer.note:
        lines += [f"*You said, we did ({quarter}):*", quote(answer.note)]
    return "\n".join(lines)


async def _admin(services: Services, text: str, user_id: str) -> str:
    words = text.split(maxsplit=1)
    action = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    try:
        return await _admin_action(services, action, rest, user_id)
    except InvalidDisclosure as invalid:
        return " ".join(invalid.errors.values())
    except NotFound:
        return disclosures.UNKNOWN_REFERENCE


async def _admin_action(services: Services, action: str, rest: str, user_id: str) -> str:
    if action == "list":
        quarter = rest.strip() or await disclosures.current_quarter(services)
        return reports.render_overview(await reports.overview(services, quarter))
    if action == "demand":  # one quarter, the same as `admin list` without one
        quarter = rest.strip() or await disclosures.current_quarter(services)
        items = await reports.demand(services, quarter)
        return f"*{quarter}* " + reports.render_demand(items, services.min_group_size)
    if action == "reply":
        ident, _, body = rest.partition(" ")
        await disclosures.reply(services, ident, body, user_id)
        return "Reply saved. Whoever holds that disclosure's claim code can now read it."
    if action == "note":
        first, _, body = rest.partition(" ")
        quarter = first if quarters.is_quarter(first) else ""
        body = body if quarter else rest
        quarter = quarter or await disclosures.current_quarter(services)
        await disclosures.publish_note(services, quarter, body, user_id)
        label = quarters.quarter_label(quarter)
        return f"Published the \u201cyou said, we did\u201d note for {label}."
    if action == "approve":
        added = await disclosures.approve_tool(services, rest, user_id)
        return "Added to the approved catalog." if added else "That tool was already approved."
    return disclose_help(admin=True)
