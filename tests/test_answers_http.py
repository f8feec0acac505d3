"""The answer form over signed HTTP: open, submit, edit in place, refuse bad input politely."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.core import campaigns
from bot.core.services import Services
from bot.slack.app import create_bolt_app, create_web_app
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender, multi, plain, radio, static
from handlers import ids
from storage.db import Database
from storage.types import utcnow
from tests.conftest import SIGNING_SECRET, eventually
from tests.test_campaign_fixtures import all_answers, campaign_row, seed_org

UNREACHABLE_DB = "postgresql://nobody:nothing@127.0.0.1:9/none"
QUARTER = campaigns.quarters.quarter_of(utcnow())


def form(example: str = "Drafted release notes from commits with Copilot.", **changes: Any):
    values = {
        "example": plain(example),
        "work_kind": static("coding"),
        "tool": plain("GitHub Copilot"),
        "tool_approved": radio("approved"),
        "establishment": radio("team"),
        "spread": radio("my_team"),
        "continues_without_me": radio("yes"),
        "hours_saved_per_month": plain(""),
        "metric": plain(""),
        "obstacles": multi(["procurement", "no_time"]),
        "share_consent": multi([]),
    }
    values.update(changes)
    return {block: {"value": element} for block, element in values.items()}


def reply_texts(slack: SlackDouble) -> str:
    return " ".join(str(r["body"].get("text", "")) for r in slack.responses)


async def wait_reply(slack: SlackDouble, fragment: str) -> str:
    return await eventually(lambda: fragment in reply_texts(slack) and reply_texts(slack))


async def open_form(sender: SlackSender, slack: SlackDouble, user: str) -> dict[str, Any]:
    before = len(slack.opened_views)
    reply = await sender.command(ids.LEVERAGE_COMMAND, user_id=user)
    assert reply.status == 200
    await eventually(lambda: len(slack.opened_views) > before)
    return slack.opened_views[-1]


async def test_command_opens_form_and_submit_saves_then_edits(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await seed_org(services, slack, 2)
    user = org.user_ids[1]
    view = await open_form(sender, slack, user)
    assert view["callback_id"] == ids.ANSWER_VIEW and view["private_metadata"] == QUARTER
    reply = await sender.view_submission(ids.ANSWER_VIEW, form(hours_saved_per_month=plain("4,5")),
                                         user_id=user, private_metadata=QUARTER)  # fmt: skip
    assert reply.json()["response_action"] == "update"
    (saved,) = await all_answers(services)
    assert (saved.hours_saved_per_month, saved.obstacle_procurement, saved.share_consent) == (
        4.5, True, False,
    )  # fmt: skip
    edit = await open_form(sender, slack, user)
    example_block = next(b for b in edit["blocks"] if b.get("block_id") == "example")
    assert example_block["element"]["initial_value"].startswith("Drafted release notes")
    await sender.view_submission(ids.ANSWER_VIEW, form("Now the whole team does it."),
                                 user_id=user, private_metadata=QUARTER)  # fmt: skip
    (edited,) = await all_answers(services)
    assert edited.example == "Now the whole team does it." and edited.id == saved.id
    assert slack.validation_errors == []


async def test_bad_input_gets_modal_errors_and_nothing_is_stored(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await seed_org(services, slack, 2)
    await open_form(sender, slack, org.user_ids[1])
    bad = form("x" * 2001, hours_saved_per_month=plain("lots"), tool=plain("  "),
               work_kind=static(None))  # fmt: skip
    reply = await sender.view_submission(
        ids.ANSWER_VIEW, bad, user_id=org.user_ids[1], private_metadata=QUARTER
    )
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"example", "hours_saved_per_month", "tool", "work_kind"}
    assert "2000" in body["errors"]["example"]
    assert "number" in body["errors"]["hours_saved_per_month"]
    assert await all_answers(services) == []


async def test_double_submit_keeps_one_row(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await seed_org(services, slack, 2)
    await open_form(sender, slack, org.user_ids[1])
    replies = await asyncio.gather(*(
        sender.view_submission(ids.ANSWER_VIEW, form(), user_id=org.user_ids[1],
                               private_metadata=QUARTER)
        for _ in range(3)
    ))  # fmt: skip
    assert all(r.status == 200 for r in replies)
    assert len(await all_answers(services)) == 1


async def test_button_opens_form_for_its_campaign_and_refuses_closed_or_unknown(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await seed_org(services, slack, 2)
    user = org.user_ids[1]
    await campaigns.start_campaign(services, QUARTER)
    await sender.action(ids.OPEN_ANSWER_FORM, user_id=user, value=QUARTER)
    await eventually(lambda: slack.opened_views)
    await sender.action(ids.OPEN_ANSWER_FORM, user_id=user, value="2019Q1")
    await wait_reply(slack, "do not know about")
    await campaigns.close_campaign(services, QUARTER)
    await sender.action(ids.OPEN_ANSWER_FORM, user_id=user, value=QUARTER)
    await wait_reply(slack, "closed on")
    assert len(slack.opened_views) == 1
    reply = await sender.view_submission(ids.ANSWER_VIEW, form(), user_id=user,
                                         private_metadata=QUARTER)  # fmt: skip
    assert "closed on" in reply.json()["errors"]["example"]
    assert await all_answers(services) == []


async def test_expired_trigger_gets_a_clear_message(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await seed_org(services, slack, 2)
    slack.fail_next("views.open", error="expired_trigger_id")
    await sender.command(ids.LEVERAGE_COMMAND, user_id=org.user_ids[1])
    await wait_reply(slack, "Please click again")


async def test_person_not_in_directory_is_told_and_nothing_is_stored(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    await sender.command(ids.LEVERAGE_COMMAND, user_id="USTRANGER")
    await wait_reply(slack, "not in the AI Leverage directory")
    reply = await sender.view_submission(ids.ANSWER_VIEW, form(), user_id="USTRANGER",
                                         private_metadata=QUARTER)  # fmt: skip
    assert "not in the AI Leverage directory" in reply.json()["errors"]["example"]
    assert slack.opened_views == []
    assert await all_answers(services) == [] and await campaign_row(services, QUARTER) is None


async def test_not_this_quarter_counts_as_an_answer(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await seed_org(services, slack, 2)
    await campaigns.start_campaign(services, QUARTER)
    await sender.action(ids.NOT_THIS_QUARTER, user_id=org.user_ids[1], value=QUARTER)
    await wait_reply(slack, "no example this quarter")
    (answer,) = await all_answers(services)
    assert answer.has_example is False and answer.example is None


async def test_database_down_keeps_the_modal_open_with_a_plain_message(
    settings: Settings, slack: SlackDouble
) -> None:
    services = Services(settings=settings, db=Database(UNREACHABLE_DB))
    runner = web.AppRunner(create_web_app(services, create_bolt_app(services)))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sender = SlackSender(f"http://127.0.0.1:{runner.addresses[0][1]}", SIGNING_SECRET,
                         slack.response_url_base)  # fmt: skip
    try:
        reply = await sender.view_submission(ids.ANSWER_VIEW, form(), user_id="U0000",
                                             private_metadata=QUARTER)  # fmt: skip
    finally:
        await sender.close()
        await runner.cleanup()
        await services.db.dispose()
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert "nothing was saved" in body["errors"]["example"]
