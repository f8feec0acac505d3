"""Every outgoing HTTP client honours HTTP(S)_PROXY and NO_PROXY the way curl and requests do.

slack_sdk reads the proxy variables but ignores NO_PROXY: on a corporate laptop the demo's
loopback traffic went to the proxy and failed. Here a *dead* proxy (a closed port) proves that
listed hosts are reached directly, and a recording proxy that unlisted hosts go through it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.config import Settings
from bot.core.services import Services
from bot.http_proxy import proxy_for
from bot.slack.client import ProxiedSocketModeClient, make_web_client
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from tests.conftest import eventually
from tests.test_serve_process import free_port, start_serve, wait_healthy

LOOPBACK = "127.0.0.1,localhost"
PROXY_VARS = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")


def set_proxy_env(monkeypatch: pytest.MonkeyPatch, proxy: str, no_proxy: str) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    if no_proxy:
        monkeypatch.setenv("NO_PROXY", no_proxy)


@pytest.fixture
def dead_proxy(monkeypatch: pytest.MonkeyPatch) -> str:
    """A proxy nobody listens on: any request sent to it fails at once."""
    url = f"http://127.0.0.1:{free_port()}"
    set_proxy_env(monkeypatch, url, LOOPBACK)
    return url


class RecordingProxy:
    """A forward HTTP proxy on loopback that records each request's absolute target URL."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._session = aiohttp.ClientSession()  # trust_env=False: never loops back to us
        return f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def _forward(self, request: web.Request) -> web.Response:
        target = str(request.url)
        self.seen.append(target)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        assert self._session is not None
        async with self._session.request(
            request.method, target, headers=headers, data=await request.read()
        ) as upstream:
            body = await upstream.read()
            kept = {"Content-Type": upstream.headers.get("Content-Type", "text/plain")}
            return web.Response(status=upstream.status, body=body, headers=kept)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def recording_proxy(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RecordingProxy]:
    proxy = RecordingProxy()
    set_proxy_env(monkeypatch, await proxy.start(), "")
    yield proxy
    await proxy.stop()


def test_no_proxy_follows_curl_and_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    set_proxy_env(
        monkeypatch, "http://proxy.corp:3128", "127.0.0.1,localhost,.corp.example,10.0.0.0/8"
    )
    assert proxy_for("https://slack.com/api/") == "http://proxy.corp:3128"
    assert proxy_for("wss://wss-primary.slack.com/link") == "http://proxy.corp:3128"
    for direct in (
        "http://127.0.0.1:8080/api/", "http://localhost/x", "https://api.corp.example/x",
        "https://corp.example/", "http://10.1.2.3:9000/", "not a url",
    ):  # fmt: skip
        assert proxy_for(direct) is None, direct
    monkeypatch.setenv("no_proxy", "*")  # lower case wins, and `*` means every host
    assert proxy_for("https://slack.com/api/") is None
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    assert proxy_for("https://slack.com/api/") is None  # no proxy configured at all


async def test_the_app_works_under_a_dead_proxy_when_no_proxy_lists_loopback(
    dead_proxy: str, services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    """Web API calls, file uploads and response_url posts all reach the loopback double."""
    slack.add_user("U001", email="u1@example.com")
    await sender.command(ids.STAGE_COMMAND, user_id="U001")
    await sender.command(ids.STAGE_COMMAND, "chart", user_id="U001")
    await eventually(lambda: slack.uploads and len(slack.responses) >= 2, timeout=15)
    assert "Sent you the chart" in json.dumps(slack.responses[-1]["body"])
    assert slack.ok_calls("conversations.open") and slack.ok_calls("files.completeUploadExternal")


async def test_unlisted_hosts_go_through_the_proxy(
    recording_proxy: RecordingProxy, services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    slack.add_user("U001", email="u1@example.com")
    await sender.command(ids.STAGE_COMMAND, "chart", user_id="U001")
    await eventually(lambda: slack.uploads and slack.responses, timeout=15)
    seen = recording_proxy.seen
    assert any("/api/conversations.open" in u for u in seen)  # Web API
    assert any("/upload/" in u for u in seen)  # the bytes of files_upload_v2
    assert any("/response/" in u for u in seen)  # respond() to the response_url
    assert all(u.startswith(slack.base_url.split("/api/")[0]) for u in seen)


async def test_the_web_client_decides_per_target(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    set_proxy_env(monkeypatch, "http://proxy.corp:3128", "127.0.0.1")
    assert make_web_client(settings).proxy is None  # the double is on 127.0.0.1
    internal = settings.model_copy(update={"slack_api_url": "https://slack.internal/api/"})
    assert make_web_client(internal).proxy == "http://proxy.corp:3128"
    monkeypatch.setenv("NO_PROXY", "slack.internal")
    assert make_web_client(internal).proxy is None


async def test_socket_mode_connects_directly_to_a_listed_host(
    dead_proxy: str, settings: Settings, slack: SlackDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_client = make_web_client(settings)  # decided now: the API host is listed
    client = ProxiedSocketModeClient(app_token="xapp-test-token", web_client=web_client)
    try:
        await client.connect()
        await eventually(lambda: slack.socket_connections > 0, timeout=10)
        assert client.proxy is None
        monkeypatch.setenv("NO_PROXY", "example.com")  # the websocket's host is no longer listed
        assert await client.issue_new_wss_url()
        assert client.proxy == dead_proxy
    finally:
        await client.close()


async def test_serve_in_socket_mode_under_a_dead_proxy(slack: SlackDouble, tmp_path: Path) -> None:
    """The real process: Socket Mode websocket, Web API and response_url, all on loopback."""
    dead = f"http://127.0.0.1:{free_port()}"
    env = {"SLACK_APP_TOKEN": "xapp-test-token", "HTTP_PROXY": dead, "HTTPS_PROXY": dead,
           "NO_PROXY": LOOPBACK}  # fmt: skip
    url, process = await start_serve(slack, tmp_path, env)
    try:
        assert await wait_healthy(url, process) == 200
        await eventually(lambda: slack.socket_connections > 0, timeout=15)
        command = {
            "command": "/ai-stage", "text": "", "user_id": "U001", "team_id": "T0DOUBLE",
            "channel_id": "DU001", "trigger_id": "1.2.proxy",
            "response_url": slack.response_url_base + "/proxy-1", "api_app_id": "A0LEVERAGE",
        }  # fmt: skip
        await slack.push_envelope("slash_commands", command)
        replies = await eventually(lambda: slack.responses_to("proxy-1"), timeout=15)
        assert "stage" in json.dumps(replies).lower()
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=15) == 0


def test_the_demo_runs_under_a_dead_proxy(tmp_path: Path) -> None:
    """A corporate laptop: HTTPS_PROXY set, NO_PROXY listing loopback (the issue's crash)."""
    dead = f"http://127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.update(HTTP_PROXY=dead, HTTPS_PROXY=dead, NO_PROXY=LOOPBACK)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(tmp_path / "demo"), "--people", "50",
         "--quarters", "2", "--seed", "3"],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "demo" / "ai-stage.png").exists()
