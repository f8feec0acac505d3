"""The blameless disclosure in Teams: a dialog (task module), never a message in the chat.

Why a dialog: a card in the personal chat stays in its history (and in the tenant's
compliance copy), so a card turned into "Thank you, here is your claim code" would tell
anyone reading that history who disclosed. A dialog, like Slack's modal, leaves nothing in
the chat: the form, the claim code and the check of a code live only in `task/fetch` and
`task/submit` invoke responses. Nothing here logs, stores or sends anything about the person;
the person's id is handed to the core only to decide, in memory, whether their team is large
enough to be named (and for the contact row, if they ask to be contacted).
"""

from __future__ import annotations

import re
from typing import Any

from bot.core import disclosures
from bot.core.disclosures import EASY_MAX, TOOL_MAX, InvalidDisclosure, RawDisclosure
from bot.core.quarters import quarter_label
from bot.core.services import Services
from bot.core.vocabulary import (
    COVERT_REASONS,
    DATA_CLASSES,
    FREQUENCY,
    REASON_EXTRAS,
    TOOL_KINDS,
    WORK_KINDS,
)
from handlers.blocks.disclosure_form import INTRO, PRIVACY_NOTE
from handlers.commands.disclose import NOT_FOUND
from handlers.teams.cards import DISCLOSE_DIALOG, Card, Element, card, dialog_button, literal, text
from handlers.teams.forms import TRUE, choice_input, text_input, toggle, with_errors

OPEN_FORM = DISCLOSE_DIALOG
SAVE = "disclose.save"
OPEN_CHECK = "disclose.check"
CHECK = "disclose.check.submit"
STALE = "This form is out of date. Please close it and open a new one (type **disclose**)."
STORE_FAILED = "Sorry, something went wrong and nothing was saved. Please try again."


def markdown(slack_text: str) -> str:
    """The Slack form's wording, with Slack's *bold* as the card's **bold**."""
    return re.sub(r"\*([^*]+)\*", r"**\1**", slack_text)


def dialog(title: str, content: Card) -> dict[str, Any]:
    """The invoke response that shows (or replaces) a dialog."""
    return {"task": {"type": "continue", "value": {
        "title": title, "width": "medium", "height": "large",
        "card": {"contentType": "application/vnd.microsoft.card.adaptive", "content": content},
    }}}  # fmt: skip


def form_card(
    nonce: str, campaign_id: str | None, k: int, *,
    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
) -> Card:  # fmt: skip
    v = values or {}
    fields: list[Element] = [
        text_input("tool", "Which tool?", TOOL_MAX, v.get("tool"),
                   placeholder="The app, site or add-on you used"),
        choice_input("tool_kind", "What kind of tool is it?", TOOL_KINDS, v.get("tool_kind")),
        choice_input("work_kind", "What kind of work was it for?", WORK_KINDS, v.get("work_kind")),
        choice_input("frequency", "How often?", FREQUENCY, v.get("frequency"), expanded=True),
        choice_input("data_class", "What kind of data went into it? (optional)", DATA_CLASSES,
                     v.get("data_class"), expanded=True, required=False),
        choice_input("reasons", "Why not in the open? Tick any that fit (optional)",
                     {**COVERT_REASONS, **REASON_EXTRAS}, v.get("reasons"), expanded=True,
                     multi=True, required=False),
        text_input("make_it_easy", "What would make it easy to do this in the open? (optional)",
                   EASY_MAX, v.get("make_it_easy"), multiline=True, required=False),
        toggle("contact", "You may contact me about this", str(v.get("contact")) == TRUE),
        text("Leave this off to stay anonymous. Switching it on stores who you are.",
             isSubtle=True, size="Small", spacing="None"),
    ]  # fmt: skip
    head = [text("Please check the highlighted fields.", color="Attention")] if errors else []
    note = [
        text(markdown(line), isSubtle=True, size="Small", spacing="None")
        for line in PRIVACY_NOTE.format(k=k).splitlines()
    ]  # one line each, as in Slack
    note[0]["spacing"] = "Medium"
    body = [*head, text(markdown(INTRO)), *with_errors(fields, errors or {}), *note]  # fmt: skip
    send = {"type": "Action.Submit", "title": "Send anonymously", "style": "positive",
            "data": {"dialog": SAVE, "nonce": nonce, "campaign": campaign_id or ""}}  # fmt: skip
    return card(body, [send])


def read_form(data: dict[str, Any]) -> RawDisclosure:
    reasons = tuple(r for r in str(data.get("reasons") or "").split(",") if r)
    return RawDisclosure(
        tool=_str(data.get("tool")), tool_kind=_str(data.get("tool_kind")),
        work_kind=_str(data.get("work_kind")), frequency=_str(data.get("frequency")),
        data_class=_str(data.get("data_class")), reasons=reasons,
        make_it_easy=_str(data.get("make_it_easy")), contact_ok=str(data.get("contact")) == TRUE,
    )  # fmt: skip


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def confirmation_card(code: str, *, duplicate: bool, contact: bool) -> Card:
    """One thank-you and the code once, large and alone so it is easy to copy (as in Slack)."""
    if duplicate:
        first = "**We already had this one**; it was stored once. Its claim code:"
    elif contact:
        first = ("**Thank you.** You said we may contact you, so an admin may follow up. "
                 "Your claim code:")  # fmt: skip
    else:
        first = "**Thank you.** It is stored without your name. Your claim code:"
    return card([
        text(first),
        text(code, weight="Bolder", size="Large", fontType="Monospace"),
        text("Keep it somewhere private: we will not show it again and cannot look it up for "
             "you. Later, **disclose** → *Check a claim code* shows any reply from the admins. "
             "We do not know who holds a code, and closing this dialog leaves nothing in our "
             "chat.", isSubtle=True, size="Small"),
    ])  # fmt: skip


def check_card(error: str | None = None) -> Card:
    body = [text("Type your claim code (for example ABCD-EFGH-JKMN).")]
    code = {"type": "Input.Text", "id": "code", "label": "Claim code", "maxLength": 40,
            "isRequired": True, "errorMessage": "Please type your claim code."}  # fmt: skip
    body += with_errors([code], {"code": error} if error else {})
    return card(body, [{"type": "Action.Submit", "title": "Check", "data": {"dialog": CHECK}}])


def answer_card(answer: disclosures.ClaimAnswer) -> Card:
    quarter = quarter_label(answer.quarter)
    body: list[Element] = [text(f"Your disclosure ({quarter})", weight="Bolder")]
    if answer.replies:
        body.append(text("Answers from the admins:"))
        body += [literal(reply) for reply in answer.replies]
    else:
        body.append(text("No reply yet. Thank you for your patience; please check again later."))
    if answer.note:
        body += [text(f"You said, we did ({quarter}):", weight="Bolder"),
                 literal(answer.note)]  # fmt: skip
    return card(body)


def start_card(campaign_id: str | None = None) -> Card:
    """What `disclose` answers in the chat: two buttons that open dialogs, nothing else."""
    return card(
        [text("Tell us, blamelessly", weight="Bolder", size="Medium"),
         text("The form opens in a dialog: nothing you write there, and not even whether you "
              "sent it, stays in this chat.")],
        [dialog_button("Open the form", OPEN_FORM, campaign=campaign_id or ""),
         dialog_button("Check a claim code", OPEN_CHECK)],
    )  # fmt: skip


async def fetch(services: Services, data: dict[str, Any]) -> dict[str, Any]:
    """`task/fetch`: open the form (a fresh nonce) or the claim-code check."""
    if data.get("dialog") == OPEN_CHECK:
        return dialog("Check a claim code", check_card())
    campaign = str(data.get("campaign") or "")[:16] or None
    content = form_card(disclosures.new_nonce(), campaign, services.min_group_size)
    return dialog("Tell us, blamelessly", content)


async def submit(services: Services, user: str, data: dict[str, Any]) -> dict[str, Any]:
    """`task/submit`: store the disclosure at most once and show its code, or say what to fix."""
    if data.get("dialog") == CHECK:
        return await _check(services, str(data.get("code") or ""))
    nonce, campaign = str(data.get("nonce") or ""), str(data.get("campaign") or "")[:16] or None
    k = services.min_group_size
    if not 16 <= len(nonce) <= 64:
        fresh = form_card(disclosures.new_nonce(), campaign, k, values=data, errors={"tool": STALE})
        return dialog("Tell us, blamelessly", fresh)
    try:
        form = disclosures.validate(read_form(data))
    except InvalidDisclosure as invalid:
        content = form_card(nonce, campaign, k, values=data, errors=invalid.errors)
        return dialog("Tell us, blamelessly", content)
    done = await disclosures.submit(
        services, form, chat_user_id=user or None, nonce=nonce, campaign_id=campaign
    )
    content = confirmation_card(done.claim_code, duplicate=done.duplicate, contact=form.contact_ok)
    return dialog("Thank you", content)


async def _check(services: Services, code: str) -> dict[str, Any]:
    if not code.strip():
        return dialog("Check a claim code", check_card("Please type your claim code."))
    answer = await disclosures.check(services, code)
    if answer is None:
        return dialog("Check a claim code", check_card(NOT_FOUND.replace("`", "")))
    return dialog("Your disclosure", answer_card(answer))
