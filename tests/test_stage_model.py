"""The gated, explainable stage estimate, driven from rows as the campaign and disclosure flows
store them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.facts import set_facts
from bot.core.services import Services
from bot.core.stage import QuarterOutOfRange, ThresholdsError, assess
from tests.stage_fixtures import add_answers, add_disclosures, add_prompts, make_team

Q = "2026Q3"
PRODUCTION = {"establishment": "production", "continues_without_me": "yes", "spread": "my_team"}


async def org_with_production(services: Services, teams: int = 3) -> list[int]:
    """`teams` teams of six, each with its own production drafting use case, all approved."""
    everyone = []
    for i in range(teams):
        team, people = await make_team(services.db, f"T{i}", 6)
        await add_answers(services.db, Q, team, people, **PRODUCTION)
        everyone += people
    await add_prompts(services.db, Q, everyone)
    return everyone


async def govern(services: Services) -> None:
    await set_facts(services, {"ai_policy": "true", "review_sla_days": "14"}, "UADMIN", "cli")


def texts(report) -> list[str]:
    return [line["text"] for line in report.evidence]


async def test_policy_and_production_reach_stage_three(services: Services) -> None:
    await org_with_production(services)
    await govern(services)
    report = await assess(services)
    assert report.quarter == Q
    assert report.stage == 3
    data = report.to_dict()
    assert {"stage", "confidence", "constraint", "evidence", "signals", "trend"} <= set(data)
    assert data["signals"]["production"] == 3
    assert data["constraint"]["stage"] == 4
    assert "Measured outcomes" in data["constraint"]["criterion"]
    met = [line for line in report.evidence if line["stage"] == 3]
    assert met and all(line["met"] for line in met)


async def test_without_policy_and_review_path_never_above_two(services: Services) -> None:
    await org_with_production(services, teams=4)
    report = await assess(services)
    assert report.stage == 2
    assert any("cannot exceed 2" in t for t in texts(report))
    assert "No AI policy" in report.constraint["criterion"]
    # A deadline on a review path needs the policy and the path first: that is the step.
    assert "AI policy" in report.next_step and "ai_policy=true" in report.next_step


async def test_a_stage_counts_only_if_lower_ones_hold(services: Services) -> None:
    """Production use cases and governance, but most answers have no example: stage 1."""
    people = await org_with_production(services)
    await govern(services)
    team, idle = await make_team(services.db, "Idle", 90)
    await add_answers(services.db, Q, team, idle, has_example=False, example=None)
    report = await assess(services)
    assert report.stage == 1
    breadth = next(line for line in report.evidence if line["text"].startswith("Answers with"))
    assert breadth["met"] is False and "needs ≥ 20%" in breadth["text"]
    production = next(line for line in report.evidence if line["text"].startswith("Production"))
    assert production["met"] is True, people


async def test_covert_use_dominating_keeps_stage_one(services: Services) -> None:
    await org_with_production(services)
    await govern(services)
    await add_disclosures(services.db, Q, 30)
    report = await assess(services)
    assert report.stage == 1
    assert any("Covert use dominates" in t for t in texts(report))
    assert "Covert use dominates" in report.constraint["criterion"]


async def test_training_completion_never_moves_the_stage(services: Services) -> None:
    await org_with_production(services)
    before = await assess(services)
    await set_facts(services, {"training_completion_pct": "100"}, "UADMIN", "cli")
    after = await assess(services)
    assert after.stage == before.stage == 2
    assert any("knowledge, not maturity" in t for t in texts(after))
    assert not any("knowledge" in t for t in texts(before))


async def test_thresholds_file_overrides_defaults(services: Services, tmp_path: Path) -> None:
    await org_with_production(services)
    await govern(services)
    assert (await assess(services)).stage == 3
    override = tmp_path / "thresholds.toml"
    override.write_text("[stage3]\nmin_production = 5\n")
    services.settings.stage_thresholds_file = str(override)
    report = await assess(services)
    assert report.stage == 2
    assert any("needs ≥ 5" in t for t in texts(report))
    override.write_text("[stage3]\nmin_unicorns = 1\n")
    with pytest.raises(ThresholdsError, match="min_unicorns"):
        await assess(services)


async def test_confidence_follows_answers_and_response_rate(services: Services) -> None:
    people = await org_with_production(services)
    assert (await assess(services)).confidence == "low"  # 18 answers
    team, more = await make_team(services.db, "Big", 120)
    await add_answers(services.db, Q, team, more)
    await add_prompts(services.db, Q, more)
    assert (await assess(services)).confidence == "high"
    _, silent = await make_team(services.db, "Silent", 400)
    await add_prompts(services.db, Q, silent)  # prompted, nobody answered: rate 138/538
    report = await assess(services)
    assert report.confidence == "low", people
    assert report.signals["response_rate"] == pytest.approx(138 / 538, abs=0.001)


async def test_a_quarter_with_no_answers(services: Services) -> None:
    services.clock = lambda: datetime(2027, 2, 10, 12, tzinfo=UTC)
    empty = await assess(services)
    assert empty.stage == 1 and empty.confidence == "low"
    assert any("Fewer than 5 answers" in t for t in texts(empty))
    await org_with_production(services)
    report = await assess(services, "2027Q1")
    # Nothing published decides 2027Q1: its stage is 2026Q3's, carried forward, and says so.
    earlier = await assess(services, Q)
    assert report.quarter == "2027Q1" and report.confidence == "low"
    assert earlier.estimated and report.stage == earlier.stage == 2
    assert not report.estimated and report.stage_carried_from == Q
    assert any("carried forward from Q3 2026" in t for t in texts(report))
    assert report.signals["answered"] is None  # 0 reads "fewer than 5", as 1..4 would
    assert any("Fewer than 5 answers in Q1 2027 so far" in t for t in texts(report))


async def test_future_quarters_and_quarters_before_the_first_campaign_are_refused(
    services: Services,
) -> None:
    services.clock = lambda: datetime(2026, 11, 10, 12, tzinfo=UTC)
    await org_with_production(services)
    with pytest.raises(QuarterOutOfRange, match="Q1 2030 has not started yet; choose Q4 2026"):
        await assess(services, "2030Q1")
    with pytest.raises(QuarterOutOfRange, match="before the first campaign \\(Q3 2026\\)"):
        await assess(services, "2025Q4")
    report = await assess(services)
    assert [p["quarter"] for p in report.trend] == [Q]  # nothing beyond the data is drawn


async def test_contradictory_facts_are_reported_not_fatal(services: Services) -> None:
    await org_with_production(services)
    contradictory = {"ai_policy": "true", "review_sla_days": "14", "review_path": "false"}
    await set_facts(services, contradictory, "U1", "cli")
    report = await assess(services)
    assert report.stage == 2  # the review path is not counted while the facts disagree
    assert any(t.startswith("Contradictory facts") for t in texts(report))
    assert report.facts["contradictions"]


async def test_trend_and_diagnostic_compare_four_quarters_back(services: Services) -> None:
    team, people = await make_team(services.db, "Early", 6)
    await add_answers(services.db, "2025Q3", team, people, establishment="one_off")
    await org_with_production(services)
    await govern(services)
    report = await assess(services)
    assert [p["quarter"] for p in report.trend] == ["2025Q3", Q]
    assert report.trend[-1]["stage"] == 3 and report.trend[0]["stage"] <= 2
    diagnostic = report.diagnostic
    assert diagnostic["compared_with"] == "2025Q3"
    joined = " ".join(diagnostic["answers"])
    # Every example is "drafting", so that theme's count is withheld (else the other themes
    # would read as exactly 0): the diagnostic names no theme.
    assert "In production" in joined and "Drafting" not in joined
    assert "an AI policy" in joined
