"""Send the gates' outbox: each notice once, under a lease, reconciled after a crash.

The same discipline as the campaign outbox (`bot.core.delivery`), for a much smaller stream:
rows are claimed in one UPDATE (PostgreSQL: `FOR UPDATE SKIP LOCKED`) with a lease; the outcome
is recorded only by the lease holder; a row claimed before is first looked up in the chat
history by its key, so a post that happened before a crash is recorded rather than repeated.
A request or reminder whose review was decided meanwhile is skipped, not sent.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from bot.core.delivery import default_worker_id
from bot.core.ports import DeliveryFailed, GateMessage, Recipient, Sent
from bot.core.routing import platform_of_user
from storage.models import GateNotice
from storage.queries import usecases as q

logger = logging.getLogger("leverage.gate_notices")

LEASE = timedelta(minutes=5)
BATCH = 20
MAX_ATTEMPTS = 8
RECONCILE_LOOKBACK = timedelta(hours=1)
# The review states in which a notice asking for a decision is still worth sending.
WANTS_STATE = {"request": "pending", "reminder": "pending", "escalated": "escalated"}


@dataclass
class NoticeReport:
    sent: int = 0
    reconciled: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def message_key(notice: GateNotice) -> str:
    return f"leverage-gate:{notice.key}"


async def send_due(services: Any, *, worker: str | None = None) -> NoticeReport:
    """Send every due notice; returns what happened (for logs and the CLI)."""
    report = NoticeReport()
    if services.messenger is None:
        return report
    worker = worker or default_worker_id()
    while True:
        now = services.clock()
        async with services.db.session() as session:
            batch = await q.claim_notices(session, worker, now, now + LEASE, BATCH)
        if not batch:
            return report
        for notice in batch:
            await _send_one(services, notice, worker, report)


async def _wanted(services: Any, notice: GateNotice) -> bool:
    wanted_state = WANTS_STATE.get(notice.kind)
    if wanted_state is None or notice.review_id is None:
        return True
    async with services.db.session() as session:
        review = await q.get_review(session, notice.review_id)
        use_case = await q.get_use_case(session, notice.use_case_id)
    return (
        review is not None
        and review.state == wanted_state
        and use_case is not None
        and use_case.state == "in_review"
    )


async def _send_one(services: Any, notice: GateNotice, worker: str, report: NoticeReport) -> None:
    notice_id = notice.id or 0
    if not await _wanted(services, notice):
        await _finish(
            services,
            notice_id,
            worker,
            report,
            "skipped",
            status="skipped",
            error="decided before it was sent",
        )
        return
    platform = platform_of_user(notice.recipient)  # a Teams proposer hears it in Teams
    recipient = Recipient(0, notice.recipient, notice.recipient, platform=platform)
    key = message_key(notice)
    try:
        if notice.attempts > 1:
            found = await services.messenger.find_sent(
                recipient, key, notice.due_at - RECONCILE_LOOKBACK
            )
            if found is not None:
                await _sent(services, notice_id, worker, report, found, "reconciled")
                return
        sent = await services.messenger.send(
            recipient, GateMessage(notice.kind, notice.use_case_id, notice.review_id), key
        )
    except DeliveryFailed as failure:
        await _failed(services, notice, worker, report, failure)
        return
    except Exception as error:  # a bug or an outage: retried, never silently dropped
        logger.warning("gate notice %s raised %s", notice_id, type(error).__name__)
        await _failed(
            services, notice, worker, report, DeliveryFailed(type(error).__name__, permanent=False)
        )
        return
    await _sent(services, notice_id, worker, report, sent, "sent")


async def _sent(
    services: Any, notice_id: int, worker: str, report: NoticeReport, sent: Sent, outcome: str
) -> None:
    await _finish(
        services,
        notice_id,
        worker,
        report,
        outcome,
        status="sent",
        channel_id=sent.channel_id,
        message_ts=sent.message_ts,
        sent_at=services.clock(),
        error=None,
    )


async def _failed(
    services: Any, notice: GateNotice, worker: str, report: NoticeReport, failure: DeliveryFailed
) -> None:
    reason = failure.reason[:500]
    if failure.permanent or notice.attempts >= MAX_ATTEMPTS:
        await _finish(
            services, notice.id or 0, worker, report, "failed", status="failed", error=reason
        )
        return
    backoff = timedelta(seconds=30 * 2 ** min(notice.attempts - 1, 10))
    await _finish(
        services,
        notice.id or 0,
        worker,
        report,
        "retried",
        status="pending",
        due_at=services.clock() + min(backoff, timedelta(hours=1)),
        error=reason,
    )


async def _finish(
    services: Any, notice_id: int, worker: str, report: NoticeReport, outcome: str, **values: Any
) -> None:
    async with services.db.session() as session:
        held = await q.finish_notice(session, notice_id, worker, **values)
    if held:
        setattr(report, outcome, getattr(report, outcome) + 1)
    else:
        logger.warning("gate notice %s: lease lost before recording %s", notice_id, outcome)
