"""The app as Slack reaches it: signed requests over real HTTP, health, and hostile input."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.core.services import Services
from bot.slack.app import create_bolt_app, create_web_app
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from storage.db import Database
from tests.conftest import SIGNING_SECRET

UNREACHABLE_DB = "postgresql://nobody:nothing@127.0.0.1:9/none"


async def get(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


async def post_status(url: str, data: bytes | str, headers: dict[str, str] | None = None) -> int:
    """An unsigned or hand-signed POST, for what a real Slack would never send."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, headers=headers or {}) as response,
    ):
        return response.status


async def test_health_reports_database_up(app_url: str) -> None:
    status, body = await get(app_url + "/healthz")
    assert status == 200
    assert body == {"status": "ok", "database": "up"}


@pytest.fixture
async def app_without_database(settings) -> AsyncIterator[str]:
    services = Services(settings=settings, db=Database(UNREACHABLE_DB))
    runner = web.AppRunner(create_web_app(services, create_bolt_app(services)))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()
    await services.db.dispose()


async def test_health_is_503_when_database_is_down(app_without_database: str) -> None:
    status, body = await get(app_without_database + "/healthz")
    assert status == 503
    assert body["database"] == "down"


@pytest.mark.parametrize(
    "command, text",
    [("/ai-stage", ""), ("/ai-disclose", "check ABCD-EFGH-JKMN"), ("/ai-leverage", "team")],
)
async def test_command_with_database_down_tells_the_user(
    app_without_database: str, slack: SlackDouble, command: str, text: str
) -> None:
    sender = SlackSender(app_without_database, SIGNING_SECRET, slack.response_url_base)
    try:
        reply = await sender.command(command, text)
    finally:
        await sender.close()
    assert reply.status == 200
    texts = " ".join(r["body"].get("text", "") for r in await _responses(slack))
    assert "cannot reach its database" in texts


async def _responses(slack: SlackDouble, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while not slack.responses and time.monotonic() < deadline:
        import asyncio

        await asyncio.sleep(0.02)
    return slack.responses


@pytest.mark.parametrize(
    "signature, age",
    [(None, 0), ("v0=" + "0" * 64, 0), ("", 0), (None, 6 * 60)],
    ids=["valid-signature-but-stale", "wrong-signature", "no-signature", "older-than-5-minutes"],
)
async def test_bad_signatures_are_refused_and_nothing_runs(
    sender: SlackSender, slack: SlackDouble, signature: str | None, age: int
) -> None:
    body = "command=%2Fai-stage&text=&user_id=U001&team_id=T0DOUBLE&trigger_id=1.2.3"
    if signature is None and age == 0:
        # A valid signature computed for a different body: a replayed or tampered request.
        signature = sender.signer.generate_signature(timestamp=str(int(time.time())), body="x")
    reply = await sender.post_raw(body, timestamp=int(time.time()) - age, signature=signature)
    assert reply.status == 401
    assert slack.calls == []


async def test_missing_signature_headers_are_refused(app_url: str, slack: SlackDouble) -> None:
    assert await post_status(app_url + "/slack/events", "command=%2Fai-stage") == 401
    assert slack.calls == []


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ("{broken json", "application/json"),
        ("payload=" + json.dumps({"type": "block_actions"}), "application/x-www-form-urlencoded"),
        ("", "application/x-www-form-urlencoded"),
        ("command=%2Fai-unknown&text=x&user_id=U1", "application/x-www-form-urlencoded"),
        (
            "payload="
            + json.dumps({"type": "view_submission", "user": {"id": "U1"}, "view": "a string"}),
            "application/x-www-form-urlencoded",
        ),
        (
            "payload="
            + json.dumps(
                {
                    "type": "view_submission",
                    "user": {"id": "U1"},
                    "view": {"callback_id": "leverage_answer", "state": {"values": [{"x": 1}]}},
                }
            ),
            "application/x-www-form-urlencoded",
        ),
    ],
    ids=[
        "bad-payload-json",
        "bad-event-json",
        "action-without-actions",
        "empty",
        "unknown-command",
        "view-is-a-string",
        "state-values-a-list",
    ],
)
async def test_malformed_signed_bodies_get_4xx_and_server_stays_healthy(
    sender: SlackSender, app_url: str, body: str, content_type: str
) -> None:
    reply = await sender.post_raw(body, content_type=content_type)
    assert 400 <= reply.status < 500
    status, _ = await get(app_url + "/healthz")
    assert status == 200


async def test_unknown_action_gets_4xx(sender: SlackSender) -> None:
    reply = await sender.action("no_such_action")
    assert reply.status == 404


async def test_body_that_is_not_utf8_is_refused(sender: SlackSender, app_url: str) -> None:
    headers = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=1"}
    assert await post_status(app_url + "/slack/events", b"text=\xff\xfe", headers) == 400


async def test_oversized_body_is_refused(app_url: str) -> None:
    assert await post_status(app_url + "/slack/events", b"x" * (2 * 1024 * 1024)) == 413


async def test_url_verification_challenge_is_answered(sender: SlackSender) -> None:
    body = json.dumps({"token": "t", "challenge": "c-123", "type": "url_verification"})
    reply = await sender.post_raw(body, content_type="application/json")
    assert reply.status == 200
    assert "c-123" in reply.text
