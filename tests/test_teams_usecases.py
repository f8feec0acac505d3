"""Team use cases from Teams: "Make this a team use case" under an example opens the proposal
card pre-filled, with the Slack modal's fields and validation; the Teams user is the proposer
(an Entra ID object id, 36 characters, stored in full), and the gates' news comes back to them
as cards in Teams while the reviewers decide in Slack."""

from __future__ import annotations

from datetime import datetime

from bot.core import campaigns, gate_notices, gates, review, usecases
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.teams.double import BotConnectorDouble, Posted, TeamsSender, TeamsUser
from handlers.teams import cards
from storage.types import utcnow
from tests.teams_fixtures import actions_of, add_person, card_text, last_card

QUARTER = campaigns.quarters.quarter_of(utcnow())
EXAMPLE = {"example": "I paste the week's support tickets into Copilot and get the top themes.",
           "work_kind": "summarising", "tool": "Copilot", "share_consent": "false"}  # fmt: skip


async def _answered(services: Services, teams: TeamsSender, connector: BotConnectorDouble,
                    slack: SlackDouble) -> tuple[TeamsUser, Posted]:  # fmt: skip
    """Ada (Teams) shared an example; a legal gate is reviewed by a Slack user."""
    slack.add_user("ULEGAL", email="legal@example.com")
    await add_person(services, "Lee Gal", "legal@example.com", team="Legal",
                     slack_user_id="ULEGAL")  # fmt: skip
    await gates.set_gate(services, "legal", "ULEGAL", by="test")
    ada = connector.add_user("Ada", "ada@example.com")
    await add_person(services, "Ada", "ada@example.com", aad_object_id=ada.aad_object_id)
    await teams.install(ada)
    await campaigns.start_campaign(services, QUARTER, now=True)
    await run_due_deliveries(services)
    prompt = connector.messages_to(ada)[-1]
    await teams.message(ada, "leverage")
    form = connector.messages_to(ada)[-1]
    await teams.action(ada, cards.SAVE_ANSWER, {"campaign": QUARTER, **EXAMPLE}, on=form.id)
    return ada, prompt


def _shown(connector: BotConnectorDouble, user: TeamsUser, message: Posted) -> dict:
    [now] = [p for p in connector.chat_of(user) if p.id == message.id]
    return now.cards[0]


def _inputs(content: dict) -> dict:
    return {e["id"]: e.get("value") for e in content["body"] if e.get("id")}


async def _proposed(teams: TeamsSender, connector: BotConnectorDouble, ada: TeamsUser,
                    prompt: Posted) -> dict:  # fmt: skip
    state = _shown(connector, ada, prompt)
    [make] = [a for a in actions_of(state) if a["title"] == "Make this a team use case"]
    status, body = await teams.action(ada, make["verb"], make["data"], on=prompt.id)
    assert status == 200
    form = body["value"]
    typed = _inputs(form)
    assert typed["description"] == EXAMPLE["example"] and typed["team"] == "Platform"
    assert typed["tool"] == "__new__" and typed["new_tool"] == "Copilot"  # not in the catalog
    send = form["actions"][0]["data"]
    _status, body = await teams.action(ada, cards.PROPOSE, {**send, **typed}, on=prompt.id)
    refused = body["value"]
    assert "Please choose the kind of data involved." in card_text(refused)
    assert _inputs(refused)["description"] == EXAMPLE["example"]  # nothing typed is lost
    filled = {**send, **typed, "data_class": "internal", "expected_outcome": "Triage in 20 min",
              "measurement": "Minutes of the Monday triage"}  # fmt: skip
    _status, body = await teams.action(ada, cards.PROPOSE, filled, on=prompt.id)
    assert "Proposed. Gates: legal." in card_text(body["value"])
    return body["value"]


async def test_a_teams_user_proposes_from_an_example_and_hears_the_clock_in_teams(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services,
    slack: SlackDouble,
) -> None:  # fmt: skip
    ada, prompt = await _answered(teams_services, teams, connector, slack)
    await _proposed(teams, connector, ada, prompt)
    [case] = await usecases.list_use_cases(teams_services)
    assert case["proposer"] == ada.aad_object_id and case["owners"] == [ada.aad_object_id]
    assert case["source_answer_id"] is not None and case["state"] == "in_review"
    await gate_notices.send_due(teams_services)
    [request] = [m for m in slack.messages_to("ULEGAL") if "Review requested" in m["text"]]
    assert "Ada (Teams)" in str(request["blocks"])  # a name, not a Slack mention of a GUID
    assert ada.aad_object_id not in str(request["blocks"])
    before = len(connector.messages_to(ada))
    due = max(datetime.fromisoformat(g["due_at"]) for g in case["gates"])
    teams_services.clock = lambda: due  # the SLA has passed
    await review.tick(teams_services, due)
    news = [card_text(p.cards) for p in connector.messages_to(ada)[before:]]
    assert any("approved automatically" in n for n in news)
    assert any("now a **pilot**" in n for n in news)
    assert connector.refused == []


async def test_asked_for_changes_the_teams_proposer_revises_in_teams(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services,
    slack: SlackDouble,
) -> None:  # fmt: skip
    ada, prompt = await _answered(teams_services, teams, connector, slack)
    await _proposed(teams, connector, ada, prompt)
    [case] = await usecases.list_use_cases(teams_services)
    legal = next(g for g in case["gates"] if g["name"] == "legal")
    await review.decide(teams_services, legal["review_id"], "ULEGAL", "changes",
                        "Say which ticket fields go into the tool.")  # fmt: skip
    await gate_notices.send_due(teams_services)
    notice = last_card(connector, ada)
    assert "Lee Gal asked for changes" in card_text(notice)  # the reviewer, by name
    assert "Say which ticket fields go into the tool." in card_text(notice)
    [revise] = actions_of(notice)
    status, body = await teams.action(ada, revise["verb"], revise["data"])
    assert status == 200 and body["value"]["actions"][0]["title"] == "Revise"
    typed = _inputs(body["value"])
    typed["description"] += " Only the subject and body go in; no customer names."
    _status, body = await teams.action(
        ada, cards.PROPOSE, {**body["value"]["actions"][0]["data"], **typed}
    )
    assert "Proposed." in card_text(body["value"])
    [revised] = await usecases.list_use_cases(teams_services)
    assert revised["revision"] == 2 and "no customer names" in revised["description"]
    assert connector.refused == []


async def test_propose_command_outside_the_directory_stores_nothing(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    stranger = connector.add_user("Stranger", "stranger@example.com")
    await teams.install(stranger)
    await teams.message(stranger, "propose")
    assert "not in the AI Leverage directory" in card_text(last_card(connector, stranger))
    _status, body = await teams.action(stranger, cards.PROPOSE, {"name": "x"})
    assert "not in the AI Leverage directory" in card_text(body["value"])
    assert await usecases.list_use_cases(teams_services) == []
