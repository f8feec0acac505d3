"""The answer modal, and reading it back: block ids are the core's field names.

Keeping the builder and the reader side by side means a field can never be renamed in one and
forgotten in the other; the core's validation errors map straight onto these block ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.answers import CHOICES, EXAMPLE_MAX, HOURS_MAX, METRIC_MAX, TOOL_MAX, FormContext
from bot.core.quarters import quarter_label
from bot.core.vocabulary import OBSTACLES
from handlers import ids
from storage.models import Answer

ACTION = "value"
CONSENT = "yes"
RADIO_FIELDS = ("tool_approved", "establishment", "spread", "continues_without_me")
# Slack adds "(optional)" to optional inputs itself, so no label here says it again.
LABELS = {
    "work_kind": "What kind of work was it?",
    "tool_approved": "Is the tool approved by the organisation?",
    "establishment": "How established is it?",
    "spread": "Who else does it?",
    "continues_without_me": "Would it continue if you left?",
}


def consent_label(manager_name: str | None) -> str:
    """Exactly who sees a shared example: the manager and the managers above (the directory's
    chain); teammates never do. Capped to Slack's 75 characters for a checkbox."""
    if manager_name:
        text = f"{manager_name} and the managers above may see it with my name"
        if len(text) <= 75:
            return text
    return "My manager and the managers above may see it with my name"


# The rest of who sees a shared example (admins read every team's summary); 75 characters at most.
CONSENT_ALSO = "So may the AI Leverage admins. Your teammates never do."


def _options(choices: dict[str, str]) -> list[Option]:
    return [Option(value=key, label=label) for key, label in choices.items()]


def _initial(choices: dict[str, str], key: str | None) -> Option | None:
    return Option(value=key, label=choices[key]) if key in choices else None


def _text_input(
    name: str, label: str, cap: int, value: str | None, *, multiline: bool = False,
    optional: bool = False, hint: str | None = None, placeholder: str | None = None,
) -> InputBlock:  # fmt: skip
    element = PlainTextInputElement(
        action_id=ACTION, multiline=multiline, max_length=cap,
        initial_value=value or None, placeholder=placeholder,
    )  # fmt: skip
    return InputBlock(block_id=name, label=label, element=element, optional=optional, hint=hint)


def _choice_input(name: str, answer: Answer | None, *, optional: bool = False) -> InputBlock:
    choices = CHOICES[name]
    current = _initial(choices, getattr(answer, name, None) if answer else None)
    element_type = RadioButtonsElement if name in RADIO_FIELDS else StaticSelectElement
    kwargs: dict[str, Any] = {"action_id": ACTION, "options": _options(choices)}
    if current is not None:
        kwargs["initial_option"] = current
    if element_type is StaticSelectElement:
        kwargs["placeholder"] = "Choose one"
    hint = (
        "The test of maturity: does it work without you?" if name.startswith("continues") else None
    )
    return InputBlock(
        block_id=name, label=LABELS[name], element=element_type(**kwargs), hint=hint,
        optional=optional,
    )  # fmt: skip


def _checkboxes(name: str, label: str, options: list[Option], chosen: list[str]) -> InputBlock:
    kwargs: dict[str, Any] = {"action_id": ACTION, "options": options}
    initial = [o for o in options if o.value in chosen]
    if initial:
        kwargs["initial_options"] = initial
    return InputBlock(
        block_id=name, label=label, element=CheckboxesElement(**kwargs), optional=True
    )


def _hours_input(answer: Answer | None) -> InputBlock:
    """Block Kit's number_input: a numeric keypad on phones, and Slack checks the range."""
    hours = answer.hours_saved_per_month if answer is not None else None
    element = NumberInputElement(
        action_id=ACTION, is_decimal_allowed=True, min_value="0", max_value=f"{HOURS_MAX:g}",
        initial_value=f"{hours:g}" if hours is not None else None, placeholder="e.g. 4 or 2.5",
    )  # fmt: skip
    return InputBlock(
        block_id="hours_saved_per_month", label="Hours saved per month", element=element,
        optional=True,
    )  # fmt: skip


def catalog_hint(approved_tools: Sequence[str], after: str) -> str | None:
    """The approved-tools catalog, offered where people name their tool (answer, disclosure)."""
    if not approved_tools:
        return None
    return ("Approved tools: " + ", ".join(approved_tools[:12]) + ". " + after)[:300]


def _approved(ctx: FormContext) -> str | None:
    return catalog_hint(ctx.approved_tools, "Any tool is fine.")


def answer_form_view(ctx: FormContext) -> View:
    """Step one, the question itself: three required inputs and the sharing choice.

    Prefilled from this quarter's answer when the person edits it.
    """
    a = ctx.existing if ctx.existing is not None and ctx.existing.has_example else None
    intro = (
        f"*{quarter_label(ctx.campaign_id)}*: one example of AI leverage in your work. "
        "Not graded; it shows the organisation what works and which obstacles to remove."
        + (" You are editing the example you gave earlier." if a else "")
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=intro)),
        _text_input("example", "Your example, in your own words", EXAMPLE_MAX,
                    a.example if a else None, multiline=True,
                    placeholder="What did you do with AI, and what difference did it make?"),
        _choice_input("work_kind", a),
        _text_input("tool", "Which tool did you use?", TOOL_MAX, a.tool if a else None,
                    placeholder="e.g. ChatGPT, Copilot, Gemini", hint=_approved(ctx)),
        _checkboxes("share_consent", "Share it with your name?",
                    [Option(value=CONSENT, label=consent_label(ctx.manager_name),
                            description=CONSENT_ALSO)],
                    [CONSENT] if a and a.share_consent else []),
        ContextBlock(elements=[MarkdownTextObject(
            text="Unless you tick that box, your example counts only in totals; teammates never "
            "see it. `/ai-leverage forget` erases it.")]),
    ]  # fmt: skip
    return View(
        type="modal",
        callback_id=ids.ANSWER_VIEW,
        private_metadata=ctx.campaign_id,
        title="AI leverage",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    )


def details_view(campaign_id: str, answer: Answer | None, *, edited: bool) -> View:
    """Step two, after the example is saved: the maturity questions, all optional.

    Closing it keeps the example; a question left empty counts as unknown, never as "no".
    """
    a = answer if answer is not None and answer.has_example else None
    obstacles = [k for k in OBSTACLES if a is not None and getattr(a, f"obstacle_{k}", False)]
    done = "updated" if edited else "saved"
    intro = (
        f":white_check_mark: *Thank you, your {quarter_label(campaign_id)} example is {done}.*\n"
        "That is all we need. If you have another minute, these optional questions show "
        "whether it could work without you."
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=intro)),
        *(_choice_input(name, a, optional=True) for name in RADIO_FIELDS),
        _hours_input(a),
        _text_input("metric", "Or a metric and its change", METRIC_MAX,
                    a.metric if a else None, optional=True,
                    placeholder="e.g. first-response time down from 4h to 1h"),
        _checkboxes("obstacles", "Obstacles you met", _options(OBSTACLES), obstacles),
    ]  # fmt: skip
    return View(
        type="modal",
        callback_id=ids.ANSWER_DETAILS_VIEW,
        private_metadata=campaign_id,
        title="AI leverage",
        submit="Add these",
        close="Done",
        blocks=blocks,
    )


def form_values(state_values: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` -> {field: value} for `bot.core.answers.validate_answer`."""
    out: dict[str, Any] = {}
    for block_id, actions in (state_values or {}).items():
        element: dict[str, Any] = (actions or {}).get(ACTION) or next(
            iter((actions or {}).values()), {}
        )
        out[block_id] = _element_value(element or {})
    out["share_consent"] = CONSENT in (out.get("share_consent") or [])
    return out


def _element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("checkboxes", "multi_static_select"):
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind in ("static_select", "radio_buttons"):
        return (element.get("selected_option") or {}).get("value")
    if kind == "number_input":
        return element.get("value") or ""
    return element.get("value")


def thanks_view(campaign_id: str) -> View:
    """What the second step turns into once its details are saved."""
    text = (
        f":white_check_mark: Thank you! Your {quarter_label(campaign_id)} example and its details "
        "are saved.\nYou can change them while the question is open with `/ai-leverage`."
    )
    return View(
        type="modal",
        callback_id=ids.ANSWER_DETAILS_VIEW + "_done",
        title="AI leverage",
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=text))],
    )
