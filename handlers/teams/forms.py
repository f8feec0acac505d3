"""The forms as Adaptive Cards: the same fields, names and validation as the Slack modals.

Input ids are the core's field names, so `bot.core.answers.validate_answer` (and the disclosure
validator) read a submitted card exactly as they read a modal, and their `{field: message}`
errors are shown under the field concerned, with everything the person typed kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.answers import CHOICES, EXAMPLE_MAX, METRIC_MAX, TOOL_MAX
from bot.core.vocabulary import OBSTACLES
from handlers.blocks.answer_form import LABELS, RADIO_FIELDS  # one wording on both platforms
from handlers.teams.cards import SAVE_ANSWER, Card, Element, card, execute, text
from storage.models import Answer

CONTINUITY_HINT = "The test of maturity: does it work without you?"
TRUE = "true"


def choices(options: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"title": label, "value": key} for key, label in options.items()]


def text_input(
    name: str, label: str, cap: int, value: str | None, *, multiline: bool = False,
    required: bool = True, placeholder: str | None = None,
) -> Element:  # fmt: skip
    element: Element = {"type": "Input.Text", "id": name, "label": label, "maxLength": cap,
                        "isMultiline": multiline, "isRequired": required}  # fmt: skip
    if required:
        element["errorMessage"] = f"{label} is required."
    if value:
        element["value"] = value
    if placeholder:
        element["placeholder"] = placeholder
    return element


def choice_input(
    name: str, label: str, options: Mapping[str, str], value: str | None, *,
    expanded: bool = False, multi: bool = False, required: bool = True,
) -> Element:  # fmt: skip
    element: Element = {
        "type": "Input.ChoiceSet", "id": name, "label": label, "choices": choices(options),
        "style": "expanded" if expanded else "compact", "isMultiSelect": multi,
        "isRequired": required,
    }  # fmt: skip
    if required:
        element["errorMessage"] = "Please choose one of the options."
    if value:
        element["value"] = value
    return element


def toggle(name: str, title: str, on: bool) -> Element:
    return {"type": "Input.Toggle", "id": name, "title": title, "valueOn": TRUE,
            "valueOff": "false", "value": TRUE if on else "false"}  # fmt: skip


def with_errors(fields: list[Element], errors: Mapping[str, str]) -> list[Element]:
    """Each problem right under its field, in the card's attention colour."""
    out: list[Element] = []
    for element in fields:
        out.append(element)
        problem = errors.get(str(element.get("id")))
        if problem:
            out.append(text(problem, color="Attention", size="Small", spacing="None"))
    return out


def _answer_values(answer: Answer | None) -> dict[str, Any]:
    if answer is None or not answer.has_example:
        return {}
    hours = answer.hours_saved_per_month
    return {
        **{name: getattr(answer, name) for name in ("example", "tool", "metric", *CHOICES)},
        "hours_saved_per_month": f"{hours:g}" if hours is not None else None,
        "obstacles": ",".join(k for k in OBSTACLES if getattr(answer, f"obstacle_{k}", False)),
        "share_consent": TRUE if answer.share_consent else "false",
    }


def answer_form_card(
    campaign_id: str,
    answer: Answer | None = None,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """The answer form, prefilled from the stored answer, or from what was just typed."""
    v = dict(values) if values is not None else _answer_values(answer)
    editing = answer is not None and answer.has_example
    intro = (
        f"**{campaign_id}**: one example of AI leverage in your work. Not graded; it helps the "
        "organisation see what works and which obstacles to remove."
        + (" You are editing the answer you gave earlier." if editing else "")
    )
    fields: list[Element] = [
        text_input("example", "Your example, in your own words", EXAMPLE_MAX, v.get("example"),
                   multiline=True,
                   placeholder="What did you do with AI, and what difference did it make?"),
        choice_input("work_kind", LABELS["work_kind"], CHOICES["work_kind"], v.get("work_kind")),
        text_input("tool", "Which tool did you use?", TOOL_MAX, v.get("tool")),
        *(choice_input(name, LABELS[name], CHOICES[name], v.get(name), expanded=True)
          for name in RADIO_FIELDS if name != "continues_without_me"),
        text(CONTINUITY_HINT, isSubtle=True, size="Small"),
        choice_input("continues_without_me", LABELS["continues_without_me"],
                     CHOICES["continues_without_me"], v.get("continues_without_me"), expanded=True),
        text_input("hours_saved_per_month", "Hours saved per month (optional)", 10,
                   v.get("hours_saved_per_month"), required=False,
                   placeholder="A number, like 4 or 2.5"),
        text_input("metric", "Or a metric and its change (optional)", METRIC_MAX, v.get("metric"),
                   required=False, placeholder="e.g. first-response time down from 4h to 1h"),
        choice_input("obstacles", "Obstacles you met (optional)", OBSTACLES, v.get("obstacles"),
                     expanded=True, multi=True, required=False),
        toggle("share_consent", "My team may see this example with my name",
               str(v.get("share_consent")) == TRUE),
    ]  # fmt: skip
    body = [text(intro), *with_errors(fields, errors or {})]
    body.append(
        text("Only you, and (with your consent) your team, see this answer with your name. "
             "Everything else is counted in totals. Type **forget** to erase it.",
             isSubtle=True, size="Small")
    )  # fmt: skip
    if errors:
        body.insert(0, text("Please check the highlighted fields.", color="Attention"))
    save = execute("Save", SAVE_ANSWER, {"campaign": campaign_id}, style="positive")
    return card(body, [save])


def answer_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """A submitted card's inputs -> {field: value} for `validate_answer` (as `form_values`)."""
    out = {name: data.get(name) for name in ("example", "tool", "metric", *CHOICES)}
    out["hours_saved_per_month"] = data.get("hours_saved_per_month")
    out["obstacles"] = [o for o in str(data.get("obstacles") or "").split(",") if o]
    out["share_consent"] = str(data.get("share_consent")) == TRUE
    return out


def thanks_card(campaign_id: str, edited: bool) -> Card:
    what = "updated" if edited else "saved"
    return card([
        text(f"✅ Thank you! Your {campaign_id} example is {what}.", weight="Bolder"),
        text("You can change it any time while the question is open: type **leverage**."),
    ])  # fmt: skip
