"""`/ai-leverage team` over signed HTTP (engineer A's command dispatches to the team view)."""

from __future__ import annotations

from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from tests.conftest import eventually
from tests.stage_fixtures import add_answers, add_prompts, make_person, make_team

Q = "2026Q4"


async def test_manager_gets_the_team_view_others_a_polite_refusal(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    manager = await make_person(services.db, "Mona Manager", "UMGR")
    team, people = await make_team(services.db, "Eng", 6, manager=manager)
    await add_prompts(services.db, Q, people)
    await add_answers(services.db, Q, team, people[:5], share_consent=True)
    await sender.command("/ai-leverage", "team", user_id="UMGR")
    await eventually(lambda: len(slack.responses) == 1)
    body = slack.responses[0]["body"]
    assert "Eng (6 people): 5 of 6 (83%) answered" in body["text"]
    assert "Eng Person 0" in str(body["blocks"]) and "Eng Person 5" not in str(body["blocks"])
    await sender.command("/ai-leverage", "team", user_id="UENG1")
    await eventually(lambda: len(slack.responses) == 2)
    assert "Team views are for a team's managers" in slack.responses[1]["body"]["text"]
    await sender.command("/ai-leverage", "team", user_id="USTRANGER")
    await eventually(lambda: len(slack.responses) == 3)
    assert "not in the organisation's directory" in slack.responses[2]["body"]["text"]
    assert not slack.validation_errors
