"""`/ai-stage` as a person reads it: one screen, "Stage N of 5", unmet checks first, the
constraint and the next step in plain words, the evidence behind a button, no admin syntax
for employees, and how many optional answers are unknown."""

from __future__ import annotations

from pathlib import Path

from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from tests.conftest import ADMIN_ID, eventually
from tests.surface_capture import Capture, message, texts
from tests.surface_org import LAST, seed_mature_org


async def test_stage_fits_one_screen_and_names_the_unmet_checks(
    services: Services, slack: SlackDouble, sender: SlackSender, tmp_path: Path
) -> None:
    shots = Capture("stage", tmp_path)
    org = await seed_mature_org(services, slack)
    await sender.command(ids.STAGE_COMMAND, user_id=org.employee)
    body = (await eventually(lambda: slack.responses))[0]["body"]
    shots.add("stage", "message", message(body) | {"ephemeral": True}, "/ai-stage (employee)")
    blocks = body["blocks"]
    # Q4 withholds "repeatable kinds", so its published figures allow stage 3 or 4: the lower
    # is shown, with a note (docs/privacy.md, "The stage number").
    assert blocks[0]["text"]["text"] == "Stage 3 of 5: Production capability"
    progress = next(t for t in texts(blocks) if t.startswith("*Towards stage 4"))
    assert "Stage not estimated yet" in progress
    flat = " ".join(texts(blocks))
    assert "facts set" not in flat and "Gates" not in flat
    assert len(blocks) <= 8 and len(flat) < 1800
    assert body["text"].startswith("Stage 3 of 5: Production capability (Q4 2026")

    await sender.command(ids.STAGE_COMMAND, user_id=ADMIN_ID)
    admin = (await eventually(lambda: len(slack.responses) == 2 and slack.responses))[1]["body"]
    assert "`/ai-stage facts set" in " ".join(texts(admin["blocks"]))

    await sender.action(ids.STAGE_EVIDENCE, user_id=org.employee, value=LAST)
    view = await eventually(lambda: slack.opened_views and slack.opened_views[-1])
    shots.add("stage-evidence", "modal", view, "All evidence (behind the button)")
    evidence = " ".join(texts(view["blocks"]))
    assert "Q3 2026: " in evidence and "2026Q3" not in evidence
    assert "8 of 28 examples left the optional questions" in evidence
    assert slack.validation_errors == []
