"""`leverage-bot serve` with Teams alone (no Slack settings at all), as an operator runs it: a
real process that answers signed activities on `/api/messages`, refuses unsigned ones, has no
Slack route, warns about the testing seams at start, and stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.teams.double import BotConnectorDouble, TeamsSender
from tests.conftest import database_url_for_tests
from tests.teams_fixtures import card_text, last_card
from tests.test_serve_process import free_port, wait_healthy


@pytest.fixture
async def teams_alone(
    connector: BotConnectorDouble, tmp_path: Path
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
    env.update(
        TEAMS_APP_ID=connector.app_id, TEAMS_APP_PASSWORD=connector.app_password,
        TEAMS_TENANT_ID=connector.tenant_id, TEAMS_JWKS_URL=connector.jwks_url,
        TEAMS_TOKEN_URL=connector.token_url, DATABASE_URL=database_url_for_tests(tmp_path),
        HOST="127.0.0.1", PORT=str(port),
    )  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--no-scheduler",
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    yield f"http://127.0.0.1:{port}", process
    if process.returncode is None:
        process.kill()
        await process.wait()


async def test_teams_alone_serves_api_messages_without_any_slack_setting(
    teams_alone: tuple[str, asyncio.subprocess.Process], connector: BotConnectorDouble
) -> None:
    url, process = teams_alone
    assert await wait_healthy(url, process) == 200
    sender = TeamsSender(url, connector)
    try:
        user = connector.add_user("Ada", "ada@example.com")
        assert await sender.install(user) in (200, 201, 202)
        assert "leverage" in card_text(last_card(connector, user))  # answered at serviceUrl
        unsigned = connector.activity(user, "message", text="help")
        status, _ = await sender.post(unsigned, signed=False)
        assert status == 401
        async with (
            aiohttp.ClientSession() as session,
            session.post(url + "/slack/events", data="{}") as response,
        ):
            assert response.status == 404  # no Slack route without Slack settings
    finally:
        await sender.close()
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), timeout=15) == 0
    assert process.stderr is not None
    log = (await process.stderr.read()).decode()
    assert "TEAMS_JWKS_URL is set" in log and "TEAMS_TOKEN_URL is set" in log
    assert "Traceback" not in log and connector.refused == []
