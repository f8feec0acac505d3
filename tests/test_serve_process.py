"""`leverage-bot serve` as an operator runs it: a real process answering signed requests."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, database_url_for_tests, eventually


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(url: str, process: asyncio.subprocess.Process) -> int:
    async with aiohttp.ClientSession() as session:
        for _ in range(150):
            if process.returncode is not None:
                raise AssertionError("serve exited early")
            try:
                async with session.get(url + "/healthz") as response:
                    return response.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError("serve never answered /healthz")


async def start_serve(
    slack: SlackDouble, tmp_path: Path, secrets: dict[str, str]
) -> tuple[str, asyncio.subprocess.Process]:
    """`leverage-bot serve` in a child process, configured only through its environment."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=database_url_for_tests(tmp_path),
        HOST="127.0.0.1",
        PORT=str(port),
        **secrets,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--no-scheduler",
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    return f"http://127.0.0.1:{port}", process


@pytest.fixture
async def served(
    slack: SlackDouble, tmp_path: Path
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    url, process = await start_serve(slack, tmp_path, {"SLACK_SIGNING_SECRET": SIGNING_SECRET})
    yield url, process
    if process.returncode is None:
        process.kill()
        await process.wait()


async def test_serve_migrates_answers_signed_requests_and_stops_cleanly(
    served: tuple[str, asyncio.subprocess.Process], slack: SlackDouble
) -> None:
    url, process = served
    assert await wait_healthy(url, process) == 200
    sender = SlackSender(url, SIGNING_SECRET, slack.response_url_base)
    try:
        assert (await sender.command("/ai-stage", "help")).status == 200
        assert (await sender.command("/ai-stage", "help", user_id="U2")).status == 200
        forged = await sender.post_raw("command=%2Fai-stage", signature="v0=" + "a" * 64)
        assert forged.status == 401
    finally:
        await sender.close()
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), timeout=15) == 0


async def test_serve_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert "SLACK_BOT_TOKEN" in err.decode() and "SLACK_SIGNING_SECRET" in err.decode()


async def test_socket_mode_receives_commands_over_a_websocket_and_keeps_health(
    slack: SlackDouble, tmp_path: Path
) -> None:
    """With SLACK_APP_TOKEN set, serve dials Slack (the double) and serves only /healthz."""
    url, process = await start_serve(slack, tmp_path, {"SLACK_APP_TOKEN": "xapp-test-token"})
    try:
        assert await wait_healthy(url, process) == 200
        await eventually(lambda: slack.socket_connections > 0, timeout=15)
        command = {
            "command": "/ai-stage", "text": "help", "user_id": "U001", "team_id": "T0DOUBLE",
            "channel_id": "DU001", "trigger_id": "1.2.socket",
            "response_url": slack.response_url_base + "/socket-1", "api_app_id": "A0LEVERAGE",
        }  # fmt: skip
        envelope = await slack.push_envelope("slash_commands", command)
        await eventually(lambda: envelope in slack.socket_acks, timeout=10)
        replies = await eventually(lambda: slack.responses_to("socket-1"), timeout=10)
        assert "/ai-stage" in json.dumps(replies)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url + "/slack/events", data="x") as response,
        ):
            assert response.status in (404, 405)  # no HTTP endpoint in Socket Mode
        assert len(slack.ok_calls("apps.connections.open")) >= 1
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=15) == 0
