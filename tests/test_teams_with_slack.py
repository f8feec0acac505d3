"""Done when: a Teams user and a Slack user in one organisation answer the same campaign, each
once, and the stage and the team summary count both (each driven over its own signed HTTP)."""

from __future__ import annotations

from bot.core import campaigns
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.core.stage import assess
from bot.core.team_summary import build_team_summary
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from bot.teams.double import BotConnectorDouble, TeamsSender
from handlers import ids
from handlers.teams import cards
from storage.types import utcnow
from tests.conftest import eventually
from tests.teams_fixtures import add_person, card_text, last_card, person
from tests.test_answers_http import form
from tests.test_campaign_fixtures import all_answers

QUARTER = campaigns.quarters.quarter_of(utcnow())
IN_TEAMS = {"example": "Drafted release notes from the changelog", "work_kind": "drafting",
            "tool": "Copilot", "share_consent": "false"}  # fmt: skip


async def test_teams_users_and_slack_users_answer_one_campaign_and_all_count(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services,
    slack: SlackDouble, slack_sender: SlackSender,
) -> None:  # fmt: skip
    """Two answer in Teams and three in Slack: five, exactly K, so every figure shows only if
    both platforms' answers are counted (either side alone would be withheld)."""
    boss = connector.add_user("Boss", "boss@example.com")
    await add_person(teams_services, "Boss", "boss@example.com", team="Leads",
                     aad_object_id=boss.aad_object_id)  # fmt: skip
    in_teams = []
    for name in ("Ada", "Tom"):
        user = connector.add_user(name, f"{name.lower()}@example.com")
        await add_person(teams_services, name, f"{name.lower()}@example.com",
                         aad_object_id=user.aad_object_id,
                         manager_email="boss@example.com")  # fmt: skip
        in_teams.append(user)
    for n in range(6):
        slack.add_user(f"USLACK{n}", email=f"s{n}@example.com")
        await add_person(teams_services, f"Sam {n}", f"s{n}@example.com",
                         slack_user_id=f"USLACK{n}", manager_email="boss@example.com")  # fmt: skip
    for user in (boss, *in_teams):
        await teams.install(user)
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    assert (await run_due_deliveries(teams_services)).sent == 9

    for user in in_teams:
        prompt = connector.messages_to(user)[-1]
        await teams.action(user, cards.ANSWER, {"campaign": QUARTER}, on=prompt.id)
        for _ in range(2):  # a double click on Save
            status, _body = await teams.action(
                user, cards.SAVE_ANSWER, {"campaign": QUARTER, **IN_TEAMS}, on=prompt.id
            )
            assert status == 200
    for n in range(3):
        for _ in range(2):
            reply = await slack_sender.view_submission(
                ids.ANSWER_VIEW, form(), user_id=f"USLACK{n}", private_metadata=QUARTER
            )
            assert reply.status == 200

    answers = await eventually(lambda: _at_least(teams_services, 5))
    expected = {"ada@example.com", "tom@example.com", *(f"s{n}@example.com" for n in range(3))}
    ids_ = {(await person(teams_services, email)).id for email in expected}
    assert sorted(a.person_id for a in answers) == sorted(ids_)  # each once

    report = await assess(teams_services)
    assert report.signals["answered"] == 5 and report.signals["prompted"] == 9
    await teams.message(in_teams[0], "stage")
    assert "5 of 9 answered" in card_text(last_card(connector, in_teams[0]))
    await slack_sender.command(ids.STAGE_COMMAND, user_id="USLACK5")
    await eventually(lambda: "5 of 9" in str(slack.responses))

    boss_id = (await person(teams_services, "boss@example.com")).id
    summary = await build_team_summary(teams_services, boss_id or 0, QUARTER)
    [platform] = [t for t in summary.teams if t.name == "Platform"]
    assert platform.signals is not None and platform.signals.answered == 5
    await teams.message(boss, "team")
    shown = card_text(last_card(connector, boss))
    assert "Platform (8 people)" in shown and "Response rate 5 of 8" in shown
    assert connector.refused == []


async def _at_least(services: Services, n: int) -> list:
    found = await all_answers(services)
    return found if len(found) >= n else []
