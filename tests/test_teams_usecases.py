"""Team use cases from Teams: "Make this a team use case" under an example opens the proposal
card pre-filled, with the Slack modal's fields and validation; the Teams user is the proposer
(an Entra ID object id, 36 characters, stored in full), and the gates' news comes back to them
as cards in Teams; a gate reviewer in Teams decides on a card."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.core import campaigns, gate_notices, gates, review, usecases
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.teams.double import BotConnectorDouble, Posted, TeamsSender, TeamsUser
from handlers.teams import cards
from storage.types import utcnow
from tests.surface_capture import Capture
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


async def test_a_teams_reviewer_decides_a_gate_in_teams(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services,
    slack: SlackDouble, tmp_path: Path,
) -> None:  # fmt: skip
    """A gate's reviewer can be a Teams user (their Entra object id): the request arrives as a
    card with the proposal and Approve / Ask for changes / Reject; a reason is required for the
    last two (the card says so, keeping the decision open); their decision is the gate's, by
    their id in the trail, and the Slack reviewer's late click names them, not a GUID."""
    from bot.core import audit

    slack.add_user("ULEGAL", email="legal@example.com")
    slack.add_user("UPROP", email="prop@example.com")
    grace = connector.add_user("Grace", "grace@example.com")
    await add_person(teams_services, "Grace Hopper", "grace@example.com",
                     aad_object_id=grace.aad_object_id)  # fmt: skip
    await teams.install(grace)
    await gates.set_gate(teams_services, "legal", f"ULEGAL,{grace.aad_object_id.upper()}")
    [legal] = await gates.list_gates(teams_services)
    assert legal.reviewers == ["ULEGAL", grace.aad_object_id]
    case = await usecases.propose(teams_services, "UPROP", usecases.validate_proposal({
        "name": "Ticket themes", "team": "Support", "tool": "Copilot", "data_class": "internal",
        "description": "Weekly ticket themes", "expected_outcome": "Triage in 20 minutes",
        "measurement": "Minutes of the Monday triage",
    }))  # fmt: skip
    await gate_notices.send_due(teams_services)
    request = last_card(connector, grace)
    shown = card_text(request)
    assert "Ticket themes" in shown and "Weekly ticket themes" in shown
    buttons = {a["title"]: a for a in actions_of(request)}
    assert set(buttons) == {"Approve", "Ask for changes", "Reject"}
    reject = buttons["Reject"]
    status, body = await teams.action(grace, reject["verb"], {**reject["data"], "reason": " "})
    assert status == 200 and "Please give a reason" in card_text(body["value"])
    shots = Capture("teams-gate-review", tmp_path, env="TEAMS_CARDS_OUT")
    shots.add("teams-gate-review", "message", request, "A Teams reviewer's request")
    shots.add("teams-gate-review-reason", "message", body["value"], "Reject without a reason")
    assert {a["title"] for a in actions_of(body["value"])} == set(buttons)  # still open
    approve = buttons["Approve"]
    status, body = await teams.action(grace, approve["verb"], approve["data"])
    assert status == 200 and "approved" in card_text(body["value"]).lower()
    [shown_case] = await usecases.list_use_cases(teams_services)
    gate = shown_case["gates"][0]
    assert (shown_case["state"], gate["state"]) == ("pilot", "approved")
    assert gate["decided_by"] == grace.aad_object_id
    entries = (await audit.export(teams_services))["entries"]
    assert [e["actor"] for e in entries if e["action"] == "gate.approved"] == [grace.aad_object_id]
    late = await review.decide(teams_services, gate["review_id"], "ULEGAL", "approve")
    assert late.already
    from handlers.blocks.usecases import decided_blocks

    said = str(decided_blocks(late.review, "ULEGAL", True)[0].to_dict())
    assert grace.aad_object_id not in said and "Teams" in said
    assert case["id"] == shown_case["id"] and connector.refused == []
