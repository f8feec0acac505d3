"""The gated stage rules: criteria per stage, caps, confidence and the next process change.

Every criterion becomes an evidence line a person can read ("met"/"missed", with the numbers),
so the stage is never a black box. The caps encode the article's findings: without an AI
policy and a review path the organisation cannot pass stage 2; when covert use dominates it is
still at stage 1; training completion is knowledge and never counts.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from bot.core.facts import Facts
from bot.core.signals import Signals
from bot.core.vocabulary import GATES

NEXT_STEPS: dict[str, str] = {
    "procurement": (
        "Make AI the path of least resistance: rewrite procurement so that an AI-capable tool "
        "is the default over a non-AI equivalent, and add the tools people disclose to the "
        "approved catalog (then record it: facts set procurement_ai_default=true)."
    ),
    "sla": (
        "Put an SLA on the review gate: decide AI use-case reviews within 14 days, else "
        "auto-approve with logging (then record it: facts set review_path=true "
        "review_sla_days=14)."
    ),
    "visibility": (
        'Make AI leverage visible in performance reviews: add one unweighted line, "give one '
        'example of AI leverage in your work this quarter" (then record it: facts set '
        "review_credit=true)."
    ),
}
GATE_STEP = {
    "procurement": "procurement",
    "tool_quality": "procurement",
    "legal_review": "sla",
    "security_data": "sla",
    "policy": "sla",
    "review_credit": "visibility",
    "time": "visibility",
}
FACT_CRITERIA = {"ai_policy", "review_path", "review_sla", "procurement_default", "review_credit"}


@dataclass
class Criterion:
    stage: int
    key: str
    text: str
    met: bool | None  # None: its figures are withheld, so whether it holds is not published
    step: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _pct_against(value: float | None, need: float) -> str:
    """A share in whole percent, unless rounding would make a miss read as the threshold
    ("80% (needs ≥ 80%)", missed): then one decimal, rounded down ("79.7%")."""
    shown = _pct(value)
    if value is not None and value < need and shown == _pct(need):
        return f"{math.floor(value * 1000) / 10:.1f}%"
    return shown


def _at_least(
    stage: int, key: str, label: str, value: float | None, need: float, step: str, pct=False
) -> Criterion:
    shown = _pct_against(value, need) if pct else ("n/a" if value is None else f"{value:g}")
    need_shown = _pct(need) if pct else f"{need:g}"
    met = value is not None and value >= need
    return Criterion(stage, key, f"{label}: {shown} (needs ≥ {need_shown})", met, step)


def _fact(stage: int, key: str, label: str, met: bool, step: str) -> Criterion:
    return Criterion(stage, key, f"{label}: {'yes' if met else 'no'}", met, step)


def production_count(sig: Signals, facts: Facts) -> int:
    """Answers show production use cases; a documented count from the facts is a floor."""
    return max(sig.production, int(facts.number("production_use_cases_documented") or 0))


def criteria(sig: Signals, facts: Facts, t: dict[str, Any], growth: int) -> list[Criterion]:
    s2, s3, s4, s5 = t["stage2"], t["stage3"], t["stage4"], t["stage5"]
    prod = production_count(sig, facts)
    kinds = len(sig.repeatable_kinds)
    sla = facts.number("review_sla_days")
    return [
        _at_least(1, "examples", "Reported AI use", sig.with_example + sig.covert, 1, "visibility"),
        _at_least(2, "breadth", "Answers with an example", sig.breadth, s2["min_breadth"],
                  "visibility", pct=True),
        _at_least(2, "pilots", "Team use cases (pilot or production)",
                  sig.pilots + sig.production,
                  s2["min_pilots"], "sla"),
        _fact(3, "ai_policy", "AI policy in place (fact ai_policy)", bool(facts.flag("ai_policy")),
              "sla"),
        _fact(3, "review_path", "Review path for AI use cases", facts.review_path, "sla"),
        _at_least(3, "production", "Production use cases", prod, s3["min_production"], "sla"),
        _at_least(3, "sanctioned", "Sanctioned share of use", sig.sanctioned_share,
                  s3["min_sanctioned_share"], "procurement", pct=True),
        _at_least(4, "production4", "Production use cases", prod, s4["min_production"], "sla"),
        _at_least(4, "measured", "Measured outcomes", sig.measured, s4["min_measured"],
                  "visibility"),
        _at_least(4, "repeatable", "Repeatable kinds of work", kinds,
                  s4["min_repeatable_kinds"], "visibility"),
        _fact(4, "review_sla", f"Review SLA ≤ {s4['max_review_sla_days']} days "
              f"(recorded: {'none' if sla is None else f'{sla:g} days'})",
              facts.review_path and sla is not None and sla <= s4["max_review_sla_days"], "sla"),
        _at_least(5, "production5", "Production use cases", prod, s5["min_production"],
                  "procurement"),
        _at_least(5, "breadth5", "Answers with an example", sig.breadth, s5["min_breadth"],
                  "visibility", pct=True),
        _at_least(5, "sanctioned5", "Sanctioned share of use", sig.sanctioned_share,
                  s5["min_sanctioned_share"], "procurement", pct=True),
        _at_least(5, "repeatable5", "Repeatable kinds of work", kinds,
                  s5["min_repeatable_kinds"], "visibility"),
        _fact(5, "procurement_default", "Procurement defaults to AI-capable tools",
              bool(facts.flag("procurement_ai_default")), "procurement"),
        _fact(5, "review_credit", "Performance reviews credit AI leverage",
              bool(facts.flag("review_credit")), "visibility"),
        _at_least(5, "growth", "Quarters in a row with new production use cases", growth,
                  s5["growth_quarters"], "procurement"),
    ]  # fmt: skip


def gated_stage(found: list[Criterion], unknown_met: bool = False) -> int:
    """The highest stage whose criteria (and every lower stage's) all hold; a criterion whose
    `met` is unknown (None) counts as `unknown_met`."""
    stage = 1
    for level in (2, 3, 4, 5):
        if all(unknown_met if c.met is None else c.met for c in found if c.stage <= level):
            stage = level
        else:
            break
    return stage


def caps(sig: Signals, facts: Facts, t: dict[str, Any]) -> list[tuple[int, str]]:
    """Ceilings that hold whatever else is true, each with the reason a person reads."""
    found = []
    share = sig.covert_share
    if share is not None and share >= t["caps"]["covert_dominance_share"]:
        found.append((1, f"Covert use dominates ({_pct(share)} of reported use is disclosed "
                         "covert use): the stage stays at 1"))  # fmt: skip
    if not (facts.flag("ai_policy") and facts.review_path):
        found.append((2, "No AI policy and review path in place: the stage cannot exceed 2"))
    return found


def confidence(sig: Signals, t: dict[str, Any]) -> str:
    c = t["confidence"]
    rate = sig.response_rate or 0.0
    if sig.answered < c["low_answered"] or rate < c["low_response_rate"]:
        return "low"
    if sig.answered >= c["high_answered"] and rate >= c["high_response_rate"]:
        return "high"
    return "medium"


def binding_constraint(
    stage: int, found: list[Criterion], sig: Signals, cap_reasons: list[tuple[int, str]]
) -> dict[str, Any]:
    """The unmet criterion for the next stage, the most-reported gate and a next step."""
    top = sig.top_gate
    gate = {"gate": top[0], "label": GATES[top[0]], "reports": top[1]} if top else None
    binding = [reason for cap, reason in cap_reasons if cap <= stage]
    missed = [c for c in found if c.stage <= stage + 1 and not c.met]
    if stage >= 5 and not binding:
        return {"stage": None, "criterion": None, "gate": gate, "next_step": None, "step": None}
    criterion = missed[0] if missed else None
    text = binding[0] if binding else (criterion.text if criterion else "")
    if criterion and criterion.key in FACT_CRITERIA:
        step = criterion.step
    elif top:
        step = GATE_STEP[top[0]]
    else:
        step = criterion.step if criterion else "visibility"
    return {
        "stage": stage + 1,
        "criterion": text,
        "gate": gate,
        "next_step": NEXT_STEPS[step],
        "step": step,  # which process change; the advice may refine it (bot.core.stage_text)
        "criterion_key": criterion.key if criterion else None,
    }
