"""`/ai-stage` over signed HTTP: the report, the chart upload, facts listing and admin-only set."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from storage.db import Database
from storage.models import FactChange
from tests.conftest import ADMIN_ID, eventually
from tests.stage_fixtures import add_answers, add_prompts, make_team

Q = "2026Q4"


async def seeded(services: Services) -> None:
    team, people = await make_team(services.db, "Ops", 6)
    await add_prompts(services.db, Q, people)
    await add_answers(
        services.db, Q, team, people, establishment="production",
        continues_without_me="yes", spread="my_team", obstacle_legal_review=True,
    )  # fmt: skip


def last_response(slack: SlackDouble, count: int) -> dict:
    return slack.responses[count - 1]["body"]


async def test_ai_stage_reports_stage_evidence_constraint_and_trend(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seeded(services)
    reply = await sender.command("/ai-stage", "", user_id="UANYONE")
    assert reply.status == 200
    await eventually(lambda: slack.responses)
    body = last_response(slack, 1)
    flat = str(body["blocks"])
    assert body["response_type"] == "ephemeral"
    assert "Stage 2 of 5" in body["text"] and "confidence low" in body["text"]
    assert "No AI policy and review path" in flat
    assert "Legal / compliance review (6)" in flat  # the most-reported obstacle
    assert "Publish a short AI policy" in flat  # no policy yet: that comes before a deadline
    assert "facts set" not in flat  # the recording command is for admins only
    await sender.action("stage_evidence", user_id="UANYONE", value=Q)
    evidence = str(await eventually(lambda: slack.opened_views and slack.opened_views[-1]))
    assert "Stage by quarter:" in evidence and "Q4 2026: 2" in evidence
    assert not slack.validation_errors


async def test_ai_stage_chart_uploads_a_png_to_the_users_dm(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seeded(services)
    await sender.command("/ai-stage", "chart", user_id="UCHART")
    upload = await eventually(lambda: slack.uploads and slack.uploads[0])
    assert upload["content"].startswith(b"\x89PNG")
    assert upload["filename"] == f"ai-stage-{Q}.png"
    assert upload["channel_id"] == SlackDouble.dm_channel_for("UCHART")
    await eventually(lambda: slack.responses)
    assert "Sent you the chart" in last_response(slack, 1)["text"]


async def test_facts_set_is_for_admins_and_logged_with_who(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await sender.command("/ai-stage", "facts set ai_policy=true", user_id="UPLAIN")
    await eventually(lambda: len(slack.responses) == 1)
    assert "Only admins" in last_response(slack, 1)["text"]
    setting = "facts set ai_policy=true review_sla_days=14"
    await sender.command("/ai-stage", setting, user_id=ADMIN_ID)
    await eventually(lambda: len(slack.responses) == 2)
    assert "ai_policy: not set → true" in last_response(slack, 2)["text"]
    await sender.command("/ai-stage", "facts set ai_policy=perhaps", user_id=ADMIN_ID)
    await eventually(lambda: len(slack.responses) == 3)
    assert "Nothing changed: ai_policy expects true or false" in last_response(slack, 3)["text"]
    async with services.db.session() as s:
        log = (await s.exec(select(FactChange))).scalars().all()
    assert {(c.key, c.changed_by, c.source) for c in log} == {
        ("ai_policy", ADMIN_ID, "slack"),
        ("review_sla_days", ADMIN_ID, "slack"),
    }
    await sender.command("/ai-stage", "facts", user_id="UPLAIN")
    await eventually(lambda: len(slack.responses) == 4)
    assert "`review_sla_days` = 14" in str(last_response(slack, 4)["blocks"])


async def test_help_and_unknown_words_get_help(sender: SlackSender, slack: SlackDouble) -> None:
    await sender.command("/ai-stage", "frobnicate", user_id="UHELP")
    await eventually(lambda: slack.responses)
    assert "/ai-stage chart" in last_response(slack, 1)["text"]
    assert "facts set" not in last_response(slack, 1)["text"]
    await sender.command("/ai-stage", "help", user_id=ADMIN_ID)
    await eventually(lambda: len(slack.responses) == 2)
    assert "facts set" in last_response(slack, 2)["text"]


async def test_database_down_gets_a_plain_answer(
    services: Services, sender: SlackSender, slack: SlackDouble, tmp_path
) -> None:
    healthy = services.db
    services.db = Database(f"sqlite:///{tmp_path / 'missing-dir' / 'gone.db'}")
    try:
        reply = await sender.command("/ai-stage", "", user_id="UDOWN")
        assert reply.status == 200
        await eventually(lambda: slack.responses)
        assert "cannot reach its database" in last_response(slack, 1)["text"]
    finally:
        await services.db.dispose()
        services.db = healthy
