"""The stage in plain words: what each stage means, each check, each next step, and a glossary.

Every surface that explains the stage to a person (Slack's `/ai-stage` and App Home, the HTML
report) reads these, so an employee, a manager and a leader read the same sentences. The stage
rules keep their exact evidence lines (with numbers) for auditors; these are for people.
"""

from __future__ import annotations

import re

from bot.core.stage import STAGE_NAMES
from bot.core.stage_rules import NEXT_STEPS

STAGES = len(STAGE_NAMES)
STAGE_MEANING = {
    1: "People use AI on their own; nothing the organisation does with AI would survive "
    "them leaving.",
    2: "Teams can run AI pilots on purpose, but nothing is in production yet.",
    3: "AI is governed, and at least one use case runs in production without depending on "
    "one person.",
    4: "Several use cases run in production with measured outcomes, and the rules help "
    "rather than block.",
    5: "AI is the default way of working: new use cases are routine and the processes expect them.",
}
# Each criterion of the stage rules (by key), as a check a person can read.
CHECKS = {
    "examples": "Someone reports using AI at work",
    "breadth": "Enough answers include an example",
    "pilots": "Teams run AI use cases (pilot or production)",
    "ai_policy": "There is an AI policy",
    "review_path": "There is a way to get an AI use case reviewed",
    "production": "Use cases run in production",
    "sanctioned": "Most AI use is through approved tools",
    "production4": "Several use cases run in production",
    "measured": "Outcomes are measured (hours saved or a metric)",
    "repeatable": "Several kinds of work use AI repeatably",
    "review_sla": "AI reviews are decided within a deadline",
    "production5": "Many use cases run in production",
    "breadth5": "Most answers include an example",
    "sanctioned5": "Nearly all AI use is through approved tools",
    "repeatable5": "Many kinds of work use AI repeatably",
    "procurement_default": "Buying defaults to AI-capable tools",
    "review_credit": "Performance reviews credit AI use",
    "growth": "New production use cases quarter after quarter",
}
# The process change behind each next step, said plainly; admins also get the command that
# records the change (`/ai-stage facts set …`), which employees never need to see.
STEPS = {
    "procurement": "Make AI the easy path: let purchasing default to AI-capable tools, and "
    "approve the tools people already use.",
    "sla": "Give AI reviews a deadline: decide within 14 days, or approve automatically and "
    "log it.",
    "visibility": 'Make AI use visible in performance reviews: one unweighted line, "give one '
    'example of AI leverage in your work this quarter".',
}
RECORD = {
    "procurement": "procurement_ai_default=true",
    "sla": "review_path=true review_sla_days=14",
    "visibility": "review_credit=true",
}
GLOSSARY = {
    "stage": "What the organisation can repeatably do with AI without depending on specific "
    "people; training alone never moves it.",
    "check": "One condition a stage needs; all checks of a stage must hold.",
    "binding constraint": "The one thing holding the stage back right now.",
    "production use case": "A team's use of AI that is documented in a process, shared beyond "
    "one person, and would continue if that person left.",
    "sanctioned share": "How much reported AI use goes through tools the organisation approved.",
    "obstacle": "A process that stands in the way: buying a tool, a review, a rule, or a "
    "performance review that does not count it.",
    "unknown": "An optional question nobody answered: counted as unknown, never as no.",
}
_RECORD_NOTE = re.compile(r"\s*\(then record it:[^)]*\)")


def stage_title(stage: int) -> str:
    """`Stage 4 of 5: AI as infrastructure`."""
    return f"Stage {stage} of {STAGES}: {STAGE_NAMES[stage]}"


def check_text(key: str | None, fallback: str) -> str:
    """A criterion as a plain check; the rule's own line when there is no plain version."""
    return CHECKS.get(key or "", fallback)


def step_key(next_step: str | None) -> str | None:
    """Which process change a next step (as the stage rules word it) stands for."""
    for key, text in NEXT_STEPS.items():
        if next_step == text:
            return key
    return None


def plain_step(next_step: str | None) -> str:
    """The next step without the admin's recording command."""
    key = step_key(next_step)
    if key in STEPS:
        return STEPS[key]
    return _RECORD_NOTE.sub("", next_step or "").strip() or "Keep going."


def record_command(next_step: str | None) -> str | None:
    """For admins: the `facts set` arguments that record the step once it is done."""
    key = step_key(next_step)
    return RECORD.get(key) if key else None
