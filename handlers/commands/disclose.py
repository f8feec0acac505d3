"""`/ai-disclose`: open the blameless form, check a claim code, and the admins' tools.

Every answer is ephemeral. A claim code typed here is used once, in memory, to look up its
replies; it is never logged, and neither is who asked.
"""

from __future__ import annotations

from typing import Any

from bot.core import disclosure_reports as reports
from bot.core import disclosures, quarters
from bot.core.disclosures import ClaimAnswer, InvalidDisclosure, NotFound
from bot.core.services import Services
from bot.slack.mrkdwn import quote
from handlers.actions.disclosure import open_modal
from handlers.blocks.disclosure_form import disclosure_modal
from handlers.context import services_of

HELP = (
    "*/ai-disclose* \u2014 tell us, without blame, about AI tools you use outside the "
    "official path, and what stood in the way.\n"
    "\u2022 `/ai-disclose` opens the form (anonymous unless you ask to be contacted).\n"
    "\u2022 `/ai-disclose check CODE` shows any answer to your disclosure.\n"
    "\u2022 `/ai-disclose help` shows this."
)
ADMIN_HELP = (
    "Admin: `admin list [QUARTER]` \u00b7 `admin reply REF TEXT` \u00b7 "
    "`admin note [QUARTER] TEXT` \u00b7 `admin approve TOOL` \u00b7 `admin demand`"
)
NOT_FOUND = (
    "I could not find a disclosure with that code. Please check it for typos "
    "(it looks like `ABCD-EFGH-JKMN`)."
)
NOT_ADMIN = "Sorry, only AI Leverage admins can do that. Everyone can use `/ai-disclose help`."


async def handle_disclose_command(
    ack: Any, command: dict[str, Any], respond: Any, client: Any, context: Any
) -> None:
    await ack()
    services = services_of(context)
    words = (command.get("text") or "").split(maxsplit=1)
    verb = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    if not verb:
        view = disclosure_modal(disclosures.new_nonce(), None, services.min_group_size)
        await open_modal(client, command.get("trigger_id"), view, respond, None)
        return
    if verb == "check":
        text = await _check(services, rest)
    elif verb == "admin":
        user_id = str(command.get("user_id") or "")
        text = await _admin(services, rest, user_id) if services.is_admin(user_id) else NOT_ADMIN
    else:
        text = HELP if verb == "help" else "I did not understand that.\n" + HELP
    await respond(response_type="ephemeral", text=text)


async def _check(services: Services, code: str) -> str:
    if not code.strip():
        return "Please add your claim code: `/ai-disclose check ABCD-EFGH-JKMN`."
    answer = await disclosures.check(services, code)
    return NOT_FOUND if answer is None else render_answer(answer)


def render_answer(answer: ClaimAnswer) -> str:
    lines = [f"*Your disclosure ({answer.quarter})*"]
    if answer.replies:
        lines += ["Answers from the admins:", *(quote(r) for r in answer.replies)]
    else:
        lines.append("No reply yet. Thank you for your patience; please check again later.")
    if answer.note:
        lines += [f"*You said, we did ({answer.quarter}):*", quote(answer.note)]
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
        return "There is no disclosure with that reference. `admin list` shows them."


async def _admin_action(services: Services, action: str, rest: str, user_id: str) -> str:
    if action == "list":
        quarter = rest.strip() or await disclosures.current_quarter(services)
        return reports.render_overview(await reports.overview(services, quarter))
    if action == "demand":
        items = await reports.demand(services, rest.strip() or None)
        return reports.render_demand(items, services.min_group_size)
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
        return f"Published the \u201cyou said, we did\u201d note for {quarter.upper()}."
    if action == "approve":
        added = await disclosures.approve_tool(services, rest)
        return "Added to the approved catalog." if added else "That tool was already approved."
    return ADMIN_HELP
