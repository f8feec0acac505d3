"""The outbox engine: send what is due, exactly once per row, whatever crashes or repeats.

How "exactly once" holds:
- a row is *claimed* in one UPDATE (PostgreSQL: `FOR UPDATE SKIP LOCKED`) with a short lease,
  so two replicas or a double-fired job never hold the same row; a live worker renews the
  leases of all its rows every few seconds (a heartbeat), so a dead replica's rows are taken
  over within one lease period, and a worker never sends a row whose lease it could not renew;
- on SIGTERM (see `bot.core.lifecycle`) a run stops claiming and *releases* what it holds, so
  another replica takes the rows at once;
- its outcome is recorded only if this worker still holds the lease (fencing);
- a row claimed before (its worker crashed, or Slack answered 5xx, which may hide a post that
  did happen) is first *reconciled*: the messenger looks for a message carrying the row's key,
  and the row is marked sent without sending again when one is found.
The chat adapter paces sends to the platform's rate limit (Slack's it finds by itself); an
operator's `LEVERAGE_FANOUT_RATE`, when set, is a ceiling enforced here with a token bucket.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot import metrics
from bot.core import routing
from bot.core.ports import (
    DeliveryFailed,
    OutgoingMessage,
    PromptMessage,
    Recipient,
    Sent,
    SummaryMessage,
)
from bot.core.services import Services
from storage.queries import campaigns as q
from storage.queries.campaigns import Claimed

logger = logging.getLogger("leverage.delivery")

# Short, so a dead replica's rows are taken over quickly; a live worker renews every
# HEARTBEAT, and sends a row only while its lease has more than SEND_MARGIN left.
LEASE = timedelta(seconds=30)
HEARTBEAT = LEASE / 3
SEND_MARGIN = LEASE / 3
RELEASE_TRIES = 3
RENEW_AFTER = timedelta(seconds=30)  # see _needs_renewal
RECONCILE_LOOKBACK = timedelta(hours=1)
BASE_BACKOFF_SECONDS = 30
MAX_BACKOFF = timedelta(minutes=15)
# Prompts and reminders retry transient failures until the campaign closes; summaries (sent
# after the close) get this long past `closes_at`.
SUMMARY_RETRY_WINDOW = timedelta(days=2)
FLUSH_ROWS = 50
FLUSH_SECONDS = 0.5
Progress = Callable[[int, int], None]
OUTCOMES = ("sent", "reconciled", "failed", "skipped", "retried")


@dataclass
class DeliveryReport:
    sent: int = 0
    reconciled: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    seconds: float = 0.0

    @property
    def handled(self) -> int:
        return self.sent + self.reconciled + self.failed + self.skipped + self.retried

    def outcomes(self) -> list[tuple[str, int]]:
        return [(name, getattr(self, name)) for name in OUTCOMES]


class TokenBucket:
    """`rate` sends per second on average, bursts of up to `burst`; waiters queue fairly."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self.tokens = self.burst
        self.updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


def delivery_key(row: Claimed) -> str:
    """Stored with the message, so a crashed send can be recognised later."""
    return message_key(row.campaign_id, row.kind, row.person_id)


def message_key(campaign_id: str, kind: str, person_id: int) -> str:
    """The key of one outbox message (also how an adapter finds the message it sent)."""
    return f"leverage:{campaign_id}:{kind}:{person_id}"


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _Leases:
    """This worker's view of its leases: until when each held row is surely still its own.

    The heartbeat renews every held row in one statement; a row it did not renew (taken over
    after the lease lapsed) or could not renew (the database was unreachable) is not sent.
    """

    def __init__(self, services: Services, worker: str) -> None:
        self.services, self.worker = services, worker
        self.valid_until: dict[int, datetime] = {}

    def hold(self, row_id: int, until: datetime) -> None:
        self.valid_until[row_id] = until

    def forget(self, row_id: int) -> None:
        self.valid_until.pop(row_id, None)

    def safe(self, row: Claimed) -> bool:
        until = self.valid_until.get(row.id)
        return until is not None and until - self.services.clock() > SEND_MARGIN

    async def beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT.total_seconds())
            now = self.services.clock()
            try:
                async with self.services.db.session() as s:
                    renewed = await q.renew_held(s, self.worker, now + LEASE)
            except Exception as error:  # unreachable database: the margin stops our sends
                logger.warning("could not renew delivery leases: %s", type(error).__name__)
                continue
            for row_id in renewed:
                self.valid_until[row_id] = now + LEASE


class _Feeder:
    """Hands claimed rows to workers, claiming a new batch when the buffer runs dry."""

    def __init__(
        self, services: Services, worker: str, batch: int, limit: int | None, leases: _Leases
    ) -> None:
        self.services, self.worker, self.batch, self.remaining = services, worker, batch, limit
        self.leases = leases
        self.buffer: deque[Claimed] = deque()
        self.done = False
        self._lock = asyncio.Lock()

    async def next(self) -> Claimed | None:
        async with self._lock:
            if self.services.drain.stopping:  # shutting down: the buffer is released
                return None
            if not self.buffer and not self.done:
                await self._refill()
            return self.buffer.popleft() if self.buffer else None

    async def _refill(self) -> None:
        size = self.batch if self.remaining is None else min(self.batch, self.remaining)
        if size <= 0:
            self.done = True
            return
        now = self.services.clock()
        async with self.services.db.session() as s:
            rows = await q.claim(s, self.worker, now, now + LEASE, size)
        if self.remaining is not None:
            self.remaining -= len(rows)
        self.done = not rows
        for row in rows:
            self.leases.hold(row.id, now + LEASE)
        self.buffer.extend(replace(row, claimed_at=now) for row in rows)


class _Recorder:
    """Writes outcomes in small batches (one transaction per batch, not per message).

    A batch not yet written when the process dies is harmless: those rows are still claimed,
    and the next run reconciles them against the chat history instead of sending again.
    """

    def __init__(
        self, services: Services, worker: str, report: DeliveryReport, leases: _Leases
    ) -> None:
        self.services, self.worker, self.report, self.leases = services, worker, report, leases
        self.pending: list[tuple[int, str, dict[str, object], bool]] = []
        self.oldest = time.monotonic()

    async def add(self, row: Claimed, outcome: str, **values: object) -> None:
        if not self.pending:
            self.oldest = time.monotonic()
        # A team summary's outcome changes no view: writing it must not make the next manager's
        # summary compute every figure again (storage.data_version, bot.core.cache).
        self.pending.append((row.id, outcome, values, row.kind == "summary"))
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        if len(self.pending) >= FLUSH_ROWS or time.monotonic() - self.oldest > FLUSH_SECONDS:
            await self.flush()

    async def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            held = await _retrying(self._write, batch)
        except BaseException:  # kept for the final flush; the rows are still ours meanwhile
            self.pending = batch + self.pending
            raise
        for (row_id, outcome, _, _), ok in zip(batch, held, strict=True):
            self.leases.forget(row_id)
            if not ok:  # another worker took the row over after our lease expired
                setattr(self.report, outcome, getattr(self.report, outcome) - 1)
                logger.warning("delivery %s: lease lost before recording %s", row_id, outcome)

    async def _write(self, batch: list[tuple[int, str, dict[str, object], bool]]) -> list[bool]:
        async with self.services.db.session() as s:
            return [
                await q.finish(s, row_id, self.worker, views_unchanged=quiet, **values)
                for row_id, _, values, quiet in batch
            ]


async def _retrying(write: Any, *args: Any) -> Any:
    """A database restart lasts seconds: retry a write a few times before giving up (the
    rows then stay claimed until their lease lapses, and are reconciled, not resent)."""
    for attempt in range(RELEASE_TRIES):
        try:
            return await write(*args)
        except Exception:
            if attempt == RELEASE_TRIES - 1:
                raise
            await asyncio.sleep(1.0 + attempt)


async def run_due_deliveries(
    services: Services,
    *,
    worker_id: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> DeliveryReport:
    """Send every due row (up to `limit`) with bounded concurrency and a client-side rate."""
    if services.messenger is None:
        raise RuntimeError("no messenger configured: cannot deliver")
    started = time.monotonic()
    settings = services.settings
    async with services.db.session() as s:
        total = await q.count_due(s, services.clock())
    total = min(total, limit) if limit is not None else total
    workers = max(1, settings.fanout_concurrency)
    worker = worker_id or default_worker_id()
    leases = _Leases(services, worker)
    # Claim no more than there are workers: a row claimed long before its send would sit
    # under an ageing lease while earlier sends are slow.
    feeder = _Feeder(services, worker, workers, limit, leases)
    ceiling = settings.fanout_rate_per_second
    bucket = TokenBucket(ceiling) if ceiling else None
    report = DeliveryReport()
    recorder = _Recorder(services, feeder.worker, report, leases)

    async def work() -> None:
        while (row := await feeder.next()) is not None:
            await _deliver(services, row, bucket, recorder)
            if progress is not None:
                progress(report.handled, max(total, report.handled))

    with services.drain.working():
        heartbeat = asyncio.create_task(leases.beat())
        try:
            async with routing.sending(services.messenger):  # one HTTP session for the run
                await asyncio.gather(*(work() for _ in range(workers)))
        finally:
            heartbeat.cancel()
            await _wind_down(services, feeder, recorder)
    report.seconds = time.monotonic() - started
    return report


async def _wind_down(services: Services, feeder: _Feeder, recorder: _Recorder) -> None:
    """Record what was sent, then release whatever this run still holds: rows claimed but not
    sent (shutdown, cancellation, a failed run) go back to the queue for another worker now."""
    try:
        await recorder.flush()
    finally:
        untried = [row.id for row in feeder.buffer]
        feeder.buffer.clear()
        now = services.clock()

        async def release() -> int:
            async with services.db.session() as s:
                return await q.release(s, feeder.worker, now, untried)

        released = await _retrying(release)
        if released:
            logger.info("released %d deliveries for another worker", released)
        metrics.count_deliveries([("released", released), *recorder.report.outcomes()])


async def _deliver(
    services: Services, row: Claimed, bucket: TokenBucket | None, recorder: _Recorder
) -> None:
    messenger = services.messenger
    assert messenger is not None
    recipient = routing.recipient_for(
        row, routing.platforms_of(messenger), services.settings.default_platform
    )
    skip = _skip_reason(row, recipient)
    if skip:
        await recorder.add(row, "skipped", status="skipped", error=skip)
        return
    assert recipient is not None
    key = delivery_key(row)
    try:
        if row.attempts > 1:
            found = await messenger.find_sent(recipient, key, row.opens_at - RECONCILE_LOOKBACK)
            if found is not None:
                await _mark_sent(services, row, found, recorder, "reconciled")
                return
        if bucket is not None:
            await bucket.acquire()
        if _needs_renewal(services, row) and not await _renew(services, row, recorder):
            return
        if not recorder.leases.safe(row):  # not renewed lately: maybe someone else's by now
            logger.warning(
                "delivery %s: lease not renewed in time; left for another worker", row.id
            )
            return
        sent = await messenger.send(recipient, _message(row), key)
    except DeliveryFailed as failure:
        await _failed(services, row, recorder, failure)
        return
    except Exception as error:  # a bug or an outage: retried later, never silently dropped
        logger.warning("delivery %s raised %s", row.id, type(error).__name__)
        await _failed(
            services, row, recorder, DeliveryFailed(type(error).__name__, permanent=False)
        )
        return
    await _mark_sent(services, row, sent, recorder, "sent")


def _needs_renewal(services: Services, row: Claimed) -> bool:
    """Whether to renew (and re-check) before sending; skipping it keeps fan-out at full speed.

    A prompt sent within seconds of its claim is as wanted as when it was claimed (at worst, a
    campaign closed in those seconds still gets its last prompts out), and its lease is kept by
    the heartbeat. Reminders always re-check (an answer may have arrived), and so does any row
    that waited longer (a slow rate, 429s, a paused process).
    """
    if row.kind != "prompt" or row.claimed_at is None:
        return True
    return services.clock() - row.claimed_at > RENEW_AFTER


async def _renew(services: Services, row: Claimed, recorder: _Recorder) -> bool:
    """Extend the lease and re-check, in one statement, that the send is still wanted.

    Claim-time checks go stale (an answer, a close or an opt-out arrives meanwhile) and a
    lease can run out during a slow send; either way the row must not be sent by us now.
    """
    now = services.clock()
    async with services.db.session() as s:
        state = await q.renew(s, row.id, recorder.worker, now, now + LEASE)
    if state == "ok":
        recorder.leases.hold(row.id, now + LEASE)
    if state == "skipped":
        recorder.report.skipped += 1
    elif state == "lost":
        logger.warning("delivery %s: lease lost before sending; not sent by this worker", row.id)
    return state == "ok"


def _skip_reason(row: Claimed, recipient: Recipient | None) -> str | None:
    if not row.active or recipient is None:
        return "not in the directory any more"
    if row.kind == "summary":
        return None
    if row.campaign_status != "open":
        return "campaign closed"
    if row.kind.startswith("reminder") and row.answered:
        return "already answered"
    return None


def _message(row: Claimed) -> OutgoingMessage:
    if row.kind == "summary":
        return SummaryMessage(row.campaign_id, row.person_id)
    number = int(row.kind.removeprefix("reminder")) if row.kind.startswith("reminder") else 0
    return PromptMessage(row.campaign_id, row.closes_at, number, row.answered, row.has_example)


async def _mark_sent(
    services: Services, row: Claimed, sent: Sent, recorder: _Recorder, outcome: str
) -> None:
    await recorder.add(
        row, outcome, status="sent", channel_id=sent.channel_id, message_ts=sent.message_ts,
        sent_at=services.clock(), error=None,
    )  # fmt: skip


async def _failed(
    services: Services, row: Claimed, recorder: _Recorder, failure: DeliveryFailed
) -> None:
    reason = failure.reason[:500]
    now = services.clock()
    backoff = timedelta(seconds=BASE_BACKOFF_SECONDS * 2 ** min(row.attempts - 1, 20))
    due = now + min(backoff, MAX_BACKOFF)
    if failure.permanent:
        await recorder.add(row, "failed", status="failed", error=reason)
    elif due >= _retry_deadline(row):
        # Marked transient, so a resume (`start_campaign` again) may try once more.
        error = (q.TRANSIENT_PREFIX + reason)[:500]
        await recorder.add(row, "failed", status="failed", error=error)
    else:
        await recorder.add(row, "retried", status="pending", due_at=due, error=reason)


def _retry_deadline(row: Claimed) -> datetime:
    if row.kind == "summary":
        return row.closes_at + SUMMARY_RETRY_WINDOW
    return row.closes_at
