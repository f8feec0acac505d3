"""A Teams prompt shows its state once answered, the way Slack's DM does; and a state update
goes to the platform the prompt went to (a person on both platforms is never `chat.update`d
with a Teams message id)."""

from __future__ import annotations

import logging

import pytest

from bot.core import campaigns
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from bot.teams.double import BotConnectorDouble, Posted, TeamsSender, TeamsUser
from handlers import ids
from handlers.teams import cards
from storage.types import utcnow
from tests.conftest import eventually
from tests.teams_fixtures import actions_of, add_person, card_text, titles
from tests.test_answers_http import form

QUARTER = campaigns.quarters.quarter_of(utcnow())
STEP_ONE = {"example": "Drafted release notes from the changelog", "work_kind": "drafting",
            "tool": "Copilot", "share_consent": "false"}  # fmt: skip


async def _prompted(services: Services, teams: TeamsSender, connector: BotConnectorDouble
                    ) -> tuple[TeamsUser, Posted]:  # fmt: skip
    user = connector.add_user("Ada", "ada@example.com")
    await add_person(services, "Ada", "ada@example.com", aad_object_id=user.aad_object_id)
    await teams.install(user)
    await campaigns.start_campaign(services, QUARTER, now=True)
    assert (await run_due_deliveries(services)).sent == 1
    return user, connector.messages_to(user)[-1]


def shown(connector: BotConnectorDouble, user: TeamsUser, message: Posted) -> dict:
    [now] = [p for p in connector.chat_of(user) if p.id == message.id]
    [content] = now.cards
    return content


async def test_teams_prompt_shows_the_answer_given_in_another_card(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user, prompt = await _prompted(teams_services, teams, connector)
    assert titles(shown(connector, user, prompt)) == [
        "Share an example", "Not this quarter", "Tell us anonymously",
    ]  # fmt: skip
    await teams.message(user, "leverage")  # the form, as a new card in the chat
    form_message = connector.messages_to(user)[-1]
    status, _ = await teams.action(
        user, cards.SAVE_ANSWER, {"campaign": QUARTER, **STEP_ONE}, on=form_message.id
    )
    assert status == 200
    [update] = connector.updates_to(user)  # the connector's update-activity call
    assert update.id == prompt.id
    now = shown(connector, user, prompt)
    assert "Shared for" in card_text(now)
    assert titles(now) == ["Edit", "Make this a team use case"]
    edit_button = actions_of(now)[0]
    _status, body = await teams.action(user, cards.ANSWER, edit_button["data"], on=prompt.id)
    edit = {e["id"]: e.get("value") for e in body["value"]["body"] if e.get("id")}
    assert edit["example"] == STEP_ONE["example"]  # "Edit" opens the saved example
    assert connector.refused == []


async def test_not_this_quarter_turns_the_clicked_card_into_its_state(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user, prompt = await _prompted(teams_services, teams, connector)
    status, _body = await teams.action(
        user, cards.NOT_THIS_QUARTER, {"campaign": QUARTER}, on=prompt.id
    )
    assert status == 200
    now = shown(connector, user, prompt)
    assert "not this quarter" in card_text(now) and titles(now) == ["Add an example"]
    assert connector.updates_to(user) == []  # the invoke's answer replaced it; no second write
    _status, again = await teams.action(
        user, cards.NOT_THIS_QUARTER, {"campaign": QUARTER}, on=prompt.id
    )
    assert "already answered" in card_text(again["value"])
    assert connector.refused == []


async def test_a_click_on_a_closed_question_shows_it_closed(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user, prompt = await _prompted(teams_services, teams, connector)
    await campaigns.close_campaign(teams_services, QUARTER)
    status, _body = await teams.action(user, cards.ANSWER, {"campaign": QUARTER}, on=prompt.id)
    assert status == 200
    now = shown(connector, user, prompt)
    assert "question has closed" in card_text(now) and titles(now) == []
    assert connector.refused == []


async def test_a_prompt_sent_after_the_answer_shows_the_answer_not_buttons(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = connector.add_user("Ada", "ada@example.com")
    await add_person(teams_services, "Ada", "ada@example.com", aad_object_id=user.aad_object_id)
    await teams.install(user)
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    await teams.message(user, "leverage")  # answered from the command, before the outbox ran
    await teams.action(user, cards.SAVE_ANSWER, {"campaign": QUARTER, **STEP_ONE},
                       on=connector.messages_to(user)[-1].id)  # fmt: skip
    assert (await run_due_deliveries(teams_services)).sent == 1
    prompt = connector.messages_to(user)[-1].cards[0]
    assert "Shared for" in card_text(prompt)
    assert titles(prompt) == ["Edit", "Make this a team use case"]
    assert connector.refused == []


async def _on_both(services: Services, teams: TeamsSender, connector: BotConnectorDouble,
                   slack: SlackDouble) -> TeamsUser:  # fmt: skip
    """Bo, on Slack and Teams (matched by e-mail when installing the app)."""
    slack.add_user("UBOTH1", email="bo@example.com")
    bo = connector.add_user("Bo", "bo@example.com")
    await add_person(services, "Bo", "bo@example.com", slack_user_id="UBOTH1")
    await teams.install(bo)
    return bo


async def test_prompted_on_teams_answering_in_slack_updates_the_teams_card_not_slack(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services,
    slack: SlackDouble, slack_sender: SlackSender, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    bo = await _on_both(teams_services, teams, connector, slack)
    teams_services.settings = teams_services.settings.model_copy(
        update={"default_platform": "teams"}
    )
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    await run_due_deliveries(teams_services)
    prompt = connector.messages_to(bo)[-1]
    assert cards.QUESTION in card_text(prompt.cards)
    caplog.set_level(logging.WARNING)
    reply = await slack_sender.view_submission(ids.ANSWER_VIEW, form(), user_id="UBOTH1",
                                               private_metadata=QUARTER)  # fmt: skip
    assert reply.status == 200
    await eventually(lambda: connector.updates_to(bo))
    assert "Shared for" in card_text(shown(connector, bo, prompt))
    assert slack.calls_to("chat.update") == []  # nothing of Teams' is sent to Slack
    assert "could not update" not in caplog.text
    assert connector.refused == []


async def test_prompted_on_slack_declining_in_teams_updates_the_slack_dm(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services,
    slack: SlackDouble,
) -> None:  # fmt: skip
    bo = await _on_both(teams_services, teams, connector, slack)
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    await run_due_deliveries(teams_services)
    [dm] = [m for m in slack.messages_to("UBOTH1") if not m["ephemeral"]]
    status, body = await teams.action(bo, cards.NOT_THIS_QUARTER, {"campaign": QUARTER})
    assert status == 200 and "not this quarter" in card_text(body["value"])
    [update] = slack.ok_calls("chat.update")
    assert update.args["ts"] == dm["ts"]
    assert "not this quarter" in str(update.args["blocks"])
    assert connector.updates_to(bo) == []
