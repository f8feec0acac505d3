"""Block Kit for `/ai-stage` and the App Home org section: valid for Slack, with or without data."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.core.facts import set_facts
from bot.core.services import Services
from bot.core.stage import assess
from handlers.blocks.org_home import org_home_blocks
from handlers.blocks.stage import facts_blocks, stage_blocks, stage_evidence_blocks
from tests.stage_fixtures import add_answers, add_disclosures, make_team


def rendered(blocks: list[Block]) -> str:
    payload = [b.to_dict() for b in blocks]  # slack_sdk validates limits here
    assert len(payload) <= 50
    return str(payload)


async def test_blocks_with_no_data_say_what_is_missing(services: Services) -> None:
    report = await assess(services)
    assert "Fewer than 5 answers in" in rendered(stage_blocks(report))
    assert "Stage 1" in rendered(org_home_blocks(report))


async def test_blocks_escape_people_text_and_show_facts(services: Services) -> None:
    team, people = await make_team(services.db, "Ops", 6)
    await add_answers(services.db, "2026Q4", team, people, establishment="team")
    await add_disclosures(services.db, "2026Q4", 5)
    await set_facts(services, {"training_completion_pct": "92"}, "UADMIN", "cli")
    report = await assess(services)
    text = rendered(stage_evidence_blocks(report))
    assert "Training completion 92%" in text and "<@" not in text
    assert "sanctioned share 55%" in text and "Pilots 1" in text
    assert "outside the approved catalog: Shadowgpt (5)" in text
    home = rendered(org_home_blocks(report))
    assert "What holds it back" in home and "Next step" in home
    facts = rendered(facts_blocks({"ai_policy": "<!channel>"}, ["x"]))
    assert "&lt;!channel&gt;" in facts
