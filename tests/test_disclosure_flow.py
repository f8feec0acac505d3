"""The disclosure flow as Slack drives it: command, button, modal, signed submit, claim code."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from sqlalchemy import text

from bot.core import disclosures
from bot.core.services import Services
from bot.slack.app import create_bolt_app, create_web_app
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from handlers.blocks.disclosure_form import BLOCKS
from storage.db import Database
from tests.conftest import ADMIN_ID, SIGNING_SECRET, eventually
from tests.test_disclosure_helpers import (
    BIG_IDS,
    SMALL_IDS,
    code_in,
    count,
    ephemeral_reply,
    open_form,
    seed_people,
    state_values,
)
from tests.test_http_foundation import UNREACHABLE_DB


async def _submit(sender: SlackSender, user_id: str, meta: str, **values: object) -> dict:
    reply = await sender.view_submission(
        ids.DISCLOSURE_VIEW, state_values(**values), user_id=user_id, private_metadata=meta
    )
    assert reply.status == 200
    return reply.json()


async def _team_ids(services: Services) -> list[int | None]:
    async with services.db.session() as session:
        result = await session.execute(text("SELECT team_id FROM disclosure"))
        return [r[0] for r in result.all()]


async def test_command_opens_modal_and_submit_shows_code_once(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seed_people(services)
    meta = await open_form(sender, slack, BIG_IDS[0])
    answer = await _submit(sender, BIG_IDS[0], meta)
    code = code_in(answer)
    shown = json.dumps(answer["view"])
    assert shown.count(code) == 1 and shown.count("Thank you") == 1  # once each
    assert f"```{code}```" in shown and "/ai-disclose check" in shown  # copyable on a phone
    assert await count(services, "disclosure") == 1
    assert not slack.calls_to("chat.postEphemeral") and not slack.calls_to("chat.postMessage")
    assert await disclosures.check(services, code) is not None


async def test_button_in_campaign_dm_opens_the_same_modal(
    sender: SlackSender, slack: SlackDouble
) -> None:
    await sender.action(ids.OPEN_DISCLOSURE_FORM, user_id="UANY", value="2026Q4")
    await eventually(lambda: slack.opened_views)
    meta = json.loads(slack.opened_views[-1]["private_metadata"])
    assert meta["c"] == "2026Q4"
    assert slack.opened_views[-1]["callback_id"] == ids.DISCLOSURE_VIEW


async def test_expired_trigger_gets_a_polite_reply(sender: SlackSender, slack: SlackDouble) -> None:
    slack.fail_next("views.open", error="expired_trigger_id")
    await sender.action(ids.OPEN_DISCLOSURE_FORM, user_id="UANY", value="")
    assert "click it again" in await ephemeral_reply(slack, 0)


async def test_team_recorded_only_for_teams_of_at_least_k(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seed_people(services)
    for user_id in (BIG_IDS[1], SMALL_IDS[0], "UNOTINDIRECTORY"):
        meta = await open_form(sender, slack, user_id)
        code_in(await _submit(sender, user_id, meta))
    teams = await _team_ids(services)
    assert len(teams) == 3
    assert sum(t is not None for t in teams) == 1  # only the team of 6 is named


async def test_double_submit_stores_once_and_shows_the_same_code(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    meta = await open_form(sender, slack, "U1")
    first = code_in(await _submit(sender, "U1", meta))
    second_reply = await _submit(sender, "U1", meta)
    assert code_in(second_reply) == first
    assert "already" in json.dumps(second_reply["view"])
    assert await count(services, "disclosure") == 1
    assert await count(services, "submissionguard") == 1


async def test_bad_input_gets_modal_errors_and_nothing_is_stored(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    meta = await open_form(sender, slack, "U1")
    cases = [
        ({"tool": "   "}, "tool"),
        ({"tool": "x" * 201}, "tool"),
        ({"tool_kind": "banana"}, "tool_kind"),
        ({"work_kind": None}, "work_kind"),
        ({"frequency": "hourly"}, "frequency"),
        ({"data_class": "secret"}, "data_class"),
        ({"reasons": ["because"]}, "reasons"),
        ({"make_it_easy": "y" * 2001}, "make_it_easy"),
    ]
    for values, field in cases:
        answer = await _submit(sender, "U1", meta, **values)
        assert answer["response_action"] == "errors", values
        assert BLOCKS[field] in answer["errors"], (values, answer)
    assert await count(services, "disclosure") == 0
    assert await count(services, "submissionguard") == 0


async def test_forged_metadata_is_refused_in_the_modal(
    services: Services, sender: SlackSender
) -> None:
    answer = await _submit(sender, "U1", "not json")
    assert answer["response_action"] == "errors"
    assert await count(services, "disclosure") == 0


async def test_contact_opt_in_creates_exactly_one_contact_row(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seed_people(services)
    meta = await open_form(sender, slack, BIG_IDS[2])
    code_in(await _submit(sender, BIG_IDS[2], meta))
    assert await count(services, "disclosurecontact") == 0
    meta = await open_form(sender, slack, BIG_IDS[3])
    code_in(await _submit(sender, BIG_IDS[3], meta, contact=True))
    await _submit(sender, BIG_IDS[3], meta, contact=True)  # a double submit adds nothing
    assert await count(services, "disclosurecontact") == 1
    async with services.db.session() as session:
        row = (
            await session.execute(
                text(
                    "SELECT c.slack_user_id FROM disclosurecontact c "
                    "JOIN disclosure d ON d.contact_ref = c.ref"
                )
            )
        ).one()
    assert row[0] == BIG_IDS[3]


async def test_check_shows_no_reply_then_the_reply_and_note(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    meta = await open_form(sender, slack, "U1")
    code = code_in(await _submit(sender, "U1", meta))
    await sender.command(ids.DISCLOSE_COMMAND, f"check {code.lower()}", user_id="U1")
    assert "No reply yet" in await ephemeral_reply(slack, 0)
    async with services.db.session() as session:
        ident, quarter = (await session.execute(text("SELECT id, quarter FROM disclosure"))).one()
    await disclosures.release_all(services, quarter)  # as the campaign's close does
    await sender.command(
        ids.DISCLOSE_COMMAND, f"admin reply {ident} We are buying a licence.", user_id=ADMIN_ID
    )
    assert "Reply saved" in await ephemeral_reply(slack, 1)
    await sender.command(
        ids.DISCLOSE_COMMAND, "admin note Licences arrive in May.", user_id=ADMIN_ID
    )
    assert "Published" in await ephemeral_reply(slack, 2)
    await sender.command(ids.DISCLOSE_COMMAND, f"check {code.replace('-', ' ')}", user_id="U9")
    answer = await ephemeral_reply(slack, 3)
    assert "We are buying a licence." in answer and "Licences arrive in May." in answer


async def test_wrong_code_is_politely_not_found(sender: SlackSender, slack: SlackDouble) -> None:
    await sender.command(ids.DISCLOSE_COMMAND, "check ABCD-EFGH-JKMN", user_id="U1")
    assert "could not find" in await ephemeral_reply(slack, 0)
    await sender.command(ids.DISCLOSE_COMMAND, "check", user_id="U1")
    assert "add your claim code" in await ephemeral_reply(slack, 1)


async def test_admin_commands_are_refused_to_others(
    sender: SlackSender, slack: SlackDouble
) -> None:
    await sender.command(ids.DISCLOSE_COMMAND, "admin list", user_id="U1")
    assert "only AI Leverage admins" in await ephemeral_reply(slack, 0)
    await sender.command(ids.DISCLOSE_COMMAND, "help", user_id="U1")
    assert "check CODE" in await ephemeral_reply(slack, 1)


async def test_admin_reply_to_unknown_id_and_empty_text(
    sender: SlackSender, slack: SlackDouble
) -> None:
    await sender.command(ids.DISCLOSE_COMMAND, "admin reply nope hello", user_id=ADMIN_ID)
    assert "no disclosure with that reference" in await ephemeral_reply(slack, 0)
    await sender.command(ids.DISCLOSE_COMMAND, "admin note", user_id=ADMIN_ID)
    assert "empty" in await ephemeral_reply(slack, 1)


async def test_forget_unlinks_contact_rows_and_keeps_the_disclosure(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seed_people(services)
    meta = await open_form(sender, slack, BIG_IDS[4])
    code_in(await _submit(sender, BIG_IDS[4], meta, contact=True))
    assert await disclosures.forget_contact(services, BIG_IDS[4]) == 1
    assert await count(services, "disclosurecontact") == 0
    assert await count(services, "disclosure") == 1
    async with services.db.session() as session:
        ref = (await session.execute(text("SELECT contact_ref FROM disclosure"))).scalar_one()
    assert ref is None


@pytest.fixture
async def sender_without_database(settings, slack: SlackDouble) -> AsyncIterator[SlackSender]:
    services = Services(settings=settings, db=Database(UNREACHABLE_DB))
    runner = web.AppRunner(create_web_app(services, create_bolt_app(services)))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    client = SlackSender(url, SIGNING_SECRET, slack.response_url_base)
    yield client
    await client.close()
    await runner.cleanup()
    await services.db.dispose()


async def test_database_down_keeps_the_modal_open_and_says_so(
    sender_without_database: SlackSender, slack: SlackDouble
) -> None:
    meta = json.dumps({"n": "n" * 24, "c": ""})
    answer = await _submit(sender_without_database, "U1", meta)
    assert answer["response_action"] == "errors"
    assert "cannot reach its database" in json.dumps(answer["errors"])


async def test_app_home_button_with_expired_trigger_answers_by_dm(
    sender: SlackSender, slack: SlackDouble
) -> None:
    slack.fail_next("views.open", error="expired_trigger_id")
    payload = {
        "type": "block_actions",
        "user": {"id": "UHOME", "username": "uhome", "team_id": "T0DOUBLE"},
        "api_app_id": "A0LEVERAGE",
        "team": {"id": "T0DOUBLE", "domain": "double"},
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "callback_id": "", "private_metadata": ""},
        "trigger_id": sender.new_trigger_id(),
        "actions": [
            {"type": "button", "action_id": ids.OPEN_DISCLOSURE_FORM, "block_id": "b", "value": ""}
        ],
    }
    assert (await sender.interactive(payload)).status == 200
    await eventually(lambda: slack.messages_to("UHOME"))
    assert "click it again" in slack.messages_to("UHOME")[-1]["text"]
