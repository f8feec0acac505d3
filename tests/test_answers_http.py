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
from bot.slack.simulator import SlackSender, multi, number, plain, radio, static
from handlers import ids
from storage.db import Database
from storage.types import utcnow
from tests.conftest import SIGNING_SECRET, eventually
from tests.test_campaign_fixtures import all_answers, campaign_row, seed_org

UNREACHABLE_DB = "postgresql://nobody:nothing@127.0.0.1:9/none"
QUARTER = campaigns.quarters.quarter_of(utcnow())


def form(example: str = "Drafted release notes from commits with Copilot.", **changes: Any):
    """Step one of the answer form: the three required inputs and the sharing choice."""
    values = {
        "example": plain(example),
        "work_kind": static("coding"),
        "tool": plain("GitHub Copilot"),
        "share_consent": multi([]),
    }
    values.update(changes)
    return {block: {"value": element} for block, element in values.items()}


def details(**changes: Any):
    """Step two, all optional: Slack sends an untouched radio group as no selected option."""
    values = {
        "tool_approved": radio("approved"),
        "establishment": radio("team"),
        "spread": radio("my_team"),
        "continues_without_me": radio("yes"),
        "hours_saved_per_month": number(""),
        "metric": plain(""),
        "obstacles": multi(["procurement", "no_time"]),
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
    required = [b for b in view["blocks"] if b["type"] == "input" and not b.get("optional")]
    assert [b["block_id"] for b in required] == ["example", "work_kind", "tool"]
    reply = await sender.view_submission(ids.ANSWER_VIEW, form(), user_id=user,
                                         private_metadata=QUARTER)  # fmt: skip
    step_two = reply.json()
    assert step_two["response_action"] == "update"
    assert step_two["view"]["callback_id"] == ids.ANSWER_DETAILS_VIEW
    assert all(b.get("optional") for b in step_two["view"]["blocks"] if b["type"] == "input")
    (saved,) = await all_answers(services)
    assert (saved.example, saved.tool, saved.establishment, saved.tool_approved) == (
        "Drafted release notes from commits with Copilot.", "GitHub Copilot", None, None,
    )  # fmt: skip
    reply = await sender.view_submission(
        ids.ANSWER_DETAILS_VIEW, details(hours_saved_per_month=number("4.5")),
        user_id=user, private_metadata=QUARTER,
    )  # fmt: skip
    assert reply.json()["response_action"] == "update"
    (saved,) = await all_answers(services)
    assert (saved.hours_saved_per_month, saved.obstacle_procurement, saved.share_consent) == (
        4.5, True, False,
    )  # fmt: skip
    edit = await open_form(sender, slack, user)
    example_block = next(b for b in edit["blocks"] if b.get("block_id") == "example")
    assert example_block["element"]["initial_value"].startswith("Drafted release notes")
    reply = await sender.view_submission(ids.ANSWER_VIEW, form("Now the whole team does it."),
                                         user_id=user, private_metadata=QUARTER)  # fmt: skip
    prefilled = {b["block_id"]: b["element"] for b in reply.json()["view"]["blocks"]
                 if b["type"] == "input"}  # fmt: skip
    assert prefilled["hours_saved_per_month"]["initial_value"] == "4.5"
    (edited,) = await all_answers(services)
    assert edited.example == "Now the whole team does it." and edited.id == saved.id
    assert (edited.hours_saved_per_month, edited.establishment) == (4.5, "team")  # kept
    assert slack.validation_errors == []


async def test_unanswered_maturity_questions_stay_unknown(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await seed_org(services, slack, 2)
    user = org.user_ids[1]
    await open_form(sender, slack, user)
    await sender.view_submission(ids.ANSWER_VIEW, form(), user_id=user, private_metadata=QUARTER)
    empty = details(tool_approved=radio(None), establishment=radio(None), spread=radio(None),
                    continues_without_me=radio(None), obstacles=multi([]))  # fmt: skip
    reply = await sender.view_submission(ids.ANSWER_DETAILS_VIEW, empty, user_id=user,
                                         private_metadata=QUARTER)  # fmt: skip
    assert reply.json()["response_action"] == "update"
    (saved,) = await all_answers(services)
    assert (saved.tool_approved, saved.establishment, saved.spread) == (None, None, None)
    assert saved.continues_without_me is None and saved.has_example


async def test_bad_input_gets_modal_errors_and_nothing_is_stored(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await seed_org(services, slack, 2)
    await open_form(sender, slack, org.user_ids[1])
    bad = form("x" * 2001, tool=plain("  "), work_kind=static(None))
    reply = await sender.view_submission(
        ids.ANSWER_VIEW, bad, user_id=org.user_ids[1], private_metadata=QUARTER
    )
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"example", "tool", "work_kind"}
    assert "2000" in body["errors"]["example"]
    assert await all_answers(services) == []
    await sender.view_submission(ids.ANSWER_VIEW, form(), user_id=org.user_ids[1],
                                 private_metadata=QUARTER)  # fmt: skip
    reply = await sender.view_submission(
        ids.ANSWER_DETAILS_VIEW, details(hours_saved_per_month=number("9999"), spread=radio("x")),
        user_id=org.user_ids[1], private_metadata=QUARTER,
    )  # fmt: skip
    body = reply.json()
    assert set(body["errors"]) == {"hours_saved_per_month", "spread"}
    assert "number" in body["errors"]["hours_saved_per_month"]
    (saved,) = await all_answers(services)
    assert saved.spread is None and saved.hours_saved_per_month is None


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
