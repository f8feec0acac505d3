"""The clock of the campaign: open it on its day, remind, close, and send what is due.

Every job is safe to run on several replicas at once and to fire twice: correctness comes from
the database (campaign rows keyed by quarter, outbox rows claimed in transactions), so the
scheduler only decides *when* to look, never *whether* something was already done.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

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
from bot.core import campaigns, quarters
from bot.core.delivery import run_due_deliveries
from bot.core.services import Services

logger = logging.getLogger("leverage.scheduler")

DEFAULT_RULE = "second-tuesday-last-month"
JOB_DEFAULTS = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
DELIVERY_TICK_SECONDS = 5  # how soon due (or abandoned) outbox rows are picked up


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
            logger.warning("job %s failed: %s", event.job_id, type(error).__name__)
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


async def housekeeping(services: Services) -> None:
    """Prompt newcomers, queue reminders whose day has come, close campaigns that ended."""
    newcomers = await campaigns.enqueue_newcomers(services)
    queued = await campaigns.queue_scheduled_reminders(services)
    closed = await campaigns.close_expired(services)
    if newcomers or queued or closed:
        logger.info(
            "prompts for newcomers: %d; reminders queued: %d; campaigns closed: %s",
            newcomers, queued, closed or "none",
        )  # fmt: skip


async def deliver(services: Services) -> None:
    report = await run_due_deliveries(services)
    if report.handled:
        logger.info(
            "delivered: %d sent, %d reconciled, %d failed, %d skipped, %d to retry",
            report.sent, report.reconciled, report.failed, report.skipped, report.retried,
        )  # fmt: skip


def opening_trigger(rule: str) -> CronTrigger:
    """The default rule checks daily at 06:00 UTC; any other value is a 5-field crontab."""
    if rule.strip() in ("", DEFAULT_RULE):
        return CronTrigger(hour=6, minute=0, timezone="UTC")
    return CronTrigger.from_crontab(rule, timezone="UTC")


def build_scheduler(services: Services) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
    rule = services.settings.campaign_cron
    opener = open_if_due if rule.strip() in ("", DEFAULT_RULE) else open_on_cron
    jobs = [
        ("campaign-open", opener, opening_trigger(rule)),
        ("campaign-housekeeping", housekeeping, IntervalTrigger(minutes=15)),
        ("deliveries", deliver, IntervalTrigger(seconds=DELIVERY_TICK_SECONDS)),
    ]
    for job_id, func, trigger in jobs:
        scheduler.add_job(func, trigger, args=[services], id=job_id, **JOB_DEFAULTS)
    if opener is open_if_due:  # catch up at start: the open day may have passed while down
        scheduler.modify_job("campaign-open", next_run_time=datetime.now(UTC))
    scheduler.modify_job("deliveries", next_run_time=datetime.now(UTC))
    heartbeat = Heartbeat(scheduler, DELIVERY_TICK_SECONDS)
    scheduler.add_listener(
        heartbeat.on_event,
        EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES,
    )
    scheduler.heartbeat = heartbeat  # type: ignore[attr-defined]
    return scheduler
