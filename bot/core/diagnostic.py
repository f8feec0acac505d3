"""The article's diagnostic question, answered from data rather than from opinion.

"What can we do today as an organisation that we couldn't do 12 months ago, without depending on
specific named individuals?" Knowledge does not count; only use cases that became repeatable or
went into production, and gates that became governed, do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.core.facts import Facts
from bot.core.quarters import quarter_label
from bot.core.signals import Signals
from bot.core.vocabulary import WORK_KINDS

QUESTION = (
    "What can we do today as an organisation that we couldn't do 12 months ago, "
    "without depending on specific named individuals?"
)
GOVERNANCE = {
    "ai_policy": "an AI policy",
    "review_path": "a review path for AI use cases",
    "review_sla_days": "an SLA on the AI review gate",
    "procurement_ai_default": "AI-capable tools as the procurement default",
    "review_credit": "AI leverage credited in performance reviews",
}


def _governed(then: Facts, now: Facts) -> list[str]:
    lines = []
    for key, label in GOVERNANCE.items():
        had = then.values.get(key) not in (None, "false")
        has = now.values.get(key) not in (None, "false")
        if has and not had:
            detail = f" ({now.values[key]} days)" if key == "review_sla_days" else ""
            lines.append(f"Governed: the organisation now has {label}{detail}")
    return lines


def _use_cases(before: Signals, after: Signals) -> list[str]:
    lines = []
    new_kinds = sorted(set(after.repeatable_kinds) - set(before.repeatable_kinds))
    if new_kinds and "repeatable_kinds" not in after.hidden:
        labels = ", ".join(WORK_KINDS.get(k, k) for k in new_kinds)
        lines.append(f"Repeatable across teams, surviving people leaving: {labels}")
    if "production" not in after.hidden and after.production > before.production:
        # A withheld figure (fewer than K answers) is neither shown nor replaced by a zero.
        was = "withheld" if "production" in before.hidden else str(before.production)
        lines.append(
            f"In production, documented and not tied to one person: {after.production} use "
            f"cases (was {was} in {quarter_label(before.quarter)})"
        )
    return lines


def answer_diagnostic(
    series: Sequence[Signals],
    changes: list[Any],
    now: Facts,
    t: dict[str, Any],
    facts_for: Callable[[str, str, list[Any], Facts], Facts],
) -> dict[str, Any]:
    after = series[-1]
    lookback = int(t["trend"]["diagnostic_lookback"])
    index = max(0, len(series) - 1 - lookback)
    before = series[index]
    if before is after:
        return {
            "question": QUESTION,
            "compared_with": None,
            "answers": [],
            "summary": "Not enough history yet: this is the first quarter with data.",
        }
    answers = _use_cases(before, after)
    answers += _governed(facts_for(before.quarter, after.quarter, changes, now), now)
    partial = len(series) - 1 < lookback
    summary = (
        f"{len(answers)} organisational capabilities since {quarter_label(before.quarter)}."
        if answers
        else f"Nothing the organisation can do now, without named individuals, that it could "
        f"not do in {quarter_label(before.quarter)}. More training would not change this answer."
    )
    if partial:
        summary += f" (Only {len(series) - 1} earlier quarters of data, not {lookback}.)"
    return {
        "question": QUESTION,
        "compared_with": before.quarter,
        "answers": answers,
        "summary": summary,
    }
