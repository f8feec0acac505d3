"""Jobs that run once across all replicas, whichever replica's scheduler ticks first.

Each replica's APScheduler only *ticks* (every few seconds); on each tick `run_if_due` tries
to take each job's row in the database (`storage.queries.scheduler.claim`: due, and nobody
holds a live lease). The winner runs the job while renewing a short lease; if it dies, the
lease lapses and another replica's next tick runs the job, within one lease period. On
SIGTERM a running job is cancelled and its row released, so another replica runs it at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger

from bot import metrics
from bot.core.services import Services
from storage.queries import scheduler as q

logger = logging.getLogger("leverage.jobs")

JOB_LEASE = timedelta(seconds=30)
RETRY_AFTER_ERROR = timedelta(minutes=1)
JobFunc = Callable[[Services], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    trigger: BaseTrigger
    # Run at once when first seen (the job checks for itself whether anything is due), rather
    # than waiting for the trigger's next time.
    run_at_start: bool = True
    # A fire later than this (every replica was down) is skipped, not run late; None: run.
    misfire_grace: timedelta | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The trigger's next time strictly after `moment`."""
        nxt = self.trigger.get_next_fire_time(None, moment + timedelta(seconds=1))
        return nxt if nxt is not None else moment + timedelta(days=365)


async def run_if_due(services: Services, job: Job, owner: str) -> str:
    """Run `job` here if it is due and no other replica holds it: "ok", "error", "missed",
    or "skipped" (not due, or running elsewhere)."""
    if services.drain.stopping:
        return "skipped"
    now = services.clock()
    first = now if job.run_at_start else job.next_after(now)
    async with services.db.session() as s:
        await q.plan(s, job.name, str(job.trigger), first)
        due = await q.claim(s, job.name, owner, now, now + JOB_LEASE)
    if due is None:
        return "skipped"
    if job.misfire_grace is not None and now - due > job.misfire_grace:
        logger.info("job %s: its %s run was missed (all replicas down); skipped", job.name, due)
        await _finish(services, job, owner, "missed", None)
        return "missed"
    with services.drain.working():
        keeper = asyncio.create_task(_keep_lease(services, job.name, owner))
        try:
            result = await job.func(services)
        except asyncio.CancelledError:
            async with services.db.session() as s:
                await q.release(s, job.name, owner)
            raise
        except Exception as error:
            logger.warning("job %s failed: %s; retried shortly", job.name, type(error).__name__)
            await _finish(services, job, owner, "error", type(error).__name__)
            return "error"
        finally:
            keeper.cancel()
    await _finish(services, job, owner, "ok", _detail(result))
    return "ok"


async def tick(services: Services, jobs: list[Job], owner: str) -> None:
    """One scheduler tick: each due job, in turn."""
    for job in jobs:
        outcome = await run_if_due(services, job, owner)
        if outcome != "skipped":
            metrics.SCHEDULER_RUNS.labels(job=job.name, outcome=outcome).inc()


async def _keep_lease(services: Services, name: str, owner: str) -> None:
    while True:
        await asyncio.sleep(JOB_LEASE.total_seconds() / 3)
        try:
            async with services.db.session() as s:
                await q.renew(s, name, owner, services.clock() + JOB_LEASE)
        except Exception as error:
            logger.warning("job %s: lease not renewed: %s", name, type(error).__name__)


async def _finish(
    services: Services, job: Job, owner: str, outcome: str, detail: str | None
) -> None:
    now = services.clock()
    nxt = now + RETRY_AFTER_ERROR if outcome == "error" else job.next_after(now)
    async with services.db.session() as s:
        await q.finish(s, job.name, owner, now=now, next_run_at=nxt, outcome=outcome, detail=detail)


def _detail(result: object) -> str | None:
    """What a job returned, as a short note on its row (counts, ids: never people's words)."""
    return None if result is None else str(result)[:500]
