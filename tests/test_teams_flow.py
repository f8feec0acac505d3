"""A Teams user installs the app, is prompted by the outbox, and answers in a card."""

from __future__ import annotations

from bot.core import campaigns
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.teams.double import BotConnectorDouble, TeamsSender
from handlers.teams import cards
from storage.types import utcnow
from tests.teams_fixtures import add_person, card_text, last_card, person, references, titles
from tests.test_campaign_fixtures import all_answers, deliveries

QUARTER = campaigns.quarters.quarter_of(utcnow())
GOOD = {
    "example": "Summarised 40 support tickets a day with an assistant",
    "work_kind": "summarising",
    "tool": "Copilot",
    "tool_approved": "approved",
    "establishment": "regular",
    "spread": "my_team",
    "continues_without_me": "yes",
    "hours_saved_per_month": "6",
    "metric": "",
    "obstacles": "procurement,no_time",
    "share_consent": "true",
}


async def test_install_keeps_the_reference_and_matches_the_directory_by_email(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    await add_person(teams_services, "Grace Hopper", "grace@example.com")
    user = connector.add_user("Grace Hopper", "grace@example.com")
    assert await teams.install(user) in (200, 201, 202)
    [ref] = await references(teams_services)
    assert ref.aad_object_id == user.aad_object_id
    assert ref.conversation_id == user.conversation_id
    assert ref.service_url == connector.service_url and ref.user_id == user.user_id
    assert (await person(teams_services, "grace@example.com")).aad_object_id == user.aad_object_id
    assert "leverage" in card_text(last_card(connector, user))  # the welcome lists commands
    assert connector.refused == []


async def test_reinstall_does_not_rewrite_an_unchanged_reference(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = connector.add_user("Lin", "lin@example.com")
    await teams.install(user)
    [first] = await references(teams_services)
    await teams.message(user, "help")
    [again] = await references(teams_services)
    assert again.captured_at == first.captured_at


async def test_prompt_is_delivered_in_the_personal_chat_and_answered_in_the_card(
    teams: TeamsSender,
    connector: BotConnectorDouble,
    teams_services: Services,
    slack: SlackDouble,
) -> None:
    user = connector.add_user("Ada Lovelace", "ada@example.com")
    await add_person(teams_services, "Ada Lovelace", "ada@example.com",
                     aad_object_id=user.aad_object_id)  # fmt: skip
    await teams.install(user)
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    report = await run_due_deliveries(teams_services)
    assert report.sent == 1 and slack.calls_to("chat.postMessage") == []
    prompt = last_card(connector, user)
    assert cards.QUESTION in card_text(prompt)
    assert titles(prompt) == ["Share an example", "Not this quarter", "Tell us anonymously"]
    [row] = await deliveries(teams_services, kind="prompt")
    assert row.status == "sent" and row.channel_id == "msteams"

    status, body = await teams.action(user, cards.ANSWER, {"campaign": QUARTER})
    assert status == 200 and body["statusCode"] == 200
    form = body["value"]
    assert {e.get("id") for e in form["body"]} >= {"example", "tool", "work_kind"}

    status, body = await teams.action(
        user, cards.SAVE_ANSWER, {"campaign": QUARTER, **GOOD, "tool": " "}
    )
    assert status == 200
    refused = body["value"]
    assert "Please name the tool" in card_text(refused)
    kept = {e["id"]: e.get("value") for e in refused["body"] if e.get("id")}
    assert kept["example"] == GOOD["example"]  # nothing typed is lost
    assert await all_answers(teams_services) == []

    status, body = await teams.action(user, cards.SAVE_ANSWER, {"campaign": QUARTER, **GOOD})
    assert "Thank you" in card_text(body["value"])
    status, body = await teams.action(user, cards.SAVE_DETAILS, {"campaign": QUARTER, **GOOD})
    assert "details are saved" in card_text(body["value"])
    [answer] = await all_answers(teams_services)
    assert answer.tool == "Copilot" and answer.obstacle_procurement and answer.share_consent
    assert answer.establishment == "regular" and answer.hours_saved_per_month == 6
    assert (await person(teams_services, "ada@example.com")).last_platform == "teams"
    assert connector.refused == []


async def test_not_in_directory_gets_a_clear_card_and_nothing_is_stored(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = connector.add_user("Stranger", "stranger@example.com")
    await teams.install(user)
    status, body = await teams.action(user, cards.SAVE_ANSWER, {"campaign": QUARTER, **GOOD})
    assert status == 200 and "not in the AI Leverage directory" in card_text(body["value"])
    assert await all_answers(teams_services) == []
