"""The answer form as Adaptive Cards: the same two steps, fields and validation as Slack's.

Input ids are the core's field names, so `bot.core.answers.validate_answer` and
`validate_details` read a submitted card exactly as they read the modal, and their
`{field: message}` errors are shown under the field concerned, with everything typed kept.
Labels and the consent wording come from the Slack form's module: one wording, two platforms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.answers import CHOICES, EXAMPLE_MAX, HOURS_MAX, METRIC_MAX, TOOL_MAX, FormContext
from bot.core.quarters import quarter_label
from bot.core.vocabulary import OBSTACLES
from handlers.blocks.answer_form import LABELS, RADIO_FIELDS, consent_label
from handlers.teams.cards import SAVE_ANSWER, SAVE_DETAILS, Card, Element, card, execute, text
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
        "isRequired": required, "wrap": True,  # long options wrap instead of "…" on a phone
    }  # fmt: skip
    if not expanded:
        element["placeholder"] = "Choose one"
    if required:
        element["errorMessage"] = "Please choose one of the options."
    if value:
        element["value"] = value
    return element


def toggle(name: str, title: str, on: bool) -> Element:
    return {"type": "Input.Toggle", "id": name, "title": title, "valueOn": TRUE,
            "valueOff": "false", "value": TRUE if on else "false", "wrap": True}  # fmt: skip


def with_errors(fields: list[Element], errors: Mapping[str, str]) -> list[Element]:
    """Each problem right under its field, in the card's attention colour."""
    out: list[Element] = []
    for element in fields:
        out.append(element)
        problem = errors.get(str(element.get("id")))
        if problem:
            out.append(text(problem, color="Attention", size="Small", spacing="None"))
    return out


def _stored(answer: Answer | None) -> dict[str, Any]:
    """The inputs' values from a stored answer (to prefill an edit)."""
    if answer is None or not answer.has_example:
        return {}
    hours = answer.hours_saved_per_month
    return {
        **{name: getattr(answer, name) for name in ("example", "tool", "metric", *CHOICES)},
        "hours_saved_per_month": f"{hours:g}" if hours is not None else None,
        "obstacles": ",".join(k for k in OBSTACLES if getattr(answer, f"obstacle_{k}", False)),
        "share_consent": TRUE if answer.share_consent else "false",
    }


def _form(body: list[Element], fields: list[Element], errors: Mapping[str, str] | None,
          action: Element) -> Card:  # fmt: skip
    head = [text("Please check the highlighted fields.", color="Attention")] if errors else []
    return card([*head, *body, *with_errors(fields, errors or {})], [action])


def answer_form_card(
    ctx: FormContext,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """Step one, the question itself: three required inputs and the sharing choice."""
    v = dict(values) if values is not None else _stored(ctx.existing)
    editing = ctx.existing is not None and ctx.existing.has_example
    intro = (
        f"**{quarter_label(ctx.campaign_id)}**: one example of AI leverage in your work. "
        "Not graded; it shows the organisation what works and which obstacles to remove."
        + (" You are editing the example you gave earlier." if editing else "")
    )
    fields: list[Element] = [
        text_input("example", "Your example, in your own words", EXAMPLE_MAX, v.get("example"),
                   multiline=True,
                   placeholder="What did you do with AI, and what difference did it make?"),
        choice_input("work_kind", LABELS["work_kind"], CHOICES["work_kind"], v.get("work_kind")),
        text_input("tool", "Which tool did you use?", TOOL_MAX, v.get("tool"),
                   placeholder="e.g. ChatGPT, Copilot, Gemini"),
        toggle("share_consent", consent_label(ctx.manager_name),
               str(v.get("share_consent")) == TRUE),
    ]  # fmt: skip
    note = text("Unless you switch that on, your example counts only in totals; teammates "
                "never see it. Type **leverage forget** to erase it.", isSubtle=True,
                size="Small")  # fmt: skip
    save = execute("Save", SAVE_ANSWER, {"campaign": ctx.campaign_id}, style="positive")
    return _form([text(intro)], [*fields, note], errors, save)


def details_card(
    campaign_id: str,
    answer: Answer | None,
    *,
    edited: bool,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """Step two, after the example is saved: the maturity questions, all optional."""
    v = dict(values) if values is not None else _stored(answer)
    done = "updated" if edited else "saved"
    intro = [
        text(f"✅ Thank you, your {quarter_label(campaign_id)} example is {done}.",
             weight="Bolder"),
        text("That is all we need. If you have another minute, these optional questions show "
             "whether it could work without you."),
    ]  # fmt: skip
    fields: list[Element] = []
    for name in RADIO_FIELDS:
        if name == "continues_without_me":
            fields.append(text(CONTINUITY_HINT, isSubtle=True, size="Small"))
        fields.append(choice_input(name, LABELS[name], CHOICES[name], v.get(name),
                                   expanded=True, required=False))  # fmt: skip
    fields += [
        {"type": "Input.Number", "id": "hours_saved_per_month", "label": "Hours saved per month",
         "min": 0, "max": HOURS_MAX, "placeholder": "e.g. 4 or 2.5",
         **({"value": float(v["hours_saved_per_month"])}
            if _number(v.get("hours_saved_per_month")) else {})},
        text_input("metric", "Or a metric and its change", METRIC_MAX, v.get("metric"),
                   required=False, placeholder="e.g. first-response time down from 4h to 1h"),
        choice_input("obstacles", "Obstacles you met", OBSTACLES, v.get("obstacles"),
                     expanded=True, multi=True, required=False),
    ]  # fmt: skip
    add = execute("Add these", SAVE_DETAILS, {"campaign": campaign_id}, style="positive")
    return _form(intro, fields, errors, add)


def _number(value: Any) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def answer_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """A submitted card's inputs -> {field: value} for `validate_answer` / `validate_details`
    (what `form_values` does for a modal)."""
    out = {name: data.get(name) for name in ("example", "tool", "metric", *CHOICES)}
    out["hours_saved_per_month"] = data.get("hours_saved_per_month")
    out["obstacles"] = [o for o in str(data.get("obstacles") or "").split(",") if o]
    out["share_consent"] = str(data.get("share_consent")) == TRUE
    return out


def thanks_card(campaign_id: str) -> Card:
    return card([
        text(f"✅ Thank you! Your {quarter_label(campaign_id)} example and its details are "
             "saved.", weight="Bolder"),
        text("You can change them while the question is open: type **leverage**."),
    ])  # fmt: skip
