"""App Home: the person's own examples, the blameless channel, and the organisation's stage."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from handlers import ids

MAX_HOME_BLOCKS = 100
INTRO = (
    "Once a quarter I ask one question: *give one example of AI leverage in your work this "
    "quarter*. It is not graded; the answers show which obstacles the organisation should "
    "remove. You can also tell us, blamelessly and anonymously, about AI you use out of sight."
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
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text="*Using AI where the rules don't quite reach?* Tell us what and why — "
                "anonymously, without blame — so we can fix the process instead."
            ),
            accessory=ButtonElement(
                text="Blameless disclosure", action_id=ids.OPEN_DISCLOSURE_FORM, value="home"
            ),
        )
    ]


def home_view(
    personal: list[Block] | None, organisation: list[Block], *, min_group_size: int
) -> View:
    """Compose the tab; `personal` is None for someone outside the directory."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=INTRO))]
    if personal is None:
        blocks.append(SectionBlock(text=NOT_IN_DIRECTORY))
    else:
        blocks += personal
    blocks += [*disclosure_blocks(), DividerBlock(), *organisation, DividerBlock()]
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=PRIVACY.format(k=min_group_size))])
    )
    if len(blocks) > MAX_HOME_BLOCKS:  # Slack refuses more; the footer always stays
        blocks = [*blocks[: MAX_HOME_BLOCKS - 1], blocks[-1]]
    return View(type="home", blocks=blocks)
