"""The clock of the campaign: open it on its day, remind, close, purge old text, and send
what is due.

Each replica's APScheduler is a thin trigger with two ticks: every 5 s it drains due outbox
rows (every replica shares that work through row claims), and every 5 s it offers the
coordinated jobs (`bot.coordination`), each of which runs once across all replicas, decided by
a lease on its database row. APScheduler 3 cannot share a job store between processes, so
no coordination lives in it. Every job is also idempotent (campaign rows keyed by quarter,
outbox rows with unique keys), so even a job run twice does no harm.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import metrics
from bot.coordination import Job, tick
from bot.core import campaigns, quarters, review
from bot.core.delivery import default_worker_id, run_due_deliveries
from bot.core.retention import JOB_NAME as RETENTION_JOB
from bot.core.retention import purge_expired_text
from bot.core.services import Services
from bot.slack.gate import sweep_seen_requests

logger = logging.getLogger("leverage.scheduler")

DEFAULT_RULE = "second-tuesday-last-month"
JOB_DEFAULTS = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
DELIVERY_TICK_SECONDS = 5  # how soon due (or abandoned) outbox rows are picked up
JOB_TICK_SECONDS = 5  # how soon a due coordinated job (or a dead replica's) is run
ALIGNED = datetime(2000, 1, 1, tzinfo=UTC)  # interval jobs fire on wall-clock multiples


class _OneLineJobReports(logging.Filter):
    """APScheduler's own lines that `Heartbeat` already reports better, dropped: a failed tick's
    traceback (a database restart would print one per tick per replica; `Heartbeat` logs the
    job and the error's type on one line and counts it), unless the log is at DEBUG, where
    tracebacks belong; and "maximum number of running instances reached" every 5 s while a
    long fan-out runs (counted as outcome "busy"). Routine INFO lines: `serve` (bot.cli.serve)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info is not None and record.exc_info[0] is not None:
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return "maximum number of running instances" not in record.getMessage()


def _quiet_apscheduler() -> None:
    for name in ("apscheduler.executors.default", "apscheduler.scheduler"):
        target = logging.getLogger(name)
        if not any(isinstance(f, _OneLineJobReports) for f in target.filters):
            target.addFilter(_OneLineJobReports())


class Heartbeat:
    """When this replica's scheduler last finished a job; `/readyz` reads it."""

    def __init__(self, scheduler: AsyncIOScheduler, tick_seconds: float) -> None:
        self.scheduler, self.tick_seconds = scheduler, tick_seconds
        self.started = self.last = time.monotonic()

    def healthy(self) -> bool:
        """Running, and a tick came recently: a job finished, or was skipped because the last
        run (a long fan-out) is still going."""
        return self.scheduler.running and time.monotonic() - self.last < 3 * self.tick_seconds + 30

    def on_event(self, event: JobEvent) -> None:
        outcome = {
            EVENT_JOB_EXECUTED: "ok",
            EVENT_JOB_ERROR: "error",
            EVENT_JOB_MAX_INSTANCES: "busy",
        }.get(event.code, "missed")
        metrics.SCHEDULER_RUNS.labels(job=event.job_id, outcome=outcome).inc()
        if event.code == EVENT_JOB_ERROR:
            error = getattr(event, "exception", None)
            logger.warning(
                "job %s failed: %s; tried again in %g s",
                event.job_id, type(error).__name__, self.tick_seconds,
            )  # fmt: skip
        self.last = time.monotonic()


async def open_if_due(services: Services) -> str | None:
    """Start this quarter's campaign once its open day (UTC) has come, if it never went out.

    Checks "on or after the open day, not fanned out yet, not closed" rather than "today is
    the open day", so a missed 06:00 run (a deploy, an outage) is caught up on the next run.
    """
    moment = services.clock()
    label = quarters.quarter_of(moment)
    if moment.date() < quarters.open_day(label) or moment >= quarters.quarter_end(label):
        return None
    if not await campaigns.needs_opening(services, label):
        return None
    try:
        status = await campaigns.start_campaign(services, label)
    except campaigns.CampaignError as refusal:  # closed early by an admin: nothing to do
        logger.info("campaign not opened: %s", refusal)
        return None
    logger.info("campaign %s opened: %d prompts queued", status.campaign_id, status.prompted)
    return status.campaign_id


async def open_on_cron(services: Services) -> str | None:
    """A custom schedule (LEVERAGE_CAMPAIGN_SCHEDULE as crontab) fired: open the quarter."""
    try:
        return (await campaigns.start_campaign(services)).campaign_id
    except campaigns.CampaignError as refusal:
        logger.info("campaign not opened: %s", refusal)
        return None


async def housekeeping(services: Services) -> str:
    """Prompt newcomers, queue reminders whose day has come, close campaigns that ended."""
    newcomers = await campaigns.enqueue_newcomers(services)
    queued = await campaigns.queue_scheduled_reminders(services)
    closed = await campaigns.close_expired(services)
    summary = (
        f"prompts for newcomers: {newcomers}; reminders queued: {queued}; "
        f"campaigns closed: {', '.join(closed) or 'none'}"
    )
    if newcomers or queued or closed:
        logger.info("%s", summary)
    return summary


async def deliver(services: Services) -> None:
    report = await run_due_deliveries(services)
    if report.handled:
        logger.info(
            "delivered: %d sent, %d reconciled, %d failed, %d skipped, %d to retry",
            report.sent, report.reconciled, report.failed, report.skipped, report.retried,
        )  # fmt: skip


async def review_gates(services: Services) -> None:
    """The gates' clock: every deadline due by now fires once, however late (catch-up after
    downtime) and however many replicas tick (a conditional UPDATE decides, see review.py)."""
    report = await review.tick(services)
    if report.auto_approved or report.escalated or report.reminded:
        logger.info(
            "review gates: %d auto-approved, %d escalated, %d reminded",
            len(report.auto_approved), len(report.escalated), len(report.reminded),
        )  # fmt: skip


def opening_trigger(rule: str) -> CronTrigger:
    """The default rule checks daily at 06:00 UTC; any other value is a 5-field crontab."""
    if rule.strip() in ("", DEFAULT_RULE):
        return CronTrigger(hour=6, minute=0, timezone="UTC")
    return CronTrigger.from_crontab(rule, timezone="UTC")


def coordinated_jobs(services: Services) -> list[Job]:
    """The jobs that run once across replicas, each with its own schedule."""
    rule = services.settings.campaign_cron
    default = rule.strip() in ("", DEFAULT_RULE)
    return [
        # The default opener checks "open day reached, not fanned out" itself, so it also runs
        # when first seen and catches up late; a custom crontab opens unconditionally, so a
        # fire more than an hour late (every replica was down) is skipped, as APScheduler would.
        Job("campaign-open", open_if_due if default else open_on_cron, opening_trigger(rule),
            run_at_start=default, misfire_grace=None if default else timedelta(hours=1)),
        Job("campaign-housekeeping", housekeeping,
            IntervalTrigger(minutes=15, start_date=ALIGNED, timezone="UTC")),
        Job(RETENTION_JOB, purge_expired_text, CronTrigger(hour=3, minute=30, timezone="UTC")),
        # The gates' clock: "due by now?" catches up after downtime; decisions are conditional
        # UPDATEs, so even two replicas ticking at once fire each deadline once.
        Job("review-gates", review_gates,
            IntervalTrigger(minutes=1, start_date=ALIGNED, timezone="UTC")),
        # Replay guard rows are traces of when people acted: swept whatever the traffic.
        Job("replay-sweep", sweep_seen_requests,
            IntervalTrigger(minutes=1, start_date=ALIGNED, timezone="UTC")),
    ]  # fmt: skip


def build_scheduler(services: Services) -> AsyncIOScheduler:
    """Two thin ticks (see the module's docstring), both first run at start."""
    _quiet_apscheduler()
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
    jobs, owner, now = coordinated_jobs(services), default_worker_id(), datetime.now(UTC)
    ticks = [
        ("coordinated-jobs", tick, [services, jobs, owner], JOB_TICK_SECONDS),
        ("deliveries", deliver, [services], DELIVERY_TICK_SECONDS),
    ]
    for job_id, func, args, seconds in ticks:
        scheduler.add_job(
            func, IntervalTrigger(seconds=seconds), args=args, id=job_id, next_run_time=now,
            **JOB_DEFAULTS,
        )  # fmt: skip
    heartbeat = Heartbeat(scheduler, DELIVERY_TICK_SECONDS)
    scheduler.add_listener(
        heartbeat.on_event,
        EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES,
    )
    scheduler.heartbeat = heartbeat  # type: ignore[attr-defined]
    return scheduler
