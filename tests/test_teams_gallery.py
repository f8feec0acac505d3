"""Every card a Teams user meets, captured from one journey over signed HTTP, for the eye.

The journey: a team installs the app, is prompted, answers (with a mistake first), declines,
discloses in the dialog, reads the stage and its chart, and the manager reads the team's
summary. Each card is checked against the Adaptive Card 1.5 schema as it passes (the Bot
Connector double refuses invalid ones) and kept as JSON; with `TEAMS_CARDS_OUT=dir` the JSON
is kept in `dir`, and `node scripts/render_teams.mjs dir --out docs/screenshots` draws it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core import campaigns, gate_notices, gates, review, usecases
from bot.core.delivery import run_due_deliveries
from bot.core.ports import PromptMessage
from bot.core.services import Services
from bot.teams.double import BotConnectorDouble, TeamsSender, TeamsUser, card_problems
from handlers.teams import cards, disclose, stage
from storage.types import utcnow
from tests.surface_capture import Capture
from tests.teams_fixtures import actions_of, add_person, card_text, last_card, titles

QUARTER = campaigns.quarters.quarter_of(utcnow())
ANSWER = {"example": "I paste the week's support tickets into Copilot and get the top five "
          "themes with examples; the Monday triage meeting went from an hour to twenty minutes.",
          "work_kind": "summarising", "tool": "Copilot", "share_consent": "true"}  # fmt: skip
DETAILS = {"tool_approved": "approved", "establishment": "team", "spread": "my_team",
           "continues_without_me": "yes", "hours_saved_per_month": "3",
           "obstacles": "legal_review"}  # fmt: skip
DISCLOSURE = {"tool": "Otter", "tool_kind": "meeting_transcription", "work_kind": "meeting_notes",
              "frequency": "weekly", "reasons": "review_slow"}  # fmt: skip


class Gallery:
    """The cards of the journey, by name, each checked as valid Adaptive Card 1.5."""

    def __init__(self, tmp_path: Path) -> None:
        self.capture = Capture("teams-cards", tmp_path, env="TEAMS_CARDS_OUT")

    def card(self, name: str, content: dict[str, Any], *, kind: str = "message",
             title: str = "") -> dict[str, Any]:  # fmt: skip
        assert card_problems(content) == [], (name, card_problems(content))
        self.capture.add(name, kind, content, title)
        return content

    def dialog(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        value = body["task"]["value"]
        return self.card(name, value["card"]["content"], kind="dialog", title=value["title"])

    def image(self, name: str, url: str) -> None:
        assert url.startswith("data:image/png;base64,")
        self.capture.add(name, "image", {"image": url})


async def _member(services: Services, teams: TeamsSender, connector: BotConnectorDouble,
                  name: str, **extra: Any) -> TeamsUser:  # fmt: skip
    user = connector.add_user(name, f"{name.lower()}@example.com")
    await add_person(services, name, f"{name.lower()}@example.com",
                     aad_object_id=user.aad_object_id, **extra)  # fmt: skip
    await teams.install(user)
    return user


async def test_every_teams_card_of_a_quarter_is_valid_and_kept_for_the_eye(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services, tmp_path: Path
) -> None:
    shots = Gallery(tmp_path)
    await add_person(teams_services, "Lee Gal", "legal@example.com", team="Legal",
                     slack_user_id="ULEGAL")  # fmt: skip
    await gates.set_gate(teams_services, "legal", "ULEGAL", by="test")  # reviewed in Slack
    boss = await _member(teams_services, teams, connector, "Grace", team="Leads")
    shots.card("welcome", last_card(connector, boss))
    team = [await _member(teams_services, teams, connector, name,
                          manager_email="grace@example.com")
            for name in ("Ada", "Alan", "Edsger", "Barbara", "Donald", "Frances")]  # fmt: skip
    ada, alan = team[0], team[1]
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    await run_due_deliveries(teams_services)
    prompt = connector.messages_to(ada)[-1]
    shots.card("prompt", prompt.cards[0])
    assert titles(prompt.cards[0]) == ["Share an example", "Not this quarter",
                                       "Tell us anonymously"]  # fmt: skip
    shots.card("reminder", cards.prompt_card(PromptMessage(QUARTER, utcnow(), reminder=1)))

    # Ada answers from the prompt card: the form takes its place; a mistake first.
    _s, body = await teams.action(ada, cards.ANSWER, {"campaign": QUARTER}, on=prompt.id)
    shots.card("answer-form", body["value"])
    _s, body = await teams.action(
        ada, cards.SAVE_ANSWER, {"campaign": QUARTER, **ANSWER, "tool": ""}, on=prompt.id
    )
    assert "Please name the tool" in card_text(shots.card("answer-form-errors", body["value"]))
    _s, body = await teams.action(ada, cards.SAVE_ANSWER, {"campaign": QUARTER, **ANSWER},
                                  on=prompt.id)  # fmt: skip
    shots.card("answer-details", body["value"])
    _s, body = await teams.action(ada, cards.SAVE_DETAILS, {"campaign": QUARTER, **DETAILS},
                                  on=prompt.id)  # fmt: skip
    shots.card("answer-thanks", body["value"])

    # Alan answers from a form he opened by typing; his prompt card shows that he answered.
    alan_prompt = connector.messages_to(alan)[-1]
    await teams.message(alan, "leverage")
    form_message = connector.messages_to(alan)[-1]
    await teams.action(alan, cards.SAVE_ANSWER, {"campaign": QUARTER, **ANSWER},
                       on=form_message.id)  # fmt: skip
    [shown] = [p for p in connector.chat_of(alan) if p.id == alan_prompt.id]
    answered = shots.card("prompt-answered", shown.cards[0])
    assert titles(answered) == ["Edit", "Make this a team use case"]
    _s, body = await teams.action(alan, cards.PROPOSE_FROM_ANSWER, {"campaign": QUARTER},
                                  on=alan_prompt.id)  # fmt: skip
    proposal = shots.card("usecase-propose", body["value"])
    typed = {e["id"]: e.get("value") for e in proposal["body"] if e.get("id")}
    _s, body = await teams.action(alan, cards.PROPOSE, {**typed, "data_class": "internal",
                                  "expected_outcome": "Triage in twenty minutes",
                                  "measurement": "Minutes of the Monday triage"},
                                  on=alan_prompt.id)  # fmt: skip
    assert "Proposed" in card_text(shots.card("usecase-proposed", body["value"]))
    [case] = await usecases.list_use_cases(teams_services)
    await review.decide(teams_services, case["gates"][0]["review_id"], "ULEGAL", "changes",
                        "Say which ticket fields go into the tool.")  # fmt: skip
    await gate_notices.send_due(teams_services)
    asked = shots.card("usecase-changes-asked", last_card(connector, alan))
    assert titles(asked) == ["Revise proposal"]
    for other in team[2:5]:
        await teams.action(other, cards.SAVE_ANSWER, {"campaign": QUARTER, **ANSWER})
    frances = team[5]
    _s, body = await teams.action(frances, cards.NOT_THIS_QUARTER, {"campaign": QUARTER},
                                  on=connector.messages_to(frances)[-1].id)  # fmt: skip
    assert titles(shots.card("prompt-not-this-quarter", body["value"])) == ["Add an example"]

    # The blameless disclosure, in dialogs.
    [open_form] = [a for a in actions_of(prompt.cards[0]) if a["type"] == "Action.Submit"]
    _s, opened = await teams.invoke(alan, "task/fetch", open_form["data"])
    form = shots.dialog("disclose-form", opened)
    send = form["actions"][0]["data"]
    _s, sent = await teams.invoke(alan, "task/submit", {**send, **DISCLOSURE})
    code = shots.dialog("disclose-sent", sent)["body"][1]["text"]
    await teams.message(alan, "disclose")
    shots.card("disclose-start", last_card(connector, alan))
    _s, checked = await teams.invoke(alan, "task/submit", {"dialog": disclose.CHECK, "code": code})
    assert "No reply yet" in card_text(shots.dialog("disclose-check", checked))

    # The stage, its chart, the manager's summary, help.
    await teams.message(ada, "stage")
    assert "6 of 8 answered" in card_text(shots.card("stage", last_card(connector, ada)))
    _s, _body = await teams.action(ada, stage.CHART, {})
    [image] = connector.messages_to(ada)[-1].activity["attachments"]
    shots.image("stage-chart", image["contentUrl"])
    await teams.message(boss, "team")
    summary = shots.card("team-summary", last_card(connector, boss))
    assert "Response rate 6 of 6" in card_text(summary)
    await teams.message(ada, "help")
    shots.card("help", last_card(connector, ada))
    assert connector.refused == []
    assert len(shots.capture.items) == 20
