"""Adaptive Cards 1.5: the card envelope, text that is never read as Markdown, and messages.

People's own words (examples, team names) go into `TextRun`s, which Teams shows literally, so
a `[link](…)` or `**` typed by someone is never rendered as formatting by the bot.
"""

from __future__ import annotations

from typing import Any

from bot.core.answers import PromptState
from bot.core.ports import PromptMessage
from bot.core.quarters import quarter_label
from bot.core.team_summary import TeamSummary, team_lines

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
Card = dict[str, Any]
Element = dict[str, Any]

# Action.Execute verbs (Universal Actions): the agent routes invokes on these.
ANSWER = "leverage.answer"
SAVE_ANSWER = "leverage.answer.save"
SAVE_DETAILS = "leverage.answer.details"
NOT_THIS_QUARTER = "leverage.not_this_quarter"
FORGET = "leverage.forget"
# The disclosure opens in a dialog (`task/fetch`), named by this value of the button's data.
DISCLOSE_DIALOG = "disclose"
QUESTION = "Give one example of AI leverage in your work this quarter."
MAX_TEAMS = 40


def card(body: list[Element], actions: list[Element] | None = None) -> Card:
    out: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        out["actions"] = actions
    return out


def attachment(content: Card) -> dict[str, Any]:
    return {"contentType": CARD_TYPE, "content": content}


def text(value: str, **style: Any) -> Element:
    """Our own wording (may use the small Markdown subset cards support)."""
    return {"type": "TextBlock", "text": value, "wrap": True, **style}


def literal(value: str, **style: Any) -> Element:
    """Someone's own words, shown exactly as typed."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": value, **style}]}


def execute(title: str, verb: str, data: dict[str, Any] | None = None, **extra: Any) -> Element:
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": data or {}, **extra}


def dialog_button(title: str, dialog: str, **data: Any) -> Element:
    """A button that opens a Teams dialog (`task/fetch`) instead of posting anything."""
    return {"type": "Action.Submit", "title": title,
            "data": {"msteams": {"type": "task/fetch"}, "dialog": dialog, **data}}  # fmt: skip


def prompt_text(message: PromptMessage) -> str:
    if message.reminder:
        return f"A gentle reminder: {QUESTION} (open until {message.closes_at:%d %b})"
    return f"Quarterly question: {QUESTION}"


def prompt_card(message: PromptMessage) -> Card:
    """The quarterly question; reminders carry no disclosure button (nobody is reminded to
    disclose), exactly as in Slack."""
    data = {"campaign": message.campaign_id}
    if message.reminder:
        intro = [
            text("Just a gentle reminder, no pressure."),
            text(QUESTION, weight="Bolder", size="Medium"),
            text('If nothing comes to mind, "Not this quarter" is a perfectly good answer.'),
        ]
    else:
        intro = [
            text("Once a quarter we ask everyone one question:"),
            text(QUESTION, weight="Bolder", size="Medium"),
            text("It is **not graded** and nobody is ranked. Your answers show the organisation "
                 "what already works and which obstacles (tools, approvals, rules) to remove."),
        ]  # fmt: skip
    footer = f"Open until {message.closes_at:%A %d %B}. Takes about two minutes."
    actions = [execute("Share an example", ANSWER, data, style="positive")]
    if not message.reminder:
        footer += " The anonymous button is blameless: no name is stored."
        actions.append(dialog_button("Tell us anonymously about AI use", DISCLOSE_DIALOG, **data))
    actions.append(execute("Not this quarter", NOT_THIS_QUARTER, data))
    return card([*intro, text(footer, isSubtle=True, size="Small")], actions)


def state_line(state: PromptState) -> str:
    """Where the person stands (the Slack DM's words, in the card's Markdown)."""
    quarter = quarter_label(state.campaign_id)
    until = f"until {state.closes_at:%A %d %B}"
    if state.has_example:
        line = f"✅ **Shared for {quarter}.** Thank you!"
        return line + (
            f" You can edit it {until}." if state.is_open else " The question has closed."
        )
    if state.answered:
        line = f"Noted: **not this quarter** ({quarter}). No reminders will follow."
        return line + (f" You can still add an example {until}." if state.is_open else "")
    return f"The {quarter} question has closed; the next one comes next quarter. Thank you."


def state_card(state: PromptState) -> Card:
    """A prompt (or reminder) once the person answered, declined, or the question closed: the
    state, and one button while the question is open (Edit / Add an example)."""
    body = [text(f"Quarterly question: *{QUESTION}*", isSubtle=True, size="Small"),
            text(state_line(state))]  # fmt: skip
    actions = []
    if state.is_open and state.answered:
        title = "Edit" if state.has_example else "Add an example"
        actions.append(execute(title, ANSWER, {"campaign": state.campaign_id}))
    return card(body, actions)


def notice_card(message: str, *, title: str | None = None, attention: bool = False) -> Card:
    body = [text(title, weight="Bolder", size="Medium")] if title else []
    body.append(text(message, color="Attention") if attention else text(message))
    return card(body)


def team_summary_card(summary: TeamSummary) -> Card:
    body: list[Element] = [text(f"Team summary: {summary.quarter}", weight="Bolder", size="Large")]
    if summary.note:
        body.append(text(summary.note))
    for piece in summary.teams[:MAX_TEAMS]:
        head, _, rest = team_lines(piece).partition("\n")
        body.append(
            {"type": "Container", "separator": True,
             "items": [literal(head, weight="Bolder"), literal(rest)]}
        )  # fmt: skip
    if len(summary.teams) > MAX_TEAMS:
        body.append(text(f"…and {len(summary.teams) - MAX_TEAMS} more teams."))
    body.append(
        text(f"Figures for groups under {summary.min_group_size} people are withheld. Names "
             "appear only with an example its author chose to share; nobody who did not answer "
             "is ever named.", isSubtle=True, size="Small")
    )  # fmt: skip
    return card(body)
