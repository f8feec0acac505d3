"""The quarterly DM: one question, why it is asked, and three buttons.

Short on purpose: the seed article's line works because it is one unweighted question, not a
survey. The text says plainly that it is not graded and what the answers are for.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.answers import PromptState
from bot.core.ports import PromptMessage
from bot.core.prompt_words import state_line as words_for_state
from bot.core.quarters import quarter_label
from handlers import ids

QUESTION = "Give one example of AI leverage in your work this quarter."


def prompt_text(message: PromptMessage) -> str:
    """The notification / fallback text (what a phone shows)."""
    if message.reminder:
        return f"A gentle reminder: {QUESTION} (open until {message.closes_at:%d %b})"
    return f"Quarterly question: {QUESTION}"


def _intro(message: PromptMessage) -> str:
    if message.reminder:
        return (
            f"Just a gentle reminder, no pressure. *{QUESTION}*\n"
            'If nothing comes to mind, "Not this quarter" is a perfectly good answer.'
        )
    return (
        f":wave: Once a quarter we ask everyone one question:\n*{QUESTION}*\n"
        "It is *not graded* and nobody is ranked. Your answers show the organisation what "
        "already works and which obstacles (tools, approvals, rules) to remove."
    )


def _buttons(message: PromptMessage) -> list[ButtonElement]:
    """Reminders carry no disclosure button: nobody is ever reminded to disclose."""
    value = message.campaign_id
    answer = ButtonElement(
        text="Share an example", action_id=ids.OPEN_ANSWER_FORM, value=value, style="primary"
    )
    decline = ButtonElement(text="Not this quarter", action_id=ids.NOT_THIS_QUARTER, value=value)
    if message.reminder:
        return [answer, decline]
    disclose = ButtonElement(
        text="Tell us anonymously about AI use", action_id=ids.OPEN_DISCLOSURE_FORM, value=value
    )
    return [answer, disclose, decline]


def _footer(message: PromptMessage) -> str:
    footer = f"Open until {message.closes_at:%A %d %B}. Three short answers, about two minutes."
    if not message.reminder:
        footer += " The anonymous button is blameless: no name is stored."
    return footer


def prompt_blocks(message: PromptMessage) -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text=_intro(message))),
        ActionsBlock(block_id="leverage_prompt_actions", elements=_buttons(message)),
        ContextBlock(elements=[MarkdownTextObject(text=_footer(message))]),
    ]


def prompt_message(message: PromptMessage) -> tuple[str, list[Block]]:
    """What a campaign DM says when it goes out: the question with its buttons, or, for someone
    who answered before it was sent (from `/ai-leverage` or App Home), where they stand."""
    if not message.answered:
        return prompt_text(message), prompt_blocks(message)
    state = PromptState(message.campaign_id, message.closes_at, True, True, message.has_example,
                        [])  # fmt: skip
    return state_text(state), state_blocks(state)


def state_text(state: PromptState) -> str:
    """The fallback text of a campaign DM once it shows where the person stands."""
    quarter = quarter_label(state.campaign_id)
    if state.has_example:
        return f"Shared for {quarter}. Thank you!"
    if state.answered:
        return f"Noted: not this quarter ({quarter})."
    return f"The {quarter} question has closed."


def _state_line(state: PromptState) -> str:
    return words_for_state(state, bold="*", tick=":white_check_mark:")


def state_blocks(state: PromptState) -> list[Block]:
    """The DM after an answer, an edit, "Not this quarter" or the close: the state, one button
    while the question is open (Edit / Add an example), none once it has closed."""
    section = SectionBlock(text=MarkdownTextObject(text=_state_line(state)))
    if state.is_open and state.answered:
        section.accessory = ButtonElement(
            text="Edit" if state.has_example else "Add an example",
            action_id=ids.OPEN_ANSWER_FORM,
            value=state.campaign_id,
        )
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=f"Quarterly question: _{QUESTION}_")]),
        section,
    ]
    if state.has_example:  # the registry's door: an example a team could adopt
        button = ButtonElement(text="Make this a team use case", value=state.campaign_id,
                               action_id=ids.PROPOSE_FROM_ANSWER)  # fmt: skip
        blocks.append(ActionsBlock(block_id="usecase_from_answer", elements=[button]))
    return blocks
