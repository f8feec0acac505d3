"""The person's own examples by quarter, and where this quarter's question stands, for App Home."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.answers import MyHistory
from bot.core.quarters import quarter_label
from bot.core.vocabulary import ESTABLISHMENT, WORK_KINDS
from bot.slack.mrkdwn import user_text
from handlers import ids
from storage.models import Answer

EXCERPT = 280
MAX_QUARTERS = 8


def _current(history: MyHistory) -> list[Block]:
    current = history.current
    if current is None:
        return [SectionBlock(text="No quarterly question is open right now.")]
    if current.has_example:
        state = "you shared an example; you can still edit it"
    elif current.answered:
        state = 'you answered "not this quarter"; you can still add an example'
    else:
        state = "you have not answered yet"
    quarter = quarter_label(current.campaign_id)
    text = f"*{quarter}* is open until {current.closes_at:%d %B}: {state}."
    if not current.is_open:
        text = f"*{quarter}* has closed."
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    if current.is_open:
        button = ButtonElement(
            text="Edit my example" if current.has_example else "Share an example",
            action_id=ids.OPEN_ANSWER_FORM,
            value=current.campaign_id,
            style="primary",
        )
        blocks.append(ActionsBlock(elements=[button]))
    return blocks


def _line(answer: Answer) -> str:
    if not answer.has_example:
        return f"*{quarter_label(answer.quarter)}*: not this quarter"
    example = (answer.example or "").replace("\n", " ")
    if len(example) > EXCERPT:
        example = example[: EXCERPT - 1] + "…"
    example = user_text(example)  # shown, never interpreted: no pings, links or formatting
    kind = WORK_KINDS.get(answer.work_kind or "", "Other")
    level = ESTABLISHMENT.get(answer.establishment or "", "")
    details = " · ".join(x for x in (kind, level) if x)
    return f"*{quarter_label(answer.quarter)}* · {details}\n>{example}"


def my_examples_blocks(history: MyHistory) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="Your AI leverage examples"), *_current(history)]
    if not history.answers:
        blocks.append(SectionBlock(text="Your examples will appear here, quarter by quarter."))
        return blocks
    for answer in history.answers[:MAX_QUARTERS]:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_line(answer))))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(text="Only you see this list. `/ai-leverage forget` erases it.")
            ]
        )
    )
    return blocks
