"""The quarterly DM and the answer form as people see them, over signed HTTP.

The DM changes into its state after an answer, an edit or "Not this quarter" (chat.update on
the outbox's channel + ts), and loses its buttons once the campaign has closed. The form asks
for three things; the maturity questions are an optional second step with a number input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.core import campaigns
from bot.core.campaigns import CampaignError
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender, multi, plain, static
from handlers import ids
from tests.conftest import eventually
from tests.surface_capture import Capture, message, texts
from tests.test_answers_http import details, form
from tests.test_campaign_fixtures import start_at_noon

QUARTER = "2026Q4"


def dm(slack: SlackDouble, user: str) -> dict[str, Any]:
    (record,) = [m for m in slack.messages_to(user) if not m["ephemeral"]]
    return record


def buttons(blocks: list[dict[str, Any]]) -> list[str]:
    found = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    found += [b["accessory"]["text"]["text"] for b in blocks if b.get("accessory")]
    return found


def labels(view: dict[str, Any]) -> list[str]:
    return [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]


async def test_answer_form_is_three_inputs_and_the_dm_shows_the_state(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    shots = Capture("prompt", tmp_path)
    org = await start_at_noon(services, slack, 3)
    await run_due_deliveries(services)
    user = org.user_ids[1]
    prompt = dm(slack, user)
    shots.add("dm-prompt", "message", message(prompt), "The quarterly DM")
    assert buttons(prompt["blocks"]) == [
        "Share an example", "Tell us anonymously about AI use", "Not this quarter",
    ]  # fmt: skip
    await sender.action(ids.OPEN_ANSWER_FORM, user_id=user, value=QUARTER)
    view = await eventually(lambda: slack.opened_views and slack.opened_views[-1])
    shots.add("answer-form", "modal", view, "Answer form (step 1 of 2)")
    required = [b for b in view["blocks"] if b["type"] == "input" and not b.get("optional")]
    assert len(required) == 3
    assert "Q4 2026" in texts(view["blocks"])[0] and "2026Q4" not in str(texts(view["blocks"]))
    consent = next(b for b in view["blocks"] if b.get("block_id") == "share_consent")
    (option,) = consent["element"]["options"]
    assert option["text"]["text"].startswith("Platform Manager and the managers above")
    assert "admins" in option["description"]["text"] and "teammates never" in str(consent)
    assert not any("optional" in label.lower() for label in labels(view))

    reply = await sender.view_submission(ids.ANSWER_VIEW, form(), user_id=user,
                                         private_metadata=QUARTER)  # fmt: skip
    step_two = reply.json()["view"]
    shots.add("answer-details", "modal", step_two, "Answer form (optional step 2)")
    hours = next(b for b in step_two["blocks"] if b.get("block_id") == "hours_saved_per_month")
    assert hours["element"]["type"] == "number_input" and hours["element"]["is_decimal_allowed"]
    assert not any("optional" in label.lower() for label in labels(step_two))
    assert len(set(labels(step_two))) == len(labels(step_two))

    state = await eventually(lambda: dm(slack, user).get("edited") and dm(slack, user))
    shots.add("dm-answered", "message", message(state), "The DM after answering")
    assert buttons(state["blocks"]) == ["Make this a team use case", "Edit"]
    assert state["text"] == "Shared for Q4 2026. Thank you!"
    reply = await sender.view_submission(ids.ANSWER_DETAILS_VIEW, details(), user_id=user,
                                         private_metadata=QUARTER)  # fmt: skip
    shots.add("answer-thanks", "modal", reply.json()["view"], "After the optional step")
    assert slack.validation_errors == []


async def test_not_this_quarter_and_the_close_change_the_dm(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    shots = Capture("prompt-states", tmp_path)
    org = await start_at_noon(services, slack, 3)
    await run_due_deliveries(services)
    declined, silent = org.user_ids[1], org.user_ids[2]
    await sender.action(ids.NOT_THIS_QUARTER, user_id=declined, value=QUARTER)
    state = await eventually(lambda: dm(slack, declined).get("edited") and dm(slack, declined))
    shots.add("dm-not-this-quarter", "message", message(state), 'After "Not this quarter"')
    assert buttons(state["blocks"]) == ["Add an example"]
    assert "not this quarter" in state["text"].lower()
    assert slack.responses == []  # the DM itself says it; no extra ephemeral reply

    await campaigns.close_campaign(services, QUARTER)
    await sender.action(ids.OPEN_ANSWER_FORM, user_id=silent, value=QUARTER)
    closed = await eventually(lambda: dm(slack, silent).get("edited") and dm(slack, silent))
    shots.add("dm-closed", "message", message(closed), "A DM of a closed campaign")
    assert buttons(closed["blocks"]) == [] and "closed" in closed["text"]
    await sender.action(ids.OPEN_ANSWER_FORM, user_id=declined, value=QUARTER)
    await eventually(lambda: buttons(dm(slack, declined)["blocks"]) == [])
    assert slack.opened_views == [] and slack.validation_errors == []


async def test_answering_from_the_command_updates_the_dm_too(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await start_at_noon(services, slack, 2)
    await run_due_deliveries(services)
    user = org.user_ids[1]
    await sender.command(ids.LEVERAGE_COMMAND, user_id=user)
    await eventually(lambda: slack.opened_views)
    values = form(work_kind=static("analysis"), tool=plain("Gemini"), share_consent=multi(["yes"]))
    await sender.view_submission(ids.ANSWER_VIEW, values, user_id=user, private_metadata=QUARTER)
    state = await eventually(lambda: dm(slack, user).get("edited") and dm(slack, user))
    assert buttons(state["blocks"]) == ["Make this a team use case", "Edit"]


async def test_a_prompt_to_someone_who_already_answered_shows_where_they_stand(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    """Answered (or declined) from `/ai-leverage` before the DM went out: the DM says so."""
    shots = Capture("prompt-answered-first", tmp_path)
    org = await start_at_noon(services, slack, 3)
    shared, declined, fresh = org.user_ids
    await sender.command(ids.LEVERAGE_COMMAND, user_id=shared)
    await eventually(lambda: slack.opened_views)
    await sender.view_submission(ids.ANSWER_VIEW, form(), user_id=shared, private_metadata=QUARTER)
    await sender.action(ids.NOT_THIS_QUARTER, user_id=declined, value=QUARTER)
    await eventually(lambda: slack.responses)
    await run_due_deliveries(services)
    first = dm(slack, shared)
    shots.add("dm-prompt-already-answered", "message", message(first),
              "The DM to someone who answered before it went out")  # fmt: skip
    assert buttons(first["blocks"]) == ["Make this a team use case", "Edit"]
    assert first["text"] == "Shared for Q4 2026. Thank you!"
    assert buttons(dm(slack, declined)["blocks"]) == ["Add an example"]
    assert buttons(dm(slack, fresh)["blocks"])[0] == "Share an example"
    assert slack.validation_errors == []


async def test_a_reminder_and_its_prompt_lose_their_buttons_once_closed(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    shots = Capture("prompt-reminder", tmp_path)
    org = await start_at_noon(services, slack, 2)
    await run_due_deliveries(services)
    silent = org.user_ids[1]
    assert await campaigns.remind(services, QUARTER) == 2
    await run_due_deliveries(services)
    sent = [m for m in slack.messages_to(silent) if not m["ephemeral"]]
    _prompt, reminder = sent
    shots.add("dm-reminder", "message", message(reminder), "A reminder")
    assert buttons(reminder["blocks"]) == ["Share an example", "Not this quarter"]
    assert reminder["text"].startswith("A gentle reminder: ")
    await campaigns.close_campaign(services, QUARTER)
    with pytest.raises(CampaignError):  # no reminder for a closed campaign is queued
        await campaigns.remind(services, QUARTER)
    await sender.action(ids.NOT_THIS_QUARTER, user_id=silent, value=QUARTER)
    await eventually(lambda: all(m.get("edited") for m in slack.messages_to(silent)
                                 if not m["ephemeral"]))  # fmt: skip
    for dm_ in (m for m in slack.messages_to(silent) if not m["ephemeral"]):
        assert buttons(dm_["blocks"]) == [] and "closed" in dm_["text"]
    assert slack.validation_errors == []


async def test_an_edit_after_not_this_quarter_turns_the_dm_into_shared(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await start_at_noon(services, slack, 2)
    await run_due_deliveries(services)
    user = org.user_ids[1]
    await sender.action(ids.NOT_THIS_QUARTER, user_id=user, value=QUARTER)
    await eventually(lambda: buttons(dm(slack, user)["blocks"]) == ["Add an example"])
    await sender.action(ids.OPEN_ANSWER_FORM, user_id=user, value=QUARTER)  # "Add an example"
    await eventually(lambda: slack.opened_views)
    await sender.view_submission(ids.ANSWER_VIEW, form(), user_id=user, private_metadata=QUARTER)
    await eventually(lambda: dm(slack, user)["text"] == "Shared for Q4 2026. Thank you!")
    assert buttons(dm(slack, user)["blocks"]) == ["Make this a team use case", "Edit"]
    assert slack.validation_errors == []
