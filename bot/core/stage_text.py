"""The stage in plain words: what each stage means, each check, each next step, and a glossary.

Every surface that explains the stage to a person (Slack's `/ai-stage` and App Home, the HTML
report) reads these, so an employee, a manager and a leader read the same sentences. The stage
rules keep their exact evidence lines (with numbers) for auditors; these are for people.
"""

from __future__ import annotations

import re

from bot.core.facts import Facts
from bot.core.stage_rules import NEXT_STEPS

STAGE_NAMES = {
    1: "Ad-hoc individual use",
    2: "Pilot capability",
    3: "Production capability",
    4: "AI as infrastructure",
    5: "AI as default",
}
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
    "policy": "Publish a short AI policy that says which tools and data are fine, so people "
    "can use AI in the open.",
    "review_path": "Give AI use cases one place to be reviewed (legal, security, data) with an "
    "owner, so a proposal knows where to go.",
    # Follow-ups, once the process change above is already recorded.
    "catalog": "Approve the tools people ask for or use out of sight, so that using AI in the "
    "open is the easy path.",
    "production": "Help one pilot become production: documented, run by a second person, able "
    "to continue without its author.",
    "measure": "Ask the teams with production use cases to measure one outcome (hours saved or "
    "a metric) and name it in their quarterly answer.",
    "share": "Share the examples people gave (with their consent) so other teams can repeat "
    "them: repeated work outlasts any one person.",
    "keep": "Keep asking the quarterly question and keep the review deadline honest.",
}
RECORD = {
    "procurement": "procurement_ai_default=true",
    "sla": "review_path=true review_sla_days=14",
    "visibility": "review_credit=true",
    "policy": "ai_policy=true",
    "review_path": "review_path=true",
    "production": "production_use_cases_documented=N",
}
# For admins, where recording is not a fact: the command that helps take the step.
ADMIN_HINT = {"catalog": "leverage-bot disclosures demand, then disclosures approve-tool NAME"}
# The step a criterion asks for once the process change the rules suggest is already recorded.
FOLLOW_UP = {
    "examples": "share",
    "breadth": "share",
    "breadth5": "share",
    "pilots": "production",
    "production": "production",
    "production4": "production",
    "production5": "production",
    "growth": "production",
    "sanctioned": "catalog",
    "sanctioned5": "catalog",
    "measured": "measure",
    "repeatable": "share",
    "repeatable5": "share",
}
# Criteria that are process facts: the step is to make that fact true.
FACT_STEP = {
    "ai_policy": "policy",
    "review_path": "review_path",
    "review_sla": "sla",
    "procurement_default": "procurement",
    "review_credit": "visibility",
}
CONFIDENCE = {
    "low": "few answers or a low response rate, so read the stage as a first impression",
    "medium": "enough answers to act on",
    "high": "most people answered, so the figures describe the organisation well",
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
    "confidence": "How far the answers behind the stage can be trusted (low, medium, high), "
    "from the number of answers and the response rate.",
    "response rate": "People who answered the quarterly question, as a percentage of those asked.",
    "with an example": "Answers that give one example of AI leverage in the person's work.",
    "disclosed covert use": "AI use people reported anonymously because it happens out of "
    "sight: a sign that a rule makes open use harder than hidden use.",
    "pilot": "A team trying AI for a kind of work, not yet the normal way of working.",
    "repeatable kind of work": "Work that several people in several teams do with AI "
    "regularly, and that would continue if any one of them left.",
    "measured outcome": "An answer that says what AI changed in numbers: hours saved or a metric.",
    "withheld": "A figure behind fewer people than the minimum group size is not shown, so "
    "nobody can be singled out.",
    "training completion": "Knowledge, not maturity: shown for context, it never moves the stage.",
}
_RECORD_NOTE = re.compile(r"\s*\((?:then record it|admins):[^)]*\)")
_RECORD_ARGS = re.compile(r"\(then record it: facts set ([^)]*)\)")


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
    if key:
        return RECORD.get(key)
    found = _RECORD_ARGS.search(next_step or "")
    return found.group(1).strip() if found else None


def step_done(step: str, facts: Facts, max_sla_days: float = 14) -> bool:
    """Whether the process change a step asks for is already recorded in `facts`."""
    sla = facts.number("review_sla_days")
    done = {
        "policy": bool(facts.flag("ai_policy")),
        "review_path": facts.review_path,
        "sla": facts.review_path and sla is not None and sla <= max_sla_days,
        "procurement": bool(facts.flag("procurement_ai_default")),
        "visibility": bool(facts.flag("review_credit")),
    }
    return done.get(step, False)


def choose_step(
    criterion_key: str | None, suggested: str | None, facts: Facts, max_sla_days: float = 14
) -> str:
    """The one next step for the binding criterion, judged with the facts of its quarter: a
    process fact that is missing is the step; an SLA needs a policy and a review path first;
    a change already recorded is never asked for again, its follow-up is."""
    if criterion_key in FACT_STEP:
        return FACT_STEP[criterion_key]
    if suggested == "sla":
        for first in ("policy", "review_path"):
            if not step_done(first, facts, max_sla_days):
                return first
    if suggested and suggested in RECORD and not step_done(suggested, facts, max_sla_days):
        return suggested
    return FOLLOW_UP.get(criterion_key or "", "keep")


def next_step_sentence(step: str, facts: Facts) -> str:
    """The step in plain words with what an admin records (only what is not recorded yet)."""
    record = RECORD.get(step)
    if step == "sla" and facts.review_path:
        record = "review_sla_days=14"
    if record:
        return f"{STEPS[step]} (then record it: facts set {record})"
    if step in ADMIN_HINT:
        return f"{STEPS[step]} (admins: {ADMIN_HINT[step]})"
    return STEPS[step]


def admin_hint(next_step: str | None) -> str | None:
    """The command line an admin runs for a next step, as a footnote; None when there is none."""
    record = record_command(next_step)
    if record:
        return f"leverage-bot facts set {record}"
    found = re.search(r"\(admins: ([^)]*)\)", next_step or "")
    return found.group(1) if found else None


def percent(value: float | None, *, withheld: bool = False) -> str:
    """Every share reads as a percentage; a missing figure says so rather than showing 0."""
    if withheld:
        return "withheld"
    return "–" if value is None else f"{value * 100:.0f}%"
