"""Adaptive Cards 1.5: the card envelope, text that is never read as Markdown, and messages.

People's own words (examples, team names) go into `TextRun`s, which Teams shows literally, so
a `[link](…)` or `**` typed by someone is never rendered as formatting by the bot.
"""

from __future__ import annotations

from typing import Any

from bot.core.answers import PromptState
from bot.core.ports import PromptMessage
from bot.core.prompt_words import state_line as words_for_state
from bot.core.quarters import quarter_label
from bot.core.team_summary import TeamSlice, TeamSummary, signal_lines
from bot.core.vocabulary import WORK_KINDS

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
PROPOSE = "leverage.usecase.propose"
PROPOSE_FROM_ANSWER = "leverage.usecase.from_answer"
REVISE = "leverage.usecase.revise"
DECIDE = "leverage.gate.decide"
# The disclosure opens in a dialog (`task/fetch`), named by this value of the button's data.
DISCLOSE_DIALOG = "disclose"
QUESTION = "Give one example of AI leverage in your work this quarter."
MAX_TEAMS = 40
EXAMPLES = 3  # shared examples shown per team, one line each
EXCERPT = 140


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
    """The quarterly question and its two answers side by side ("Share an example", "Not this
    quarter"), short enough to stay on one row on a phone; the blameless disclosure sits apart
    below, since it is not an answer to the question. Reminders carry no disclosure button
    (nobody is reminded to disclose), exactly as in Slack."""
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
    answers = action_set(
        execute("Share an example", ANSWER, data, style="positive"),
        execute("Not this quarter", NOT_THIS_QUARTER, data),
    )
    footer = f"Open until {message.closes_at:%A %d %B}. Takes about two minutes."
    body = [*intro, answers, text(footer, isSubtle=True, size="Small")]
    if not message.reminder:
        body += [
            text("Using AI where the official path is missing or slow? Tell us blamelessly: "
                 "no name is stored.", separator=True, spacing="Medium", size="Small"),
            action_set(dialog_button("Tell us anonymously", DISCLOSE_DIALOG, **data)),
        ]  # fmt: skip
    return card(body)


def action_set(*actions: Element) -> Element:
    """Buttons inside the card's body: where they sit in the reading order."""
    return {"type": "ActionSet", "actions": list(actions)}


def state_line(state: PromptState) -> str:
    """Where the person stands (the Slack DM's words, in the card's Markdown)."""
    return words_for_state(state, bold="**", tick="✅")


def state_card(state: PromptState) -> Card:
    """A prompt (or reminder) once the person answered, declined, or the question closed: the
    state, and one button while the question is open (Edit / Add an example)."""
    body = [text(f"Quarterly question: *{QUESTION}*", isSubtle=True, size="Small"),
            text(state_line(state))]  # fmt: skip
    actions = []
    if state.is_open and state.answered:
        title = "Edit" if state.has_example else "Add an example"
        actions.append(execute(title, ANSWER, {"campaign": state.campaign_id}))
    if state.has_example:  # the registry's door: an example a team could adopt
        actions.append(execute("Make this a team use case", PROPOSE_FROM_ANSWER,
                               {"campaign": state.campaign_id}))  # fmt: skip
    return card(body, actions)


def notice_card(message: str, *, title: str | None = None, attention: bool = False) -> Card:
    body = [text(title, weight="Bolder", size="Medium")] if title else []
    body.append(text(message, color="Attention") if attention else text(message))
    return card(body)


def team_summary_card(summary: TeamSummary) -> Card:
    """At a glance, per team: its figures as facts, what the minimum group size withholds as
    one small note, and at most three shared examples, one line each (as Slack's summary)."""
    body: list[Element] = [
        text(f"Team summary · {quarter_label(summary.quarter)}", weight="Bolder", size="Large")
    ]
    if summary.note:
        body.append(text(summary.note))
    for piece in summary.teams[:MAX_TEAMS]:
        body.append({"type": "Container", "separator": True, "spacing": "Medium",
                     "items": _team_items(piece)})  # fmt: skip
    if len(summary.teams) > MAX_TEAMS:
        body.append(text(f"…and {len(summary.teams) - MAX_TEAMS} more teams."))
    body.append(
        text(f"Figures for groups under {summary.min_group_size} people are withheld. Names "
             "appear only with an example its author chose to share; nobody who did not answer "
             "is ever named.", isSubtle=True, size="Small", spacing="Medium")
    )  # fmt: skip
    return card(body)


def _team_items(piece: TeamSlice) -> list[Element]:
    items: list[Element] = [literal(f"{piece.name} ({piece.size} people)", weight="Bolder")]
    if piece.withheld:
        return [*items, literal(piece.withheld)]
    if piece.signals is None:
        return [*items, text("No data for this quarter.", isSubtle=True)]
    lines = signal_lines(piece.signals)
    facts = [line.split(": ", 1) for line in lines if ": " in line and not line.startswith("(")]
    notes = [line.strip("()") for line in lines if line.startswith("(")]
    items.append({"type": "FactSet", "spacing": "Small",
                  "facts": [{"title": t, "value": v} for t, v in facts]})  # fmt: skip
    if notes:
        items.append(text("; ".join(notes).capitalize() + ".", isSubtle=True, size="Small",
                          spacing="Small"))  # fmt: skip
    shown = piece.examples[:EXAMPLES]
    if shown:
        items.append(text("Shared with consent", weight="Bolder", size="Small"))
    for example in shown:
        kind = WORK_KINDS.get(example["work_kind"] or "", "Other")
        excerpt = _excerpt(str(example["example"]))
        items.append({"type": "RichTextBlock", "spacing": "Small", "inlines": [
            {"type": "TextRun", "text": f"{example['name']} ({kind}): ", "weight": "Bolder"},
            {"type": "TextRun", "text": excerpt},
        ]})  # fmt: skip
    if len(piece.examples) > EXAMPLES:
        more = len(piece.examples) - EXAMPLES
        items.append(text(f"…and {more} more shared {'example' if more == 1 else 'examples'}.",
                          isSubtle=True, size="Small", spacing="Small"))  # fmt: skip
    return items


def _excerpt(words: str) -> str:
    flat = " ".join(words.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1].rstrip() + "…"
