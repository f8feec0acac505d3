"""A believable synthetic organisation and its answers, deterministic for a given seed.

The story it tells follows the seed article: early quarters show individual, often covert use
blocked by procurement; later quarters show a policy, sanctioned tools, team-wide practices and
production use cases that survive people leaving, with legal review becoming the slowest gate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.core.vocabulary import COVERT_REASONS, OBSTACLES

TIMEZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
)
TEAM_NAMES = (
    "Finance",
    "Legal",
    "Procurement",
    "Sales EMEA",
    "Sales Americas",
    "Customer Support",
    "Marketing",
    "Data Platform",
    "Web",
    "Mobile",
    "Infrastructure",
    "Security",
    "People",
    "Design",
    "Research",
    "Partnerships",
    "Operations",
    "Analytics",
    "Quality",
    "Facilities",
)
FIRST = (
    "Maria",
    "Ana",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Femi",
    "Gita",
    "Hugo",
    "Ines",
    "Jon",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rui",
    "Sana",
    "Tom",
    "Uma",
    "Vik",
    "Wen",
    "Yara",
    "Zoe",
)
LAST = (
    "Silva",
    "Okafor",
    "Novak",
    "Tanaka",
    "Berg",
    "Haddad",
    "Kowalski",
    "Moreau",
    "Singh",
    "Ivanova",
    "Lopez",
    "Murphy",
    "Nakamura",
    "Osei",
    "Park",
    "Rossi",
    "Schmidt",
    "Weber",
)
EXAMPLES = {
    "drafting": "Drafted the first version of {thing} with an assistant and edited it myself",
    "summarising": "Summarised {thing} into a one-page brief before the review",
    "analysis": "Used AI to analyse {thing} and spot the outliers worth a closer look",
    "coding": "Generated tests and a refactor for {thing} with a coding assistant",
    "research": "Researched {thing} with an AI assistant and checked the sources",
    "customer_communication": "Prepared replies to {thing} and kept the tone consistent",
    "meeting_notes": "Turned the recording of {thing} into notes with action items",
    "other": "Automated part of {thing} that used to take an afternoon",
}
THINGS = (
    "vendor contracts",
    "the quarterly forecast",
    "support tickets",
    "the onboarding guide",
    "survey responses",
    "the incident review",
    "the board pack",
    "release notes",
)
TOOLS = ("ChatAssist", "CodePilot", "NoteTaker", "DocSummarizer", "SlideGen", "ResearchBot")
# The kinds of work each team mostly uses AI for: real teams concentrate on a few, which is what
# lets a team summary name its themes (each at least K people) instead of pooling them all.
TEAM_WORK = {
    "Finance": ("analysis", "drafting"),
    "Legal": ("drafting", "research"),
    "Procurement": ("summarising", "drafting"),
    "Sales EMEA": ("customer_communication", "drafting"),
    "Sales Americas": ("customer_communication", "research"),
    "Customer Support": ("customer_communication", "summarising"),
    "Marketing": ("drafting", "research"),
    "Data Platform": ("coding", "analysis"),
    "Web": ("coding", "research"),
    "Mobile": ("coding", "meeting_notes"),
    "Infrastructure": ("coding", "summarising"),
    "Security": ("analysis", "coding"),
    "People": ("drafting", "meeting_notes"),
    "Design": ("research", "meeting_notes"),
    "Research": ("research", "summarising"),
    "Partnerships": ("meeting_notes", "drafting"),
    "Operations": ("summarising", "analysis"),
    "Analytics": ("analysis", "coding"),
    "Quality": ("analysis", "summarising"),
    "Facilities": ("meeting_notes", "drafting"),
}


@dataclass
class DemoPerson:
    email: str
    name: str
    team: str
    manager_email: str | None
    slack_user_id: str
    tz: str


@dataclass
class DemoOrg:
    people: list[DemoPerson] = field(default_factory=list)

    def csv(self) -> str:
        lines = ["email,name,team,manager_email,slack_user_id"]
        lines += [
            f"{p.email},{p.name},{p.team},{p.manager_email or ''},{p.slack_user_id}"
            for p in self.people
        ]
        return "\n".join(lines) + "\n"


def build_org(rng: random.Random, size: int = 300) -> DemoOrg:
    """A CEO, a few directors, and teams of uneven size (some below the anonymity threshold)."""
    org = DemoOrg()
    used: set[str] = set()

    def person(team: str, manager: str | None) -> DemoPerson:
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}{len(used)}@example.com".lower()
            if email not in used:
                used.add(email)
                break
        tz = rng.choice(TIMEZONES)
        uid = f"U{len(used):07d}"
        entry = DemoPerson(email, f"{first} {last}", team, manager, uid, tz)
        org.people.append(entry)
        return entry

    ceo = person("Leadership", None)
    directors = [person("Leadership", ceo.email) for _ in range(4)]
    weights = [rng.choice((2, 3, 8, 12, 15, 20, 25)) for _ in TEAM_NAMES]
    scale = (size - len(org.people)) / sum(weights)
    for index, team in enumerate(TEAM_NAMES):
        lead = person(team, directors[index % len(directors)].email)
        for _ in range(max(1, round(weights[index] * scale)) - 1):
            person(team, lead.email)
    return org


def answer_for(
    rng: random.Random, quarter_index: int, quarters: int, team: str = ""
) -> dict[str, object] | None:
    """One person's answer for a quarter, or None for no answer; maturity grows with the index.
    Four in five examples are of the team's usual kinds of work."""
    progress = quarter_index / max(1, quarters - 1)
    if rng.random() > 0.45 + 0.4 * progress:
        return None
    if rng.random() > 0.55 + 0.35 * progress:
        return {"has_example": False}
    usual = TEAM_WORK.get(team)
    kind = rng.choice(usual) if usual and rng.random() < 0.8 else rng.choice(list(EXAMPLES))
    establishment = _weighted(
        rng,
        ("one_off", "regular", "team", "production"),
        (5 - 4 * progress, 4, 1 + 4 * progress, 0.2 + 3 * progress),
    )
    obstacles = [o for o in OBSTACLES if rng.random() < _obstacle_rate(o, progress)]
    hours = round(rng.uniform(1, 12), 1) if rng.random() < 0.2 + 0.5 * progress else None
    return {
        "has_example": True,
        "example": EXAMPLES[kind].format(thing=rng.choice(THINGS)),
        "work_kind": kind,
        "tool": rng.choice(TOOLS),
        "tool_approved": _weighted(
            rng,
            ("approved", "not_approved", "unknown"),
            (0.5 + 4 * progress, 3 - 2.5 * progress, 1),
        ),
        "establishment": establishment,
        "spread": _weighted(
            rng, ("just_me", "my_team", "several_teams"), (4 - 3 * progress, 2, 0.3 + 3 * progress)
        ),
        "continues_without_me": _weighted(
            rng, ("yes", "no", "not_sure"), (0.5 + 4 * progress, 3 - 2 * progress, 1)
        ),
        "hours_saved_per_month": hours,
        "obstacles": obstacles,
        "share_consent": rng.random() < 0.3,
    }


def disclosure_for(
    rng: random.Random, quarter_index: int, quarters: int
) -> dict[str, object] | None:
    """Covert use is common early on and fades as sanctioned paths appear."""
    progress = quarter_index / max(1, quarters - 1)
    if rng.random() > 0.25 - 0.18 * progress:
        return None
    reasons = list(COVERT_REASONS)
    weights = (3 - 2 * progress, 3 - 2 * progress, 1 + 3 * progress, 2, 1, 1)
    chosen = {_weighted(rng, reasons, weights) for _ in range(rng.randint(1, 2))}
    return {
        "tool": rng.choice(("FreeChat", "SnapSummary", "PromptPal", "ChatAssist")),
        "tool_kind": rng.choice(("chat_assistant", "writing", "meeting_transcription")),
        "work_kind": rng.choice(list(EXAMPLES)),
        "frequency": rng.choice(("monthly", "weekly", "daily")),
        "data_class": _weighted(
            rng, ("public", "internal", "confidential", "customer_personal"), (3, 4, 1.5, 0.5)
        ),
        "reasons": sorted(chosen),
        "make_it_easy": rng.choice((None, "An approved tool with a clear data policy")),
    }


def _obstacle_rate(obstacle: str, progress: float) -> float:
    return {
        "procurement": 0.45 - 0.35 * progress,
        "legal_review": 0.15 + 0.3 * progress,
        "security_data": 0.15,
        "no_policy": 0.4 - 0.35 * progress,
        "review_credit": 0.2,
        "no_time": 0.15,
        "tool_quality": 0.1,
    }[obstacle]


def _weighted(
    rng: random.Random, options: tuple[str, ...] | list[str], weights: tuple[float, ...]
) -> str:
    return rng.choices(list(options), weights=[max(w, 0.01) for w in weights])[0]
