"""Real `leverage-bot serve` processes on one database: SIGTERM releases what a replica holds
and exits 0; a SIGKILLed replica's deliveries are taken over by the survivor within a lease,
through a database restart (on PostgreSQL), everyone getting exactly one DM.

The bigger run (5,000 people, a real restart of the PostgreSQL cluster, answers and 500
concurrent commands) is `bench/faults.py`: it needs a cluster of its own to restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.core import campaigns
from bot.core.delivery import LEASE, run_due_deliveries
from bot.core.services import Services
from bot.scheduler import DELIVERY_TICK_SECONDS
from bot.slack.double import SlackDouble
from storage.queries.scheduler import all_jobs as scheduled_jobs
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, database_url_for_tests, eventually
from tests.test_campaign_fixtures import deliveries, seed_org, use_slack
from tests.test_delivery_outbox import QUARTER, prompt_counts
from tests.test_serve_process import free_port, wait_healthy

Replica = tuple[str, asyncio.subprocess.Process]


async def start_replica(slack: SlackDouble, tmp_path: Path, **env: str) -> Replica:
    """`leverage-bot serve` with its scheduler, configured only through its environment; its
    output goes to `replica-<pid>.log` in `tmp_path` (see `replica_log`)."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    environment.update(
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.base_url, DATABASE_URL=database_url_for_tests(tmp_path),
        HOST="127.0.0.1", PORT=str(port), LEVERAGE_FANOUT_RATE="5",
    )  # fmt: skip
    environment.update(env)
    log = tmp_path / f"replica-{port}.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", env=environment,
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    log.rename(tmp_path / f"replica-{process.pid}.log")
    url = f"http://127.0.0.1:{port}"
    assert await wait_healthy(url, process) == 200
    return url, process


def replica_log(tmp_path: Path, process: asyncio.subprocess.Process) -> str:
    return (tmp_path / f"replica-{process.pid}.log").read_text(errors="replace")


@pytest.fixture
async def replicas() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    started: list[asyncio.subprocess.Process] = []
    yield started
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def campaign_for(services: Services, slack: SlackDouble, people: int) -> list[str]:
    org = await seed_org(services, slack, people)
    use_slack(services)
    await campaigns.start_campaign(services, QUARTER, now=True)
    return org.user_ids


def sent_so_far(slack: SlackDouble) -> int:
    return len([c for c in slack.ok_calls("chat.postMessage")])


async def test_sigterm_releases_held_deliveries_and_exits_zero(
    services: Services,
    slack: SlackDouble,
    tmp_path: Path,
    replicas: list[asyncio.subprocess.Process],
) -> None:
    slack.set_rate_limit("chat.postMessage", 4, 1)  # slow enough to stop it mid-campaign
    user_ids = await campaign_for(services, slack, 30)
    url, process = await start_replica(slack, tmp_path, LEVERAGE_FANOUT_CONCURRENCY="4")
    replicas.append(process)
    await eventually(lambda: sent_so_far(slack) >= 4, timeout=30)
    async with aiohttp.ClientSession() as session, session.get(url + "/metrics") as response:
        names = {f.name for f in text_string_to_metric_families(await response.text())}
    assert {"leverage_deliveries", "leverage_slack_api_calls", "leverage_scheduler_runs"} <= names
    stopping = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), timeout=30) == 0
    assert time.monotonic() - stopping < 15
    rows = await deliveries(services, kind="prompt")
    assert not [r for r in rows if r.status == "claimed"]  # nothing left held
    async with services.db.session() as s:
        jobs = await scheduled_jobs(s)
    assert {j.name for j in jobs} >= {"campaign-open", "retention"}  # it did run its jobs
    assert not [j for j in jobs if j.lease_owner is not None]  # and holds none of them
    log = replica_log(tmp_path, process)
    assert "stopping: no new work" in log and "Traceback" not in log
    sent = [r for r in rows if r.status == "sent"]
    assert len(sent) == sent_so_far(slack) < 30  # every post recorded, and it did stop
    report = await run_due_deliveries(services, worker_id="next-replica")  # no lease to wait
    assert report.sent == 30 - len(sent) and report.reconciled == 0
    assert prompt_counts(slack, user_ids) == [1] * 30


async def held_by(services: Services, process: asyncio.subprocess.Process) -> int:
    """Outbox rows still claimed by a worker of `process` (worker ids are host:pid:random)."""
    rows = await deliveries(services, status="claimed")
    return sum(1 for r in rows if f":{process.pid}:" in (r.lease_owner or ""))


async def all_taken_over(services: Services, process: asyncio.subprocess.Process) -> bool:
    return await held_by(services, process) == 0


async def slowly(check: Callable[[], Awaitable[object]], timeout: float) -> None:
    """`eventually` for a database query: four looks a second, not fifty."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"condition not met within {timeout}s"
        await asyncio.sleep(0.25)


async def drop_every_connection(services: Services) -> int:
    """What a database restart does to its clients: every other session of this database is
    ended by the server (PostgreSQL); on SQLite there is no server, so nothing happens."""
    if services.db.dialect != "postgresql":
        return 0
    ended = text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    async with services.db.session() as s:
        return int((await s.exec(ended)).scalar_one())  # type: ignore[call-overload]


async def reconcile_unrecorded_sends(services: Services) -> None:
    """A DM posted just as every connection dropped may have no recorded outcome: the worker
    lost its hold on the row (it could not write), so the row stays claimed until its lease
    lapses, and the next worker to claim it finds the DM in the chat history and records it,
    never sending it again. Play that next worker, a lease later."""
    leftover = [r for r in await deliveries(services, kind="prompt") if r.status == "claimed"]
    if not leftover:
        return
    later = max(r.lease_until for r in leftover if r.lease_until) + timedelta(seconds=1)
    services.clock = lambda: later
    report = await run_due_deliveries(services, worker_id="next-replica")
    assert (report.reconciled, report.sent) == (len(leftover), 0), report


async def test_a_killed_replicas_deliveries_are_taken_over_within_a_lease_through_a_db_restart(
    services: Services,
    slack: SlackDouble,
    tmp_path: Path,
    replicas: list[asyncio.subprocess.Process],
) -> None:
    """Done when of issue 13, in the suite: two real replicas, Slack's limits on, one replica
    SIGKILLed while it holds claimed rows, every connection to PostgreSQL dropped once (a
    restart, as the survivor sees it): its rows come back within one lease, everyone has
    exactly one DM within a minute of the kill, the logs hold no traceback, nothing stays
    claimed and the survivor still stops cleanly."""
    slack.set_rate_limit("chat.postMessage", 20, 5)
    user_ids = await campaign_for(services, slack, 120)
    _, victim = await start_replica(slack, tmp_path, LEVERAGE_FANOUT_RATE="10")
    replicas.append(victim)
    await eventually(lambda: sent_so_far(slack) >= 10, timeout=30)
    _, survivor = await start_replica(slack, tmp_path, LEVERAGE_FANOUT_RATE="10")
    replicas.append(survivor)
    await eventually(lambda: sent_so_far(slack) >= 25, timeout=30)
    await slowly(lambda: held_by(services, victim), timeout=30)  # it holds work
    victim.kill()
    killed = time.monotonic()
    await victim.wait()
    assert await held_by(services, victim) > 0  # work the survivor must take over
    if services.db.dialect == "postgresql":
        assert await drop_every_connection(services) >= 1  # the survivor's pool, at least
    await slowly(lambda: all_taken_over(services, victim), timeout=LEASE.total_seconds() + 30)
    taken_over = time.monotonic() - killed
    await eventually(lambda: min(prompt_counts(slack, user_ids)) >= 1, timeout=60)
    finished = time.monotonic() - killed
    assert prompt_counts(slack, user_ids) == [1] * 120  # exactly one each
    # One lease, plus one delivery tick to notice and a few seconds of a loaded machine.
    assert taken_over < LEASE.total_seconds() + DELIVERY_TICK_SECONDS + 10, taken_over
    assert finished < 60, finished
    survivor.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(survivor.wait(), timeout=30) == 0
    await reconcile_unrecorded_sends(services)
    final = await deliveries(services, kind="prompt")
    assert {r.status for r in final} == {"sent"}
    assert prompt_counts(slack, user_ids) == [1] * 120  # and still exactly one each
    log = replica_log(tmp_path, survivor)
    assert "leverage-bot serving" in log  # the log really holds the replica's output
    assert "Traceback" not in log, log[-3000:]
