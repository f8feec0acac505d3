"""The stage is published only as far as its published figures decide it (review finding M3).

An insider who reads `/ai-stage` (or App Home, or `stage --json`) before and after a known
colleague answers must learn nothing while the quarter holds fewer than K answers: with one
answer, "breadth" and "sanctioned share" *are* that person's answer, so a stage that moved, a
check that flipped or a cap line that appeared would tell whether they gave an example and
whether their tool was approved. Organisations, earlier quarters, facts and disclosures come
from hypothesis; every published stage output is compared byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from bot.core.facts import set_facts
from bot.core.reports import export_signals
from bot.core.services import Services
from bot.core.stage import assess
from handlers.blocks.org_home import org_home_blocks
from handlers.blocks.stage import stage_blocks, stage_evidence_blocks
from storage.models import (
    Answer,
    Campaign,
    Delivery,
    Disclosure,
    FactChange,
    OrgFact,
    Person,
    Team,
)
from tests.stage_fixtures import add_answers, add_disclosures, add_prompts, make_team

K = 5
EARLIER, Q = "2026Q2", "2026Q3"
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Said:
    """One answer, with every field that feeds a stage criterion."""

    example: bool
    approval: str
    kind: str
    establishment: str
    spread: str
    continues: str
    measured: bool

    def fields(self) -> dict[str, Any]:
        if not self.example:
            return {"has_example": False, "example": None}
        return {
            "tool_approved": self.approval,
            "work_kind": self.kind,
            "establishment": self.establishment,
            "spread": self.spread,
            "continues_without_me": self.continues,
            "hours_saved_per_month": 4.0 if self.measured else None,
        }


said = st.builds(
    Said,
    example=st.booleans(),
    approval=st.sampled_from(("approved", "not_approved", "unknown")),
    kind=st.sampled_from(("drafting", "coding", "analysis")),
    establishment=st.sampled_from(("tried", "regular", "team", "production")),
    spread=st.sampled_from(("just_me", "my_team", "several_teams")),
    continues=st.sampled_from(("yes", "no")),
    measured=st.booleans(),
)
FACTS = {
    "ai_policy": "true",
    "review_path": "true",
    "review_sla_days": "10",
    "procurement_ai_default": "true",
    "review_credit": "true",
    "production_use_cases_documented": "12",
}


@dataclass
class Case:
    earlier: list[Said]  # the previous quarter: none, a few or many answers
    before: list[Said]  # this quarter, fewer than K - 1 answers
    one_more: Said  # the colleague who answers next (still fewer than K in all)
    disclosures: int
    facts: list[str]


cases = st.builds(
    Case,
    earlier=st.one_of(st.just([]), st.lists(said, min_size=K, max_size=14)),
    before=st.lists(said, max_size=K - 2),
    one_more=said,
    disclosures=st.sampled_from((0, 2, K, 3 * K)),
    facts=st.lists(st.sampled_from(sorted(FACTS)), unique=True),
)


async def reset(services: Services) -> None:
    async with services.db.session() as s:
        for model in (Answer, Delivery, Disclosure, Person, Team, Campaign, OrgFact, FactChange):
            await s.exec(delete(model))  # type: ignore[call-overload]


async def answer(services: Services, quarter: str, team: int, people: list[int], said: list[Said]):
    for person, one in zip(people, said, strict=False):
        await add_answers(services.db, quarter, team, [person], **one.fields())


async def published(services: Services) -> list[Any]:
    """Every published form of the stage: `stage --json`, `/ai-stage` (both audiences), its
    evidence, App Home and the export's stage column."""
    report = await assess(services, Q)
    export = json.loads(await export_signals(services, "json"))["quarters"]
    return [
        json.dumps(report.to_dict(), indent=2),
        [b.to_dict() for b in stage_blocks(report)],
        [b.to_dict() for b in stage_blocks(report, admin=True)],
        [b.to_dict() for b in stage_evidence_blocks(report)],
        [b.to_dict() for b in org_home_blocks(report)],
        [(row["quarter"], row["stage"]) for row in export],
    ]


@EXAMPLES
@given(case=cases)
async def test_one_more_answer_below_k_changes_no_published_stage_output(
    services: Services, case: Case
) -> None:
    await reset(services)
    team, people = await make_team(services.db, "Everyone", 30)
    await add_prompts(services.db, EARLIER, people)
    await add_prompts(services.db, Q, people)
    await answer(services, EARLIER, team, people, case.earlier)
    await answer(services, Q, team, people, case.before)
    if case.disclosures:
        await add_disclosures(services.db, Q, case.disclosures, reason_no_approved_tool=True)
    if case.facts:
        await set_facts(services, {f: FACTS[f] for f in case.facts}, "UADMIN", "cli")
    before = await published(services)
    await answer(services, Q, team, people[len(case.before) :], [case.one_more])
    assert await published(services) == before


async def seed_decided_quarter(services: Services) -> tuple[int, list[int]]:
    """2026Q2 with 10 answers, all examples, a policy and a review path: stage 2 at least."""
    team, people = await make_team(services.db, "Everyone", 30)
    await add_prompts(services.db, EARLIER, people)
    await add_answers(services.db, EARLIER, team, people[:10], establishment="team")
    await set_facts(services, {"ai_policy": "true", "review_path": "true"}, "UADMIN", "cli")
    return team, people


async def test_below_k_answers_the_stage_is_carried_forward_and_says_so(
    services: Services,
) -> None:
    """Positive control for the property above: the quarter's own answers are not read."""
    team, people = await seed_decided_quarter(services)
    earlier = await assess(services, EARLIER)
    assert earlier.estimated and earlier.stage >= 2
    await add_answers(services.db, Q, team, people[:2], establishment="team")
    report = await assess(services, Q)
    assert (report.stage, report.estimated, report.stage_carried_from) == (
        earlier.stage,
        False,
        EARLIER,
    )
    notes = [e["text"] for e in report.evidence if e["stage"] is None]
    assert any("carried forward from Q2 2026" in n for n in notes)
    assert report.trend[-1]["stage"] == earlier.stage and not report.trend[-1]["estimated"]
    assert report.confidence == "low"
    # At K answers the quarter's own figures decide again.
    await add_answers(services.db, Q, team, people[2:12], establishment="team")
    assert (await assess(services, Q)).estimated


async def test_the_covert_cap_line_needs_its_share_published(services: Services) -> None:
    """Twelve answers, two with an example, and K disclosures: covert use is 5 of 7 reported
    uses, so the cap holds, but "with an example" (2) is withheld and with it the covert share.
    The line "A cap on covert use applies: figures withheld" told readers that covert use was
    at least the withheld example count; now no cap line shows, and the stage is not estimated
    from it."""
    team, people = await make_team(services.db, "Everyone", 30)
    await add_answers(services.db, Q, team, people[:10], has_example=False, example=None)
    await add_answers(services.db, Q, team, people[10:12])
    await add_disclosures(services.db, Q, K, reason_no_approved_tool=True)
    report = await assess(services, Q)
    assert report.signals["covert"] == K and report.signals["covert_share"] is None
    assert [e for e in report.evidence if e.get("cap") and e["stage"] == 1] == []
    assert not any("covert" in e["text"].lower() and "cap" in e["text"] for e in report.evidence)
