"""What a Teams user sees: the two-step answer card, the disclosure dialog, stage, team, chart,
help; every card the bot sends or answers with is valid Adaptive Card 1.5."""

from __future__ import annotations

from typing import Any

from bot.core import campaigns
from bot.core.delivery import run_due_deliveries
from bot.core.ports import PromptMessage
from bot.core.services import Services
from bot.teams.double import BotConnectorDouble, TeamsSender, TeamsUser, card_problems
from handlers.teams import cards, disclose, stage
from storage.types import utcnow
from tests.teams_fixtures import actions_of, add_person, card_text, last_card
from tests.test_campaign_fixtures import all_answers
from tests.test_disclosure_helpers import all_rows, count

QUARTER = campaigns.quarters.quarter_of(utcnow())
STEP_ONE = {"example": "Drafted release notes from the changelog", "work_kind": "drafting",
            "tool": "Copilot", "share_consent": "false"}  # fmt: skip


async def _member(services: Services, teams: TeamsSender, connector: BotConnectorDouble,
                  name: str = "Ada", **extra: Any) -> TeamsUser:  # fmt: skip
    user = connector.add_user(name, f"{name.lower()}@example.com")
    await add_person(services, name, f"{name.lower()}@example.com",
                     aad_object_id=user.aad_object_id, **extra)  # fmt: skip
    await teams.install(user)
    return user


def _valid(content: dict[str, Any]) -> dict[str, Any]:
    assert card_problems(content) == [], card_problems(content)
    return content


async def test_answer_in_two_steps_like_the_slack_modal(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = await _member(teams_services, teams, connector)
    assert await teams.message(user, "leverage") in (200, 201, 202)
    form = last_card(connector, user)
    assert [e["id"] for e in form["body"] if "id" in e] == [
        "example", "work_kind", "tool", "share_consent",
    ]  # fmt: skip
    status, body = await teams.action(user, cards.SAVE_ANSWER, {"campaign": QUARTER})
    assert status == 200
    problems = card_text(_valid(body["value"]))
    assert "Please describe your example" in problems and "Please name the tool" in problems
    _status, body = await teams.action(user, cards.SAVE_ANSWER, {"campaign": QUARTER, **STEP_ONE})
    details = _valid(body["value"])
    assert "example is saved" in card_text(details)
    ids_ = [e.get("id") for e in details["body"] if e.get("id")]
    assert {"establishment", "hours_saved_per_month", "obstacles"} <= set(ids_)
    bad = {"campaign": QUARTER, "hours_saved_per_month": "900"}
    _status, body = await teams.action(user, cards.SAVE_DETAILS, bad)
    assert "between 0 and 744" in card_text(_valid(body["value"]))
    good = {"campaign": QUARTER, "establishment": "team", "hours_saved_per_month": "3.5",
            "obstacles": "legal_review"}  # fmt: skip
    _status, body = await teams.action(user, cards.SAVE_DETAILS, good)
    assert "details are saved" in card_text(_valid(body["value"]))
    [answer] = await all_answers(teams_services)
    assert answer.example == STEP_ONE["example"] and answer.establishment == "team"
    assert answer.hours_saved_per_month == 3.5 and answer.obstacle_legal_review
    assert connector.refused == []


async def test_disclosure_dialog_validates_stores_once_and_checks_a_code(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = await _member(teams_services, teams, connector)
    await teams.message(user, "disclose")
    start = last_card(connector, user)
    buttons = start["actions"]
    assert all(b["data"]["msteams"]["type"] == "task/fetch" for b in buttons)
    status, opened = await teams.invoke(user, "task/fetch", buttons[0]["data"])
    form = _valid(opened["task"]["value"]["card"]["content"])
    send = form["actions"][0]["data"]
    status, refused = await teams.invoke(user, "task/submit", {**send, "tool": ""})
    assert status == 200
    assert "Please" in card_text(_valid(refused["task"]["value"]["card"]["content"]))
    assert await count(teams_services, "disclosure") == 0
    filled = {**send, "tool": "Otter", "tool_kind": "meeting_transcription",
              "work_kind": "meeting_notes", "frequency": "weekly", "data_class": "internal",
              "reasons": "review_slow"}  # fmt: skip
    _status, done = await teams.invoke(user, "task/submit", filled)
    _status, again = await teams.invoke(user, "task/submit", filled)  # a double click
    first = card_text(_valid(done["task"]["value"]["card"]["content"]))
    assert "already had this one" in card_text(again["task"]["value"]["card"]["content"])
    assert await count(teams_services, "disclosure") == 1
    code = done["task"]["value"]["card"]["content"]["body"][1]["text"]
    assert code in first
    check = {"dialog": disclose.CHECK, "code": code}
    _status, checked = await teams.invoke(user, "task/submit", check)
    assert "No reply yet" in card_text(checked)
    unknown_code = {"dialog": disclose.CHECK, "code": "AAAA-BBBB-CCCC"}
    _status, unknown = await teams.invoke(user, "task/submit", unknown_code)
    assert "could not find" in card_text(unknown)


async def test_stage_card_and_chart_image(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = await _member(teams_services, teams, connector)
    await teams.message(user, "stage")
    shown = _valid(last_card(connector, user))
    assert "Stage " in card_text(shown) and "of 5" in card_text(shown)
    await teams.message(user, "stage chart")
    [image] = connector.messages_to(user)[-1].activity["attachments"]
    assert image["contentType"] == "image/png"
    assert image["contentUrl"].startswith("data:image/png;base64,iVBOR")
    status, body = await teams.action(user, stage.CHART, {})
    assert status == 200 and "Stage " in card_text(body["value"])
    assert connector.messages_to(user)[-1].activity["attachments"][0]["contentType"] == "image/png"


async def test_team_summary_card_for_a_manager_only(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    boss = await _member(teams_services, teams, connector, "Boss")
    for n in range(5):
        await add_person(teams_services, f"Report {n}", f"r{n}@example.com",
                         manager_email="boss@example.com")  # fmt: skip
    report = await _member(teams_services, teams, connector, "Rita",
                           manager_email="boss@example.com")  # fmt: skip
    await teams.message(boss, "team")
    assert "Team summary" in card_text(_valid(last_card(connector, boss)))
    await teams.message(report, "team")
    assert "nobody in the directory reports to you" in card_text(last_card(connector, report))


async def test_prompt_card_disclosure_button_opens_a_dialog_and_reminders_have_none(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = await _member(teams_services, teams, connector)
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    await run_due_deliveries(teams_services)
    prompt = _valid(last_card(connector, user))
    dialog = [a for a in actions_of(prompt) if a["type"] == "Action.Submit"]
    assert len(dialog) == 1 and dialog[0]["data"]["msteams"]["type"] == "task/fetch"
    _status, opened = await teams.invoke(user, "task/fetch", dialog[0]["data"])
    assert opened["task"]["value"]["card"]["content"]["actions"][0]["data"]["campaign"] == QUARTER
    reminder = cards.prompt_card(PromptMessage(QUARTER, utcnow(), reminder=1))
    assert "disclos" not in str(_valid(reminder)).lower()


async def test_help_and_unknown_words_list_the_manifest_commands(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = await _member(teams_services, teams, connector)
    await teams.message(user, "what is this")
    shown = card_text(_valid(last_card(connector, user)))
    for command in ("leverage", "stage", "team", "disclose", "help"):
        assert command in shown


async def test_forget_erases_answers_from_teams(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = await _member(teams_services, teams, connector)
    await teams.message(user, "leverage")  # opens this quarter's (off-cycle) question
    await teams.action(user, cards.SAVE_ANSWER, {"campaign": QUARTER, **STEP_ONE})
    assert len(await all_answers(teams_services)) == 1
    await teams.message(user, "leverage forget")
    confirm = _valid(last_card(connector, user))
    _status, body = await teams.action(user, confirm["actions"][0]["verb"], {})
    assert "1 answer erased" in card_text(body["value"])
    assert await all_answers(teams_services) == []


async def test_a_teams_user_who_asks_to_be_contacted_is_reachable_by_person(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = await _member(teams_services, teams, connector)
    _status, opened = await teams.invoke(user, "task/fetch", {"dialog": disclose.OPEN_FORM})
    send = opened["task"]["value"]["card"]["content"]["actions"][0]["data"]
    filled = {**send, "tool": "Otter", "tool_kind": "meeting_transcription",
              "work_kind": "meeting_notes", "frequency": "weekly", "data_class": "internal",
              "reasons": "rules_unclear", "contact": "true"}  # fmt: skip
    status, done = await teams.invoke(user, "task/submit", filled)
    assert status == 200 and "may contact you" in card_text(done)
    rows = await all_rows(teams_services)
    [(_ref, person_id, slack_user_id)] = rows["disclosurecontact"]
    assert person_id is not None and slack_user_id is None


async def test_manager_on_teams_gets_the_team_summary_card_at_close(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    boss = await _member(teams_services, teams, connector, "Boss")
    for n in range(5):
        await add_person(teams_services, f"Report {n}", f"r{n}@example.com",
                         manager_email="boss@example.com")  # fmt: skip
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    await run_due_deliveries(teams_services)
    await campaigns.close_campaign(teams_services, QUARTER)
    report = await run_due_deliveries(teams_services)
    assert report.sent >= 1
    summary = _valid(last_card(connector, boss))
    assert "Team summary" in card_text(summary)
    assert connector.refused == []
