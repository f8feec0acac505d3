"""Shared fixtures: a real database, the Slack Web API double, and the app on a real port.

Set `TEST_DATABASE_URL=postgresql://…` to run the whole suite on PostgreSQL; each test then
gets an emptied `public` schema migrated by alembic, exactly like a new install.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings, load_settings
from bot.core.services import Services
from bot.slack.app import create_bolt_app, create_web_app
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from storage.db import Database, async_url

pytest_plugins = ["tests.teams_fixtures"]  # the Bot Connector double and the Teams app

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
ADMIN_ID = "UADMIN"


def database_url_for_tests(tmp_path: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


async def _empty_postgres(url: str) -> None:
    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    url = database_url_for_tests(tmp_path)
    if url.startswith("postgres"):
        await _empty_postgres(url)
    db = Database(url)
    await db.migrate()
    yield db
    await db.dispose()


@pytest.fixture
async def slack() -> AsyncIterator[SlackDouble]:
    double = SlackDouble()
    await double.start()
    yield double
    await double.stop()


@pytest.fixture
def settings(slack: SlackDouble, tmp_path: Path) -> Settings:
    return load_settings(
        slack_bot_token=SecretStr(BOT_TOKEN),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.base_url,
        database_url=database_url_for_tests(tmp_path),
        leverage_admins=ADMIN_ID,
        hash_key=SecretStr("test-hash-key"),
    )


@pytest.fixture
async def services(settings: Settings, database: Database) -> Services:
    return Services(settings=settings, db=database)


@asynccontextmanager
async def serving(services: Services) -> AsyncIterator[str]:
    """The real aiohttp app listening on a loopback port, as `leverage-bot serve` runs it."""
    bolt_app = create_bolt_app(services)
    runner = web.AppRunner(create_web_app(services, bolt_app))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def app_url(services: Services) -> AsyncIterator[str]:
    async with serving(services) as url:
        yield url


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Root logging at DEBUG into a file for the whole test, as a careless operator might set."""
    path = tmp_path / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("privacy-test").debug("flow starts")
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


@pytest.fixture
async def sender(app_url: str, slack: SlackDouble) -> AsyncIterator[SlackSender]:
    client = SlackSender(app_url, SIGNING_SECRET, slack.response_url_base)
    yield client
    await client.close()


async def eventually(
    check: Callable[[], Any] | Callable[[], Awaitable[Any]], timeout: float = 5.0
) -> Any:
    """Wait for an asynchronous side effect (listeners run after the ack) and return it."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)
