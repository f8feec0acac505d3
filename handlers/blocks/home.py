"""App Home: the person's own examples, the blameless channel, and the organisation's stage."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.disclosure_reports import Overview
from bot.core.quarters import quarter_label
from bot.core.vocabulary import COVERT_REASONS, TOOL_KINDS, WORK_KINDS
from handlers import ids

MAX_HOME_BLOCKS = 100
INTRO = (
    "Once a quarter I ask one question: *give one example of AI leverage in your work this "
    "quarter*. It is not graded; the answers show which obstacles the organisation should "
    "remove."
)
NOT_IN_DIRECTORY = (
    "You are not in the organisation directory yet, so there is no quarterly question for you. "
    "Your AI Leverage admins can add you."
)
PRIVACY = (
    "Answers to the quarterly question are attributed to you and can be erased with "
    "`/ai-leverage forget`. Anonymous disclosures store nothing that links them to you. "
    "Every summary hides groups smaller than {k} people."
)


def disclosure_blocks() -> list[Block]:
    """The way in to the blameless form: the text full width, its button under it (a button
    beside the text squeezes it into a narrow column on a phone)."""
    button = ButtonElement(
        text="Tell us anonymously about AI use", action_id=ids.OPEN_DISCLOSURE_FORM, value="home"
    )
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text="*Using AI where the rules don't quite reach?* Tell us what and why — "
                "anonymously, without blame — so we can fix the process instead."
            )
        ),
        ActionsBlock(block_id="home_disclosure", elements=[button]),
    ]


def admin_queue_blocks(view: Overview, max_rows: int = 10) -> list[Block]:
    """The disclosure queue for admins: one row per disclosure with a Reply button.

    Shown only once the quarter has K disclosures (as every admin view); rows carry the core's
    short reference (what `/ai-disclose admin reply` takes too), never the stored id.
    """
    quarter = quarter_label(view.quarter)
    if not view.entries_shown:
        count = "none yet" if not view.total else f"fewer than {view.min_group} so far"
        return [SectionBlock(text=MarkdownTextObject(
            text=f"*Disclosures, {quarter}:* {count}. They appear here once there are "
            f"{view.min_group}, so nobody can be picked out as they arrive."))]  # fmt: skip
    waiting = [e for e in view.entries if not e.replied]
    head = f"*Disclosures, {quarter}:* {view.total}, {len(waiting)} without a reply"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head))]
    for entry in waiting[:max_rows]:
        named = [COVERT_REASONS.get(r, r) for r in entry.reasons]
        reasons = ", ".join(named) or "no reason shown"  # withheld reasons are left out
        kind = f"{TOOL_KINDS.get(entry.tool_kind, entry.tool_kind)} for " \
            f"{WORK_KINDS.get(entry.work_kind, entry.work_kind).lower()}"  # fmt: skip
        blocks.append(SectionBlock(
            text=MarkdownTextObject(text=f"`{entry.ref}` {kind}: {reasons}"),
            accessory=ButtonElement(text="Reply", action_id=ids.DISCLOSURE_REPLY, value=entry.ref),
        ))  # fmt: skip
    if len(waiting) > max_rows:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(
            text=f"…and {len(waiting) - max_rows} more: `/ai-disclose admin list`")]))  # fmt: skip
    return blocks


def home_view(
    sections: list[list[Block]], *, min_group_size: int, notice: str | None = None
) -> View:
    """The tab: intro, then each non-empty section once, separated by a single divider."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=INTRO))]
    if notice:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f":information_source: {notice}")])
        )
    for section in sections:
        if section:
            blocks += [DividerBlock(), *section]
    footer = ContextBlock(elements=[MarkdownTextObject(text=PRIVACY.format(k=min_group_size))])
    blocks = blocks[: MAX_HOME_BLOCKS - 2]  # Slack refuses more; the footer always stays
    return View(type="home", blocks=[*blocks, DividerBlock(), footer])


def personal_blocks(personal: list[Block] | None) -> list[Block]:
    """The person's own examples, or why there are none, and the blameless channel."""
    mine: list[Block] = personal if personal is not None else [SectionBlock(text=NOT_IN_DIRECTORY)]
    return [*mine, *disclosure_blocks()]
