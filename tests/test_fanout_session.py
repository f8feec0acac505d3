"""A fan-out shares one HTTP session (kept-alive connections) instead of opening one per
message, and closes it when the run ends, however it ends."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.core import campaigns
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services
from bot.slack.client import ProxiedWebClient, make_web_client
from bot.slack.double import SlackDouble
from bot.slack.messenger import SlackMessenger
from storage.types import utcnow
from tests.test_campaign_fixtures import seed_org, use_slack

QUARTER = campaigns.quarters.quarter_of(utcnow())


def count_sessions(monkeypatch: pytest.MonkeyPatch) -> list[aiohttp.ClientSession]:
    opened: list[aiohttp.ClientSession] = []
    original = aiohttp.ClientSession.__init__

    def counting(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> None:
        opened.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(aiohttp.ClientSession, "__init__", counting)
    return opened


async def test_a_fan_out_opens_one_session_and_closes_it(
    services: Services, slack: SlackDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_org(services, slack, 12)
    use_slack(services)
    await campaigns.start_campaign(services, QUARTER, now=True)
    opened = count_sessions(monkeypatch)
    report = await run_due_deliveries(services)
    assert report.sent == 12 and len(slack.calls_to("chat.postMessage")) == 12
    assert len(opened) == 1  # not one per message (slack_sdk's default)
    assert opened[0].closed
    messenger = services.messenger
    assert isinstance(messenger, SlackMessenger) and messenger.client.session is None


async def test_the_pool_is_shared_while_in_use_and_closed_on_error(
    services: Services, slack: SlackDouble
) -> None:
    client = make_web_client(services.settings, safe_to_repeat=False)
    assert isinstance(client, ProxiedWebClient)
    async with client.pooled():
        session = client.session
        async with client.pooled():  # an overlapping run (two fan-outs in one process)
            assert client.session is session
            await client.chat_postMessage(channel="U0001", text="one")
        assert client.session is session and session is not None and not session.closed
        await client.chat_postMessage(channel="U0002", text="two")
    assert client.session is None and session.closed
    with pytest.raises(RuntimeError):
        async with client.pooled():
            failing = client.session
            raise RuntimeError("the run failed")
    assert client.session is None and failing is not None and failing.closed
    assert len(slack.calls_to("chat.postMessage")) == 2


async def test_a_client_given_a_session_keeps_it(services: Services) -> None:
    async with aiohttp.ClientSession() as own:
        client = ProxiedWebClient(token="xoxb-test", session=own)
        async with client.pooled():
            assert client.session is own
        assert client.session is own and not own.closed
