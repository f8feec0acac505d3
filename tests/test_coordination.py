"""Coordinated jobs: each runs once across replicas ticking together, a dead runner's job is
taken over after one lease, a cancelled one is released at once, failures retry soon, and a
fire missed while every replica was down is skipped (custom schedules) or caught up."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import metrics
from bot.coordination import JOB_LEASE, RETRY_AFTER_ERROR, Job, run_if_due, tick
from bot.core.services import Services
from bot.scheduler import build_scheduler, coordinated_jobs
from storage.db import Database
from storage.queries import scheduler as q
from tests.conftest import eventually
from tests.test_campaign_fixtures import NOON, at

HOURLY = CronTrigger(minute=0, timezone="UTC")


class Counting:
    def __init__(self, fail: bool = False, block: asyncio.Event | None = None) -> None:
        self.runs, self.fail, self.block = 0, fail, block

    async def __call__(self, _services: Services) -> str:
        self.runs += 1
        if self.block is not None:
            await self.block.wait()
        if self.fail:
            raise RuntimeError("boom")
        return f"run {self.runs}"


def replica(services: Services) -> Services:
    """Another process on the same database and clock."""
    return Services(settings=services.settings, db=services.db, clock=lambda: services.clock())


async def stored(services: Services, name: str) -> q.ScheduledJob:
    async with services.db.session() as s:
        row = await q.get(s, name)
    assert row is not None
    return row


async def test_replicas_ticking_together_run_each_job_once(services: Services) -> None:
    at(services, NOON)
    func = Counting()
    jobs = [Job("hourly", func, HOURLY)]
    others = [replica(services) for _ in range(3)]
    await asyncio.gather(
        tick(services, jobs, "a"), *(tick(o, jobs, f"r{i}") for i, o in enumerate(others))
    )
    assert func.runs == 1
    await asyncio.gather(tick(services, jobs, "a"), tick(others[0], jobs, "b"))
    assert func.runs == 1  # not due again before 13:00
    at(services, NOON + timedelta(hours=1))
    await asyncio.gather(tick(services, jobs, "a"), tick(others[0], jobs, "b"))
    assert func.runs == 2
    row = await stored(services, "hourly")
    assert (row.last_outcome, row.last_detail, row.lease_owner) == ("ok", "run 2", None)
    assert row.next_run_at == NOON + timedelta(hours=2)


async def test_a_dead_runners_job_is_taken_over_after_one_lease(services: Services) -> None:
    at(services, NOON)
    func = Counting()
    job = Job("hourly", func, HOURLY)
    async with services.db.session() as s:
        await q.plan(s, job.name, str(job.trigger), NOON)
        assert await q.claim(s, job.name, "dead", NOON, NOON + JOB_LEASE) == NOON
    at(services, NOON + JOB_LEASE - timedelta(seconds=1))
    assert await run_if_due(services, job, "survivor") == "skipped"
    at(services, NOON + JOB_LEASE + timedelta(seconds=1))
    assert await run_if_due(services, job, "survivor") == "ok"
    assert func.runs == 1


async def test_a_cancelled_job_is_released_for_another_replica_at_once(
    services: Services,
) -> None:
    at(services, NOON)
    block = asyncio.Event()
    job = Job("hourly", Counting(block=block), HOURLY)
    running = asyncio.create_task(run_if_due(services, job, "stopping"))
    while services.drain.busy == 0:
        await asyncio.sleep(0.01)
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    row = await stored(services, "hourly")
    assert row.lease_owner is None and row.next_run_at == NOON
    finisher = Counting()
    assert await run_if_due(replica(services), Job("hourly", finisher, HOURLY), "b") == "ok"
    assert finisher.runs == 1


async def test_a_failed_job_is_retried_a_minute_later(services: Services) -> None:
    at(services, NOON)
    job = Job("hourly", Counting(fail=True), HOURLY)
    assert await run_if_due(services, job, "a") == "error"
    row = await stored(services, "hourly")
    assert (row.last_outcome, row.last_detail) == ("error", "RuntimeError")
    assert row.next_run_at == NOON + RETRY_AFTER_ERROR


async def test_a_fire_missed_beyond_the_grace_is_skipped_and_the_next_one_planned(
    services: Services,
) -> None:
    at(services, NOON)
    func = Counting()
    job = Job("cron", func, HOURLY, run_at_start=False, misfire_grace=timedelta(hours=1))
    assert await run_if_due(services, job, "a") == "skipped"  # first sight: planned for 13:00
    assert (await stored(services, "cron")).next_run_at == NOON + timedelta(hours=1)
    at(services, NOON + timedelta(hours=1, minutes=30))  # late, within the grace: runs
    assert await run_if_due(services, job, "a") == "ok"
    at(services, NOON + timedelta(hours=5))  # 14:00's fire is 3 hours late
    assert await run_if_due(services, job, "a") == "missed"
    assert func.runs == 1
    assert (await stored(services, "cron")).next_run_at == NOON + timedelta(hours=6)


async def test_a_changed_schedule_is_re_planned(services: Services) -> None:
    at(services, NOON)
    await run_if_due(services, Job("j", Counting(), HOURLY, run_at_start=False), "a")
    daily = CronTrigger(hour=6, minute=0, timezone="UTC")
    await run_if_due(services, Job("j", Counting(), daily, run_at_start=False), "a")
    row = await stored(services, "j")
    assert row.next_run_at == datetime(2026, 12, 10, 6, tzinfo=UTC) and "hour='6'" in row.schedule


async def test_the_scheduler_is_two_thin_ticks_over_coordinated_jobs(services: Services) -> None:
    scheduler = build_scheduler(services)
    ticks = {job.id: job for job in scheduler.get_jobs()}
    assert set(ticks) == {"coordinated-jobs", "deliveries"}
    assert all(isinstance(t.trigger, IntervalTrigger) for t in ticks.values())
    assert all(t.next_run_time <= datetime.now(UTC) + timedelta(seconds=5) for t in ticks.values())
    names = {job.name: job for job in coordinated_jobs(services)}
    assert set(names) == {
        "campaign-open", "campaign-housekeeping", "retention", "review-gates", "replay-sweep",
    }  # fmt: skip
    assert names["campaign-open"].run_at_start  # a missed open day is caught up at start


async def test_an_unreachable_database_is_one_log_line_per_tick_not_a_traceback(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """A database restart makes every tick fail on every replica: each failure is one line
    naming the job and the error's type (and a count in /metrics), never APScheduler's
    traceback (that is for DEBUG)."""
    gone = Services(settings=services.settings, db=Database("postgresql://u:p@127.0.0.1:9/x"))
    scheduler = build_scheduler(gone)
    before = sample("leverage_scheduler_runs_total", job="coordinated-jobs", outcome="error")
    with caplog.at_level(logging.INFO):
        scheduler.start()
        try:
            await eventually(
                lambda: sample("leverage_scheduler_runs_total", job="coordinated-jobs",
                               outcome="error") > before, timeout=10,
            )  # fmt: skip
        finally:
            scheduler.shutdown(wait=False)
            await gone.db.dispose()
    assert not [r for r in caplog.records if r.exc_info and r.exc_info[0] is not None]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    failed = [r.getMessage() for r in caplog.records if r.name == "leverage.scheduler"]
    assert "job coordinated-jobs failed: ConnectionRefusedError; tried again in 5 s" in failed


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0
