"""`/ai-leverage forget`, admin-only campaign commands, usage, validation and App Home history."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.core import answers, campaigns
from bot.core.answers import validate_answer
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from handlers.blocks.my_examples import my_examples_blocks
from tests.conftest import ADMIN_ID, eventually
from tests.test_answers_http import QUARTER, wait_reply
from tests.test_campaign_fixtures import all_answers, campaign_row, keys_sent_to, seed_org
from tests.test_campaign_lifecycle import EXAMPLE


async def test_forget_asks_for_confirmation_then_erases(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await seed_org(services, slack, 3)
    mine, other = org.user_ids[1], org.user_ids[2]
    await campaigns.start_campaign(services, QUARTER)
    await answers.save_answer(services, mine, QUARTER, EXAMPLE)
    await answers.save_answer(services, other, QUARTER, EXAMPLE)
    await sender.command(ids.LEVERAGE_COMMAND, "forget", user_id=mine)
    await wait_reply(slack, "cannot be undone")
    offer = slack.responses[-1]["body"]
    buttons = [e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [ids.CONFIRM_FORGET]
    assert len(await all_answers(services)) == 2  # nothing erased before the confirmation
    await sender.action(ids.CONFIRM_FORGET, user_id=mine, value="forget")
    text = await wait_reply(slack, "1 answer erased")
    assert "never linked to you" in text
    remaining = await all_answers(services)
    assert [a.person_id for a in remaining] == [org.people[1].id]


async def delivered(services: Services, count: int) -> bool:
    return (await campaigns.campaign_status(services)).delivered == count


async def test_admin_commands_are_for_admins_only(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    org = await seed_org(services, slack, 3)
    await sender.command(ids.LEVERAGE_COMMAND, "admin start --now", user_id=org.user_ids[1])
    await wait_reply(slack, "only AI Leverage admins")
    assert await campaign_row(services, QUARTER) is None
    await sender.command(ids.LEVERAGE_COMMAND, "admin start --now", user_id=ADMIN_ID)
    await wait_reply(slack, "Campaign started")
    await eventually(lambda: all(keys_sent_to(slack, u) for u in org.user_ids))
    await eventually(lambda: delivered(services, 3))  # recorded just after the post
    await sender.command(ids.LEVERAGE_COMMAND, "admin status", user_id=ADMIN_ID)
    await wait_reply(slack, "delivered 3")
    await sender.command(ids.LEVERAGE_COMMAND, "admin close", user_id=ADMIN_ID)
    await wait_reply(slack, "Q4 2026 is closed")
    assert (await campaign_row(services, QUARTER)).status == "closed"  # type: ignore[union-attr]
    await sender.command(ids.LEVERAGE_COMMAND, "admin remind", user_id=ADMIN_ID)
    await wait_reply(slack, "Could not remind")


async def test_help_and_unknown_subcommands_get_usage(
    services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    await sender.command(ids.LEVERAGE_COMMAND, "frobnicate", user_id="U0000")
    await wait_reply(slack, "/ai-leverage forget")


def test_validation_messages_and_trimming() -> None:
    raw = {
        "example": "  Wrote the quarterly report draft.  \n",
        "work_kind": "drafting", "tool": "  Claude   Enterprise ", "tool_approved": "unknown",
        "establishment": "one_off", "spread": "just_me", "continues_without_me": "not_sure",
        "hours_saved_per_month": " 2.5 ", "metric": "", "obstacles": ["no_policy"],
        "share_consent": True,
    }  # fmt: skip
    data, errors = validate_answer(raw)
    assert errors == {} and data is not None
    assert (data.example, data.tool, data.hours_saved_per_month) == (
        "Wrote the quarterly report draft.", "Claude Enterprise", 2.5,
    )  # fmt: skip
    for hours in ("-1", "nan", "1e9", "ten"):
        assert (
            "hours_saved_per_month" in validate_answer({**raw, "hours_saved_per_month": hours})[1]
        )
    assert "obstacles" in validate_answer({**raw, "obstacles": ["bribery"]})[1]
    assert "spread" in validate_answer({**raw, "spread": "everyone"})[1]
    assert "metric" in validate_answer({**raw, "metric": "m" * 301})[1]


async def test_my_history_for_app_home(services: Services, slack: SlackDouble) -> None:
    org = await seed_org(services, slack, 2)
    await campaigns.start_campaign(services, QUARTER)
    await answers.save_answer(services, org.user_ids[1], QUARTER, EXAMPLE)
    history = await answers.my_history(services, org.people[0].id or 0)
    assert history.current is not None and history.current.has_example
    assert [a.quarter for a in history.answers] == [QUARTER]
    blocks = my_examples_blocks(history)
    assert all(isinstance(b, Block) for b in blocks)
    rendered = str([b.to_dict() for b in blocks])
    assert "Summarised 40 customer interviews" in rendered and "Edit my example" in rendered
    nobody = await answers.my_history(services, org.manager.id or 0)
    assert nobody.answers == [] and nobody.current is not None and not nobody.current.answered
    assert "Share an example" in str([b.to_dict() for b in my_examples_blocks(nobody)])
