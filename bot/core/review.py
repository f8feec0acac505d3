"""Gate reviews: opening them, people's decisions, and the clock's (`tick`).

Exactly once, whatever runs twice: a review leaves `pending` only through a conditional UPDATE
(`storage.queries.usecases.decide_review` / `time_out_review`), and its audit entry and notices
are written in that same transaction, only by the caller whose UPDATE changed the row. Two
ticks racing, a tick replayed after a restart, or a reviewer clicking while the deadline passes
all end with one decision and one audit entry. Notices go through the `gatenotice` outbox
(unique key per person and event), sent by `bot.core.gate_notices`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import audit
from bot.core.gates import GateConfig, split_ids
from bot.core.routing import TEAMS, platform_of_user
from storage.models import GateReview, UseCase
from storage.queries import usecases as q

logger = logging.getLogger("leverage.review")

DECISIONS = {"approve": "approved", "changes": "changes_requested", "reject": "rejected"}
OPEN_STATES = ("pending", "escalated")
CLOCK = "clock"
CHAT_USER = re.compile(r"^[UW][A-Z0-9]{1,31}$")
REASON_MAX = 1000


def is_chat_user(user: str | None) -> bool:
    """A person a notice can reach: a Slack user id, or a Teams user's Entra ID object id."""
    return bool(CHAT_USER.match(user or "")) or platform_of_user(user or "") == TEAMS


# Who hears about what (each row of the outbox is one person and one of these).
NOTICE_KINDS = {
    "request": "a reviewer is asked to decide",
    "reminder": "a reviewer is reminded before the deadline",
    "auto_approved": "the SLA passed: the clock approved (proposer and reviewers)",
    "escalated": "the SLA passed: the named person is asked to decide",
    "escalated_info": "the proposer hears that the gate escalated",
    "decision": "the proposer hears a reviewer's decision",
    "pilot": "the proposer hears that every gate passed",
}


class ReviewError(ValueError):
    """A decision that cannot be taken; the message is fit to show the person."""


class NotAReviewer(ReviewError):
    def __init__(self, message: str, escalated_to: str | None = None) -> None:
        super().__init__(message)
        self.escalated_to = escalated_to  # the gate escalated: only this person decides now


@dataclass
class Decided:
    review: GateReview
    already: bool  # somebody (or the clock) decided first; nothing changed


@dataclass
class TickReport:
    at: datetime
    auto_approved: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    survived_rotation: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)  # reviews whose user group was expanded
    notices: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "auto_approved": self.auto_approved,
            "escalated": self.escalated,
            "reminded": self.reminded,
            "survived_rotation": self.survived_rotation,
            "resolved": self.resolved,
            "notices": self.notices,
        }


# --- who may decide ------------------------------------------------------------------------


def is_group(chat_id: str) -> bool:
    return chat_id.startswith("S") and platform_of_user(chat_id) != TEAMS


async def _group_members(services: Any) -> dict[str, tuple[str, ...]] | None:
    """{group id: member ids} from the chat directory, or None when it cannot say now."""
    try:
        return {g.group_id: tuple(g.member_ids) for g in await services.directory.list_groups()}
    except Exception as error:  # the directory is down: keep the group, expand it later
        logger.warning("could not read user groups: %s", type(error).__name__)
        return None


def _expand(ids: list[str], groups: dict[str, tuple[str, ...]]) -> list[str]:
    out: list[str] = []
    for chat_id in ids:
        for member in groups.get(chat_id, (chat_id,)):
            if member not in out:
                out.append(member)
    return out


async def expand_groups(services: Any, ids: list[str]) -> list[str]:
    """User-group IDs become their members (when the chat directory can say); users stay."""
    if not any(is_group(i) for i in ids) or services.directory is None:
        return list(ids)
    groups = await _group_members(services)
    return list(ids) if groups is None else _expand(ids, groups)


async def may_decide(services: Any, review: GateReview, user_id: str) -> bool:
    if review.state == "escalated":
        return user_id == review.escalate_to
    return user_id in await expand_groups(services, split_ids(review.reviewers))


# --- opening reviews -----------------------------------------------------------------------


def remind_time(opened: datetime, due: datetime, remind_days: int) -> datetime:
    """`remind_days` before the deadline, but never in the first half of the SLA."""
    halfway = opened + (due - opened) / 2
    return max(halfway, due - timedelta(days=remind_days)) if remind_days else due


async def notify(
    session: AsyncSession,
    kind: str,
    recipients: list[str],
    use_case_id: int,
    review_id: int | None,
    now: datetime,
) -> None:
    scope = f"r{review_id}" if review_id is not None else f"u{use_case_id}"
    for user in dict.fromkeys(recipients):
        if not is_chat_user(user):  # a group nobody could expand, an operator login
            continue
        await q.add_notice(
            session,
            {
                "key": f"{kind}:{scope}:{user}",
                "recipient": user,
                "kind": kind,
                "use_case_id": use_case_id,
                "review_id": review_id,
                "due_at": now,
            },
        )


async def open_reviews(
    session: AsyncSession,
    use_case: UseCase,
    gates: list[tuple[GateConfig, list[str]]],
    now: datetime,
    actor: str,
) -> list[GateReview]:
    """Open one review per gate for the use case's current revision, and ask the reviewers."""
    opened = []
    for gate, reviewers in gates:
        due = now + timedelta(days=gate.sla_days)
        review = await q.add_review(
            session,
            GateReview(
                use_case_id=use_case.id or 0,
                gate=gate.name,
                revision=use_case.revision,
                state="pending",
                reviewers=",".join(reviewers),
                sla_days=gate.sla_days,
                on_timeout=gate.on_timeout,
                escalate_to=gate.escalate_to if gate.on_timeout == "escalate" else None,
                opened_at=now,
                due_at=due,
                remind_at=remind_time(now, due, gate.remind_days),
            ),
        )
        if review is None:
            continue
        await audit.append(
            session,
            now,
            actor,
            "gate.requested",
            use_case_id=use_case.id,
            gate=gate.name,
            review_id=review.id,
            revision=use_case.revision,
            reviewers=reviewers,
            sla_days=gate.sla_days,
            due_at=due.isoformat(),
            on_timeout=gate.on_timeout,
            escalate_to=review.escalate_to,
        )
        await notify(session, "request", reviewers, use_case.id or 0, review.id, now)
        opened.append(review)
    return opened


# --- decisions -----------------------------------------------------------------------------


def latest_reviews(reviews: list[GateReview]) -> dict[str, GateReview]:
    """Each gate's newest review (a revision after "ask for changes" replaces the older)."""
    latest: dict[str, GateReview] = {}
    for review in sorted(reviews, key=lambda r: (r.revision, r.id or 0)):
        latest[review.gate] = review
    return latest


async def advance(services: Any, session: AsyncSession, use_case_id: int, now: datetime) -> str:
    """After an approval: when every gate has passed, the use case becomes a pilot (a tool
    request: the tool joins the catalog). Returns the use case's state afterwards."""
    from bot.core import tool_catalog

    use_case = await q.get_use_case(session, use_case_id)
    assert use_case is not None
    reviews = (await q.reviews_for(session, [use_case_id])).get(use_case_id, [])
    latest = latest_reviews(reviews)
    if use_case.state != "in_review" or any(r.state not in q.APPROVED for r in latest.values()):
        return use_case.state
    to = "approved" if use_case.kind == "tool_request" else "pilot"
    values = {"pilot_at": now} if to == "pilot" else {}
    if not await q.set_use_case_state(session, use_case_id, ["in_review"], to, **values):
        return use_case.state
    gates = {g: r.state for g, r in latest.items()}
    await audit.append(
        session,
        now,
        CLOCK if "auto_approved" in gates.values() else "gates",
        f"usecase.{to}",
        use_case_id=use_case_id,
        gates=gates,
    )
    procurement = await _tool_gates(session, use_case, list(latest))
    if procurement:
        await tool_catalog.approve_in_session(
            session,
            now,
            use_case.tool,
            uses="",  # procurement sets the approved uses (leverage-bot tools add … --uses)
            data_classes=use_case.data_class,
            by=f"gates:{use_case_id}",
            via=f"{', '.join(procurement)} gate (use case {use_case_id})",
        )
    await notify(session, "pilot", [use_case.proposer], use_case_id, None, now)
    return to


async def _tool_gates(session: AsyncSession, use_case: UseCase, passed: list[str]) -> list[str]:
    """The gates that admitted the use case's tool to the catalog: a tool request's gates, or
    for a tool outside the catalog the gates that apply to new tools (procurement). Without
    such a gate, legal's approval (or the clock's) passes the use case, not the tool."""
    if use_case.kind == "tool_request":
        return passed or ["no"]
    if not use_case.new_tool:
        return []
    configured = {g.name: g.applies_to for g in await q.list_gates(session)}
    return [g for g in passed if configured.get(g) == "new_tool"]


async def reviewer_messages(services: Any, review_id: int) -> list[tuple[str, str]]:
    """(channel, ts) of the DMs that asked for this review's decision (to update them)."""
    async with services.db.session() as session:
        rows = await q.sent_notices(session, review_id)
    return [(r.channel_id, r.message_ts) for r in rows if r.channel_id and r.message_ts]


async def review_by_id(services: Any, review_id: int) -> GateReview | None:
    async with services.db.session() as session:
        return await q.get_review(session, review_id)


async def decide(
    services: Any,
    review_id: int,
    user_id: str,
    decision: str,
    reason: str | None = None,
    *,
    trusted: bool = False,
) -> Decided:
    """A reviewer's Approve / Ask for changes / Reject. A reason is required for the last two.

    `trusted` is for the operator's CLI (whoever holds the database); Slack callers are checked
    against the review's reviewers (or the escalation target once it escalated).
    """
    state = DECISIONS.get(decision)
    if state is None:
        raise ReviewError("the decision is approve, changes or reject")
    reason = (reason or "").strip()
    if state != "approved" and not reason:
        raise ReviewError("Please give a reason: the proposer needs it to act on your decision.")
    if len(reason) > REASON_MAX:
        raise ReviewError(f"Please keep the reason under {REASON_MAX} characters.")
    review = await review_by_id(services, review_id)
    if review is None:
        raise ReviewError("That review does not exist (any more).")
    if (
        review.state in OPEN_STATES
        and not trusted
        and not await may_decide(services, review, user_id)
    ):
        if review.state == "escalated":
            raise NotAReviewer(
                "The SLA passed, so this gate went to the person it escalates to: "
                "only they can decide it now.",
                review.escalate_to,
            )
        raise NotAReviewer("Only this gate's reviewers can decide it.")
    now = services.clock()
    async with services.db.session() as session:
        await q.lock_use_case(session, review.use_case_id)
        latest = await q.get_review(session, review_id)
        if latest is not None and latest.state not in OPEN_STATES:
            return Decided(latest, already=True)  # the clock or another reviewer came first
        closed = await q.get_use_case(session, review.use_case_id)
        if closed is not None and closed.state != "in_review":
            raise ReviewError("This proposal is no longer in review, so nothing was changed.")
        changed = await q.decide_review(
            session,
            review_id,
            OPEN_STATES,
            state=state,
            decided_at=now,
            decided_by=user_id[:64],
            reason=reason or None,
        )
        current = await q.get_review(session, review_id)
        assert current is not None
        if not changed:
            return Decided(current, already=True)
        await audit.append(
            session,
            now,
            user_id,
            f"gate.{state}",
            use_case_id=review.use_case_id,
            gate=review.gate,
            review_id=review_id,
            revision=review.revision,
            reason=reason or None,
            was=review.state,
        )
        use_case = await q.get_use_case(session, review.use_case_id)
        assert use_case is not None
        await notify(session, "decision", [use_case.proposer], review.use_case_id, review_id, now)
        if state == "approved":
            await advance(services, session, review.use_case_id, now)
        elif state == "rejected":
            await _close_rejected(session, use_case, review.gate, reason, now)
    return Decided(current, already=False)


async def _close_rejected(
    session: AsyncSession, use_case: UseCase, gate: str, reason: str, now: datetime
) -> None:
    to = "rejected" if use_case.kind == "tool_request" else "retired"
    why = f"Rejected at the {gate} gate: {reason}"[:1000]
    if await q.set_use_case_state(
        session,
        use_case.id or 0,
        ["proposed", "in_review"],
        to,
        retired_at=now,
        retired_reason=why,
    ):
        await audit.append(
            session, now, "gates", f"usecase.{to}", use_case_id=use_case.id, gate=gate, reason=why
        )


# --- the clock -----------------------------------------------------------------------------


async def tick(services: Any, at: datetime | None = None, *, send: bool = True) -> TickReport:
    """The deadline job, as of `at` (default now): auto-approve or escalate reviews past their
    SLA, remind reviewers whose reminder is due, mark use cases that survived rotation, then
    send what is due. Safe to run concurrently and repeatedly; replaying an old `at` after
    downtime does only what was not done yet."""
    at = at or services.clock()
    report = TickReport(at)
    async with services.db.session() as session:
        due = await q.due_reviews(session, at)
        reminders = await q.reminders_due(session, at)
    for review_id, use_case_id in due:
        outcome = await _time_out(services, review_id, use_case_id, at)
        if outcome == "auto_approved":
            report.auto_approved.append(review_id)
        elif outcome == "escalated":
            report.escalated.append(review_id)
    for review_id, use_case_id in reminders:
        if await _remind(services, review_id, use_case_id, at):
            report.reminded.append(review_id)
    report.resolved = await resolve_groups(services, at)
    from bot.core import usecases

    report.survived_rotation = await usecases.check_rotation(services, at)
    if send and services.messenger is not None:
        from bot.core.gate_notices import send_due

        report.notices = (await send_due(services)).to_dict()
    return report


async def resolve_groups(services: Any, at: datetime) -> list[int]:
    """A review opened while the directory could not expand a user group keeps the group's
    ID, and nobody can be DMed for it. Every tick tries again; once the members are known they
    become the reviewers and are asked (once), with an audit entry. Without this, a gate nobody
    was asked about would auto-approve in silence."""
    async with services.db.session() as session:
        waiting = await q.reviews_with_groups(session)
    waiting = [w for w in waiting if any(is_group(i) for i in split_ids(w[2]))]
    if not waiting or services.directory is None:
        return []
    groups = await _group_members(services)  # one directory call per tick, however many
    if groups is None:
        return []
    resolved = []
    for review_id, use_case_id, reviewers in waiting:
        ids = split_ids(reviewers)
        if any(is_group(i) and i not in groups for i in ids):
            continue  # a group Slack does not know (deleted?): it stays, as it was configured
        people = _expand(ids, groups)
        async with services.db.session() as session:
            if not await q.set_review_reviewers(session, review_id, reviewers, ",".join(people)):
                continue
            review = await q.get_review(session, review_id)
            await audit.append(
                session,
                at,
                CLOCK,
                "gate.reviewers_resolved",
                use_case_id=use_case_id,
                gate=review.gate if review else None,
                review_id=review_id,
                groups=[i for i in split_ids(reviewers) if is_group(i)],
                reviewers=people,
            )
            await notify(session, "request", people, use_case_id, review_id, at)
        resolved.append(review_id)
    return resolved


async def _time_out(services: Any, review_id: int, use_case_id: int, at: datetime) -> str | None:
    async with services.db.session() as session:
        await q.lock_use_case(session, use_case_id)
        review = await q.get_review(session, review_id)
        if review is None:
            return None
        to = "auto_approved" if review.on_timeout == "approve" else "escalated"
        if not await q.time_out_review(session, review_id, at, to):
            return None  # decided meanwhile, or another tick got here first
        use_case = await q.get_use_case(session, use_case_id)
        assert use_case is not None
        await audit.append(
            session,
            at,
            CLOCK,
            f"gate.{to}",
            use_case_id=use_case_id,
            gate=review.gate,
            review_id=review_id,
            revision=review.revision,
            sla_days=review.sla_days,
            due_at=review.due_at.isoformat(),
            escalate_to=review.escalate_to,
            reviewers=split_ids(review.reviewers),
        )
        reviewers = split_ids(review.reviewers)
        if to == "auto_approved":
            await notify(
                session,
                "auto_approved",
                [use_case.proposer, *reviewers],
                use_case_id,
                review_id,
                at,
            )
            await advance(services, session, use_case_id, at)
        else:
            await notify(
                session, "escalated", [review.escalate_to or ""], use_case_id, review_id, at
            )
            await notify(session, "escalated_info", [use_case.proposer], use_case_id, review_id, at)
    logger.info("gate %s of use case %s: %s by the clock", review.gate, use_case_id, to)
    return to


async def _remind(services: Any, review_id: int, use_case_id: int, at: datetime) -> bool:
    async with services.db.session() as session:
        if not await q.mark_reminded(session, review_id, at):
            return False
        review = await q.get_review(session, review_id)
        assert review is not None
        reviewers = split_ids(review.reviewers)
        await audit.append(
            session,
            at,
            CLOCK,
            "gate.reminded",
            use_case_id=use_case_id,
            gate=review.gate,
            review_id=review_id,
            reviewers=reviewers,
            due_at=review.due_at.isoformat(),
        )
        await notify(session, "reminder", reviewers, use_case_id, review_id, at)
    return True
