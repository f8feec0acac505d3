"""The blameless disclosure modal, its confirmation, and the privacy note both carry.

Wording matters more here than anywhere else in the bot: people only tell us about covert use
if the form itself makes clear that nobody is in trouble and says exactly what is kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.disclosures import EASY_MAX, TOOL_MAX
from bot.core.vocabulary import (
    COVERT_REASONS,
    DATA_CLASSES,
    FREQUENCY,
    REASON_EXTRAS,
    TOOL_KINDS,
    WORK_KINDS,
)
from handlers import ids
from handlers.blocks.answer_form import catalog_hint

ACTION = "value"
# Field name (as bot.core.disclosures reports errors) -> block id in the modal.
BLOCKS = {
    "tool": "disclose_tool",
    "tool_kind": "disclose_tool_kind",
    "work_kind": "disclose_work_kind",
    "frequency": "disclose_frequency",
    "data_class": "disclose_data_class",
    "reasons": "disclose_reasons",
    "make_it_easy": "disclose_make_it_easy",
    "contact": "disclose_contact",
}
CONTACT_OK = "contact_ok"

INTRO = (
    "*Nobody is in trouble for anything you tell us here.* If you have been using an AI tool "
    "quietly, it is usually because the open path was missing, slow or unclear. Telling us "
    "which tool and what stood in the way shows us which rule, purchase or review to fix."
)
# Three short lines, leading with what is not kept: the reassurance someone afraid looks for.
PRIVACY_NOTE = (
    "*Not kept:* your name, user ID, e-mail, or when you sent this.\n"
    "*Kept:* your answers and the quarter; your team only if it has at least {k} people.\n"
    "*Seen:* admins see counts, and answers once there are {k}; managers never see who wrote."
)


def _options(choices: dict[str, str]) -> list[Option]:
    return [Option(value=key, text=label) for key, label in choices.items()]


def _select(field: str, label: str, choices: dict[str, str], placeholder: str) -> InputBlock:
    element = StaticSelectElement(
        action_id=ACTION, placeholder=placeholder, options=_options(choices)
    )
    return InputBlock(block_id=BLOCKS[field], label=label, element=element)


def _radio(
    field: str, label: str, choices: dict[str, str], *, optional: bool = False
) -> InputBlock:
    element = RadioButtonsElement(action_id=ACTION, options=_options(choices))
    return InputBlock(block_id=BLOCKS[field], label=label, element=element, optional=optional)


def _questions(approved_tools: Sequence[str] = ()) -> list[InputBlock]:
    tool = PlainTextInputElement(
        action_id=ACTION, max_length=TOOL_MAX, placeholder="The app, site or add-on you used"
    )
    reasons = CheckboxesElement(
        action_id=ACTION, options=_options({**COVERT_REASONS, **REASON_EXTRAS})
    )
    easy = PlainTextInputElement(action_id=ACTION, multiline=True, max_length=EASY_MAX)
    contact = CheckboxesElement(
        action_id=ACTION,
        options=[Option(value=CONTACT_OK, text="You may contact me about this")],
    )
    return [
        InputBlock(
            block_id=BLOCKS["tool"],
            label="Which tool?",
            element=tool,
            hint=catalog_hint(approved_tools, "These you can use in the open today."),
        ),
        _select("tool_kind", "What kind of tool is it?", TOOL_KINDS, "Choose a kind"),
        _select("work_kind", "What kind of work was it for?", WORK_KINDS, "Choose the work"),
        _radio("frequency", "How often?", FREQUENCY),
        _radio("data_class", "What kind of data went into it?", DATA_CLASSES, optional=True),
        InputBlock(
            block_id=BLOCKS["reasons"],
            label="Why not in the open?",
            element=reasons,
            optional=True,
            hint="Tick any that fit.",
        ),
        InputBlock(
            block_id=BLOCKS["make_it_easy"],
            label="What would make it easy to do this in the open?",
            element=easy,
            optional=True,
        ),
        InputBlock(
            block_id=BLOCKS["contact"],
            label="Would you like us to follow up?",
            element=contact,
            optional=True,
            hint="Leave this unticked to stay anonymous. Ticking it stores who you are.",
        ),
    ]


def disclosure_modal(
    nonce: str, campaign_id: str | None, min_group_size: int, approved_tools: Sequence[str] = ()
) -> View:
    """The form. `nonce` travels in private_metadata so a double submit stores only once;
    `approved_tools` (the catalog's names) shows the open path beside the tool question."""
    metadata = json.dumps({"n": nonce, "c": campaign_id or ""})
    return View(
        type="modal",
        callback_id=ids.DISCLOSURE_VIEW,
        title=PlainTextObject(text="Tell us, blamelessly"),
        submit=PlainTextObject(text="Send anonymously"),
        close=PlainTextObject(text="Not now"),
        private_metadata=metadata,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=INTRO)),
            DividerBlock(),
            *_questions(approved_tools),
            ContextBlock(elements=[MarkdownTextObject(text=PRIVACY_NOTE.format(k=min_group_size))]),
        ],
    )


def confirmation_view(claim_code: str, *, duplicate: bool, contact: bool = False) -> View:
    """Shown in place of the form: private to the person, and the only place the code appears.

    One thank-you, the code once, alone in a code block so a long press copies it on a phone.
    """
    if duplicate:
        first = "*We already had this one*; it was stored once. Its claim code:"
    elif contact:
        first = (
            "*Thank you.* You said we may contact you, so an admin may follow up. Your claim code:"
        )
    else:
        first = "*Thank you.* It is stored without your name. Your claim code:"
    later = (
        "Keep it somewhere private: we will not show it again and cannot look it up for you. "
        f"Later, `{ids.DISCLOSE_COMMAND} check` followed by the code shows any reply from the "
        "admins. We do not know who holds a code."
    )
    return View(
        type="modal",
        callback_id=ids.DISCLOSURE_VIEW + "_done",
        title=PlainTextObject(text="Sent"),
        close=PlainTextObject(text="Done"),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=first)),
            SectionBlock(text=MarkdownTextObject(text=f"```{claim_code}```")),
            ContextBlock(elements=[MarkdownTextObject(text=later)]),
        ],
    )


REPLY_BLOCK = "disclosure_reply"


def reply_modal(reference: str) -> View:
    """An admin's answer to one disclosure: whoever holds its claim code can read it."""
    text = PlainTextInputElement(action_id=ACTION, multiline=True, max_length=EASY_MAX)
    return View(
        type="modal",
        callback_id=ids.DISCLOSURE_REPLY_VIEW,
        private_metadata=reference,
        title=PlainTextObject(text="Reply"),
        submit=PlainTextObject(text="Send reply"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            SectionBlock(text=MarkdownTextObject(
                text=f"To disclosure `{reference}`. Whoever holds its claim code reads "
                "this; we do not know who that is, so write to everyone who might.")),
            InputBlock(block_id=REPLY_BLOCK, label="Your reply", element=text),
        ],
    )  # fmt: skip


def reply_sent_view() -> View:
    return View(
        type="modal",
        title=PlainTextObject(text="Reply"),
        close=PlainTextObject(text="Done"),
        blocks=[SectionBlock(text=MarkdownTextObject(
            text=":white_check_mark: Reply saved. Whoever holds the claim code can now read it "
            "with `/ai-disclose check`."))],
    )  # fmt: skip
