"""The HTTP edge against a careless or hostile sender: bad bodies, replays, and the log.

Every request goes over real HTTP to the running aiohttp app, signed as Slack signs (or not),
with root logging at DEBUG into a file that is searched afterwards for user IDs, form values
and tracebacks.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from bot.core import disclosures
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import APP_ID, TEAM_ID, SlackSender
from handlers import ids
from tests.conftest import ADMIN_ID, SIGNING_SECRET, eventually, serving
from tests.test_disclosure_helpers import BIG_IDS, form, open_form, seed_people, state_values

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000
BAD_BODIES = {
    "json-array": ("[1, 2]", JSON),
    "json-string": ('"hello"', JSON),
    "json-null": ("null", JSON),
    "json-number": ("42", JSON),
    "json-5000-deep-list": (DEEP, JSON),
    "json-5000-deep-object": (DEEP_OBJECT, JSON),
    "form-payload-list": ("payload=" + "%5B1%2C2%5D", FORM),
    "form-payload-string": ("payload=%22x%22", FORM),
    "form-payload-null": ("payload=null", FORM),
    "form-payload-deep": (urlencode({"payload": DEEP}), FORM),
}
SECRET_VALUE = "TANGERINE-OCTOPUS-LEDGER"
SECRET_TOOL = "Marmalade Ghostwriter"


def read_log(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    text_ = path.read_text(encoding="utf-8")
    assert "flow starts" in text_  # the file really received DEBUG records
    return text_


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("name", list(BAD_BODIES))
async def test_bodies_that_are_not_objects_get_4xx_without_traceback(
    sender: SlackSender, slack: SlackDouble, debug_log: Path, name: str, signed: bool
) -> None:
    body, content_type = BAD_BODIES[name]
    reply = await sender.post_raw(
        body, content_type=content_type, signature=None if signed else "v0=" + "0" * 64
    )
    assert reply.status == (400 if signed else 401), reply.text
    assert slack.calls == []
    log = read_log(debug_log)
    assert "Traceback" not in log and "ERROR" not in log, log[-2000:]


async def test_a_timestamp_that_is_not_a_number_is_refused(sender: SlackSender) -> None:
    reply = await sender.post_raw(
        "command=%2Fai-stage", headers={"X-Slack-Request-Timestamp": "soon"}
    )
    assert reply.status == 401


# ---------------------------------------------------------------- replays


def _admin_reply_body(disclosure_id: str, words: str) -> str:
    return urlencode(
        {
            "command": ids.DISCLOSE_COMMAND,
            "text": f"admin reply {disclosure_id} {words}",
            "user_id": ADMIN_ID,
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "trigger_id": "1.2.trigger",
            "response_url": "http://127.0.0.1:9/never",
        }
    )


async def _one_disclosure_id(services: Services) -> str:
    done = await disclosures.submit(services, form("Replay Tool"), chat_user_id=None)
    await disclosures.release_all(services, done.quarter)  # as the campaign's close does
    async with services.db.session() as session:
        return str((await session.execute(text("SELECT id FROM disclosure"))).scalar_one())


async def _reply_count(services: Services) -> int:
    async with services.db.session() as session:
        return int((await session.execute(text("SELECT count(*) FROM disclosurereply"))).scalar())


@pytest.fixture
async def second_replica(services: Services) -> AsyncIterator[str]:
    """Another replica of the bot on the same database (its own process state, same rows)."""
    async with serving(Services(settings=services.settings, db=services.db)) as url:
        yield url


async def test_a_replayed_signed_request_acts_once_even_on_another_replica(
    services: Services, sender: SlackSender, slack: SlackDouble, second_replica: str
) -> None:
    disclosure_id = await _one_disclosure_id(services)
    body = _admin_reply_body(disclosure_id, "We are buying licences.")
    ts = int(time.time())
    signature = sender.signer.generate_signature(timestamp=str(ts), body=body)
    other = SlackSender(second_replica, SIGNING_SECRET, slack.response_url_base)
    try:
        replies = [await sender.post_raw(body, timestamp=ts, signature=signature)]
        replies += [await sender.post_raw(body, timestamp=ts, signature=signature)]
        replies += [await other.post_raw(body, timestamp=ts, signature=signature)]
    finally:
        await other.close()
    assert [r.status for r in replies] == [200, 200, 200]
    await eventually(lambda: _reply_count(services))
    assert await _reply_count(services) == 1


async def test_the_same_admin_reply_sent_twice_is_stored_once(services: Services) -> None:
    """Two distinct requests (a double click, a retry with a new timestamp) with one text."""
    disclosure_id = await _one_disclosure_id(services)
    await disclosures.reply(services, disclosure_id, "Licences ordered.", ADMIN_ID)
    await disclosures.reply(services, disclosure_id, " Licences ordered. ", ADMIN_ID)
    await disclosures.reply(services, disclosure_id, "And training booked.", ADMIN_ID)
    assert await _reply_count(services) == 2


async def test_expired_signatures_are_forgotten(services: Services, sender: SlackSender) -> None:
    for n in range(3):
        await sender.post_raw(urlencode({"command": "/ai-stage", "text": str(n)}))

    async def all_seen() -> bool:  # slash commands are claimed just after their early ack
        async with services.db.session() as session:
            seen = await session.execute(text("SELECT count(*) FROM seenrequest"))
            return bool(seen.scalar_one() == 3)

    await eventually(all_seen)
    from storage.queries.replay import forget_expired

    later = services.clock().replace(year=services.clock().year + 1)
    async with services.db.session() as session:
        assert await forget_expired(session, later) == 3


# ---------------------------------------------------------------- the log, whatever the path


def _view_submission_body(user_id: str, callback_id: str, values: dict[str, Any]) -> str:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "trigger_id": "9.9.trigger",
        "view": {
            "id": "VLATE",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": "",
            "state": {"values": values},
            "hash": "h",
        },
    }
    return urlencode({"payload": json.dumps(payload)})


async def test_no_request_of_any_kind_leaves_a_user_id_or_a_value_in_the_log(
    services: Services, sender: SlackSender, slack: SlackDouble, debug_log: Path
) -> None:
    await seed_people(services)
    user = BIG_IDS[1]
    values = state_values(SECRET_TOOL, make_it_easy=SECRET_VALUE)
    late = _view_submission_body(user, ids.DISCLOSURE_VIEW, values)
    unknown = _view_submission_body(user, "no_such_view", values)
    now = int(time.time())
    # Accepted: a command, an opened form, a submitted disclosure, a button, an App Home event.
    meta = await open_form(sender, slack, user)
    submitted = await sender.view_submission(
        ids.DISCLOSURE_VIEW, values, user_id=user, private_metadata=meta
    )
    assert submitted.status == 200
    await sender.command("/ai-stage", SECRET_VALUE, user_id=user)
    await sender.command(ids.DISCLOSE_COMMAND, f"check {SECRET_VALUE}", user_id=user)
    await sender.action("no_such_action", user_id=user, value=SECRET_VALUE)
    await sender.event({"type": "app_home_opened", "user": user, "tab": "home"})
    await sender.view_submission("no_such_view", values, user_id=user)
    # Refused: late but correctly signed, wrongly signed, unsigned, replayed, malformed.
    assert (await sender.post_raw(late, timestamp=now - 6 * 60)).status == 401
    assert (await sender.post_raw(late, signature="v0=" + "1" * 64)).status == 401
    assert (await sender.post_raw(unknown, signature="")).status == 401
    signature = sender.signer.generate_signature(timestamp=str(now), body=unknown)
    for _ in range(2):
        await sender.post_raw(unknown, timestamp=now, signature=signature)
    broken = json.dumps({"type": "view_submission", "user": {"id": user}, "view": SECRET_VALUE})
    assert (await sender.post_raw(urlencode({"payload": broken}))).status == 400
    assert (await sender.post_raw(f'["{user}", "{SECRET_VALUE}"]', content_type=JSON)).status == 400

    log = read_log(debug_log)
    for needle in (user, user.lower(), SECRET_VALUE, SECRET_TOOL, "Marmalade", meta):
        assert needle not in log, (needle, [line for line in log.splitlines() if needle in line])
    assert "Traceback" not in log
