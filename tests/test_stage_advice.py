"""Advice that is true for its quarter: each quarter is judged with the process facts that held
then (replayed from the audited log), and a next step never asks for what is already recorded."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from bot.core.facts import Facts, set_facts
from bot.core.services import Services
from bot.core.signals import Signals
from bot.core.stage import assess, load_thresholds
from bot.core.stage_rules import criteria
from tests.stage_fixtures import add_answers, add_prompts, make_team

EARLY, LATE = "2026Q2", "2026Q3"
PRODUCTION = {"establishment": "production", "continues_without_me": "yes", "spread": "my_team"}


def at(services: Services, *when: int) -> None:
    services.clock = lambda: datetime(*when, tzinfo=UTC)  # type: ignore[misc]


async def two_quarters(services: Services) -> None:
    """Three teams with production use cases in both quarters; facts change between them:
    in the early quarter a policy and a 30-day SLA, in the late one a 14-day SLA and review
    credit."""
    everyone = []
    for i in range(3):
        team, people = await make_team(services.db, f"T{i}", 6)
        for quarter in (EARLY, LATE):
            await add_answers(services.db, quarter, team, people, obstacle_review_credit=True,
                              **PRODUCTION)  # fmt: skip
        everyone += people
    for quarter in (EARLY, LATE):
        await add_prompts(services.db, quarter, everyone)
    at(services, 2026, 5, 4, 9)
    await set_facts(services, {"ai_policy": "true", "review_sla_days": "30"}, "U1", "cli")
    at(services, 2026, 8, 3, 9)
    await set_facts(services, {"review_sla_days": "14", "review_credit": "true"}, "U1", "cli")
    at(services, 2026, 11, 2, 9)


def line(report, prefix: str) -> dict:
    return next(e for e in report.evidence if e["text"].startswith(prefix))


async def test_each_quarter_is_judged_with_the_facts_it_had(services: Services) -> None:
    await two_quarters(services)
    early = await assess(services, EARLY)
    late = await assess(services, LATE)
    assert early.facts["values"] == {"ai_policy": "true", "review_sla_days": "30"}
    assert "(recorded: 30 days)" in line(early, "Review SLA")["text"]
    assert line(early, "Review SLA")["met"] is False
    assert line(early, "Performance reviews credit")["met"] is False
    assert "(recorded: 14 days)" in line(late, "Review SLA")["text"]
    assert line(late, "Performance reviews credit")["met"] is True
    trend = {p["quarter"]: p["stage"] for p in late.trend}
    assert trend[EARLY] == early.stage and trend[LATE] == late.stage
    # The registry's notes describe today: the latest quarter shows them, an earlier one not.
    assert any(e["text"].startswith("Registry:") for e in late.evidence)
    assert not any(e["text"].startswith(("Registry:", "Review gates:")) for e in early.evidence)


async def test_a_next_step_never_asks_for_what_is_recorded(services: Services) -> None:
    await two_quarters(services)
    late = await assess(services, LATE)
    # People name review credit as the gate, but it is recorded: the step moves the criterion.
    assert late.constraint["gate"]["gate"] == "review_credit"
    assert "review_credit=true" not in late.next_step
    assert "review_sla_days" not in late.next_step
    assert late.constraint["step"] != "visibility"
    early = await assess(services, EARLY)
    # Then, review credit was the step; it has been recorded since, and the report says so.
    assert early.constraint["step"] == "visibility"
    assert early.next_step.endswith("(recorded since)")
    assert early.constraint["next_step_hint"] is None


async def test_an_sla_already_recorded_is_not_asked_for_again(services: Services) -> None:
    team, people = await make_team(services.db, "Solo", 6)
    await add_answers(services.db, LATE, team, people, obstacle_legal_review=True, **PRODUCTION)
    await add_prompts(services.db, LATE, people)
    await set_facts(services, {"ai_policy": "true", "review_sla_days": "30"}, "U1", "cli")
    report = await assess(services)
    assert report.constraint["gate"]["gate"] == "legal_review"  # deadline: the SLA step
    assert report.constraint["step"] == "sla"
    assert report.next_step.endswith("(then record it: facts set review_sla_days=14)")
    assert report.constraint["next_step_hint"] == "leverage-bot facts set review_sla_days=14"
    await set_facts(services, {"review_sla_days": "14"}, "U1", "cli")
    report = await assess(services)
    assert report.constraint["step"] == "production"  # the SLA is recorded: move the criterion
    assert "review_sla_days" not in report.next_step


def test_a_missed_share_never_reads_as_its_threshold() -> None:
    """79.7% against "needs ≥ 80%" rounds to 80%: the evidence says 79.7%, so a missed check
    never reads "80% (needs ≥ 80%)"; a met or clearly missed share stays in whole percent."""
    t = load_thresholds()
    need = t["stage5"]["min_sanctioned_share"]

    def sanctioned(share: float) -> dict:
        sig = Signals(quarter=LATE, sanctioned_share=share)
        rows = criteria(sig, Facts(), t, growth=0)
        return next(asdict(c) for c in rows if c.stage == 5 and c.key.startswith("sanctioned"))

    close = sanctioned(need - 0.003)
    assert close["met"] is False and f"{(need - 0.003) * 100:.1f}%" in close["text"]
    assert sanctioned(need)["met"] is True and f": {need:.0%} (" in sanctioned(need)["text"]
    assert ": 50% (" in sanctioned(0.5)["text"]
