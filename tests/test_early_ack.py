"""Slash commands are acknowledged at the HTTP edge, before Bolt runs, and still act once.

The edge may answer for Bolt only because these commands' listeners always ack with an empty
body: checked here by dispatching each through Bolt itself with the words people type.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.core.services import Services
from bot.slack.app import create_bolt_app
from bot.slack.double import SlackDouble
from bot.slack.early_ack import acked_at_once
from bot.slack.simulator import APP_ID, TEAM_ID, SlackSender
from handlers import ids
from handlers.commands import ACKED_EMPTY
from tests.conftest import ADMIN_ID, eventually

WORDS = ["", "help", "no such thing", "chart", "facts", "facts set x=1", "team", "forget",
         "admin", "admin status", "check ABCD-EFGH", "status"]  # fmt: skip


def command_body(command: str, text: str, user_id: str, response_url: str) -> str:
    return urlencode({
        "team_id": TEAM_ID, "channel_id": "D" + user_id, "user_id": user_id, "command": command,
        "text": text, "api_app_id": APP_ID, "response_url": response_url,
        "trigger_id": f"{time.time()}.trigger",
    })  # fmt: skip


@pytest.mark.parametrize("command", sorted(ACKED_EMPTY))
async def test_these_commands_always_ack_with_an_empty_body(
    command: str, services: Services, slack: SlackDouble, sender: SlackSender
) -> None:
    bolt = create_bolt_app(services)
    for user in ("U001", ADMIN_ID):
        for text in WORDS:
            body = command_body(command, text, user, sender.new_response_url())
            ts = str(int(time.time()))
            signature = sender.signer.generate_signature(timestamp=ts, body=body)
            headers = {"content-type": "application/x-www-form-urlencoded",
                       "x-slack-request-timestamp": ts, "x-slack-signature": signature}  # fmt: skip
            response = await bolt.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
            assert (response.status, response.body) == (200, ""), (command, text)


def test_only_listed_slash_commands_are_acked_early() -> None:
    form = "application/x-www-form-urlencoded"
    assert acked_at_once(command_body(ids.STAGE_COMMAND, "", "U1", "x"), form)
    assert not acked_at_once(command_body("/something-else", "", "U1", "x"), form)
    assert not acked_at_once(urlencode({"payload": "{}"}), form)  # interactivity: Bolt answers
    assert not acked_at_once('{"command": "/ai-stage"}', "application/json")


async def test_a_burst_is_acked_and_every_command_answered_once(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    replies = await asyncio.gather(
        *(sender.command(ids.STAGE_COMMAND, user_id=f"U{i:03d}") for i in range(40))
    )
    assert {(r.status, r.text) for r in replies} == {(200, "")}
    await eventually(lambda: len(slack.responses) >= 40, timeout=15)
    await asyncio.sleep(0.2)
    assert len(slack.responses) == 40
    assert services.views.stats.computed <= 3  # the figures, the report, its rendering: once each


async def test_a_replayed_command_is_acked_but_acts_once(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    body = command_body(ids.STAGE_COMMAND, "help", "U001", sender.new_response_url())
    ts = int(time.time())
    signature = sender.signer.generate_signature(timestamp=str(ts), body=body)
    replies = await asyncio.gather(
        *(sender.post_raw(body, timestamp=ts, signature=signature) for _ in range(3))
    )
    assert [r.status for r in replies] == [200, 200, 200]
    await eventually(lambda: slack.responses, timeout=10)
    await asyncio.sleep(0.3)
    assert len(slack.responses) == 1
