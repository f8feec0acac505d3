"""Campaign and outbox SQL: every state change of a delivery row happens here, in one statement.

The outbox's guarantees (one prompt per person per campaign, no double send by two workers)
rest on the unique key and on the conditional UPDATEs below, never on Python-side checks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.data_version import VIEWS_UNCHANGED
from storage.models import Answer, Campaign, Delivery, Person, TeamsConversation

CHUNK = 1000
OPTOUT = "optout"  # marker row: the person asked for no more reminders in this campaign
TRANSIENT_PREFIX = "transient: "  # failed rows that a resume may retry
# SQLModel fields are typed as plain Python values; these are the SQL columns behind them.
D: Any = Delivery
C: Any = Campaign
P: Any = Person
A: Any = Answer
D2: Any = aliased(Delivery)
T: Any = TeamsConversation


def _on_teams() -> Any:
    """The person can be messaged in Teams: they installed the app (a conversation is known)."""
    return exists().where(T.aad_object_id == P.aad_object_id)


def _reachable() -> Any:
    """Known to at least one chat platform the bot can write to."""
    return or_(P.slack_user_id.is_not(None), _on_teams())


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery with what is needed to send it, loaded in one query."""

    id: int
    campaign_id: str
    person_id: int
    kind: str
    attempts: int
    chat_user_id: str | None
    name: str
    tz: str | None
    active: bool
    campaign_status: str
    opens_at: datetime
    closes_at: datetime
    answered: bool
    # Teams: the person's id there, whether a conversation is known, where they answered last.
    aad_object_id: str | None = None
    on_teams: bool = False
    last_platform: str | None = None
    has_example: bool = False  # answered with an example (the prompt then shows that state)
    claimed_at: datetime | None = None  # set by the claimer: when this worker took the lease


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _insert(session: AsyncSession, model: Any) -> Any:
    return (postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert)(model)


async def get_campaign(session: AsyncSession, campaign_id: str) -> Campaign | None:
    return await session.get(Campaign, campaign_id)


async def any_campaign(session: AsyncSession) -> bool:
    """Whether a campaign was ever opened: before that there is nothing to judge."""
    return (await session.exec(select(Campaign.id).limit(1))).first() is not None  # type: ignore[call-overload]


async def latest_open_campaign(session: AsyncSession) -> Campaign | None:
    stmt = select(Campaign).where(C.status == "open").order_by(C.opens_at.desc()).limit(1)
    return (await session.exec(stmt)).scalars().first()  # type: ignore[call-overload,attr-defined]


async def open_campaigns_closing_by(session: AsyncSession, now: datetime) -> list[str]:
    stmt = select(C.id).where(C.status == "open", C.closes_at <= now)
    return list((await session.exec(stmt)).scalars().all())  # type: ignore[call-overload,attr-defined]


async def open_campaigns(session: AsyncSession) -> list[Campaign]:
    stmt = select(Campaign).where(C.status == "open")
    return list((await session.exec(stmt)).scalars().all())  # type: ignore[call-overload,attr-defined]


async def insert_campaign_if_absent(session: AsyncSession, values: dict[str, Any]) -> None:
    """Two replicas starting the same quarter at once both succeed; one row results."""
    stmt = _insert(session, Campaign).values(**values).on_conflict_do_nothing(index_elements=["id"])
    await session.exec(stmt)  # type: ignore[call-overload]


async def reachable_people(session: AsyncSession) -> list[tuple[int, str | None]]:
    """(person id, tz) of everyone who can be asked: active and known to the chat platform."""
    stmt = select(P.id, P.tz).where(P.active, _reachable())
    return [(int(i), tz) for i, tz in (await session.exec(stmt)).all()]  # type: ignore[call-overload,attr-defined]


async def unprompted_people(
    session: AsyncSession, campaign_id: str
) -> list[tuple[int, str | None]]:
    """Reachable people with no prompt row in the campaign yet (joined since it opened)."""
    prompted = select(D.person_id).where(D.campaign_id == campaign_id, D.kind == "prompt")
    stmt = select(P.id, P.tz).where(P.active, _reachable(), P.id.not_in(prompted))
    return [(int(i), tz) for i, tz in (await session.exec(stmt)).all()]  # type: ignore[call-overload,attr-defined]


async def insert_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Enqueue rows; an existing (campaign, person, kind) is left alone: re-runs resume."""
    for start in range(0, len(rows), CHUNK):
        stmt = (
            _insert(session, Delivery)
            .values(list(rows[start : start + CHUNK]))
            .on_conflict_do_nothing(index_elements=["campaign_id", "person_id", "kind"])
        )
        await session.exec(stmt)  # type: ignore[call-overload]


async def count_deliveries(session: AsyncSession, campaign_id: str, kind: str | None = None) -> int:
    stmt = select(func.count()).select_from(Delivery).where(D.campaign_id == campaign_id)
    if kind:
        stmt = stmt.where(D.kind == kind)
    return int((await session.exec(stmt)).scalar_one())  # type: ignore[call-overload,attr-defined]


async def pull_pending_forward(session: AsyncSession, campaign_id: str, now: datetime) -> None:
    """`--now` on a campaign already queued at humane hours: everything pending is due now."""
    stmt = (
        update(Delivery)
        .where(D.campaign_id == campaign_id, D.status == "pending", D.kind == "prompt")
        .values(due_at=now)
    )
    await session.exec(stmt)  # type: ignore[call-overload]


async def reminder_candidates(
    session: AsyncSession,
    campaign_id: str,
    kind: str,
    *,
    previous_kind: str = "prompt",
    previous_sent_by: datetime | None = None,
    prompt_sent_by: datetime | None = None,
) -> list[int]:
    """People due reminder `kind`: not answered, not opted out, not yet given it, and whose
    previous step (`previous_kind`) was sent, by `previous_sent_by` when given, and whose
    prompt went out by `prompt_sent_by` when given (so reminders never pile up)."""
    prompted = select(D.person_id).where(
        D.campaign_id == campaign_id, D.kind == "prompt", D.status == "sent"
    )
    if prompt_sent_by is not None:
        prompted = prompted.where(D.sent_at <= prompt_sent_by)
    previous = select(D.person_id).where(
        D.campaign_id == campaign_id, D.kind == previous_kind, D.status == "sent"
    )
    if previous_sent_by is not None:
        previous = previous.where(D.sent_at <= previous_sent_by)
    answered = select(A.person_id).where(A.campaign_id == campaign_id)
    reminded = select(D.person_id).where(D.campaign_id == campaign_id, D.kind.in_([kind, OPTOUT]))
    stmt = select(P.id).where(
        P.active,
        _reachable(),
        P.id.in_(prompted),
        P.id.in_(previous),
        P.id.not_in(answered),
        P.id.not_in(reminded),
    )
    return [int(i) for i in (await session.exec(stmt)).scalars().all()]  # type: ignore[call-overload,attr-defined]


async def mark_optout(session: AsyncSession, person_id: int, now: datetime) -> int:
    """Remember, per open campaign, that the person wants no more reminders.

    Stored as a never-sent outbox row of kind `optout` (status skipped), so forgetting an
    answer does not make the person look unanswered to the reminder queries again.
    """
    ids = [c.id for c in await open_campaigns(session)]
    rows = [
        {"campaign_id": cid, "person_id": person_id, "kind": OPTOUT, "due_at": now,
         "status": "skipped", "attempts": 0, "error": "opted out of reminders"}
        for cid in ids
    ]  # fmt: skip
    await insert_deliveries(session, rows)
    return len(rows)


async def requeue_transient_failures(session: AsyncSession, campaign_id: str, due: datetime) -> int:
    """A resume retries prompts and reminders that gave up on a transient failure.

    Their `attempts` are kept above zero, so the sender reconciles against the chat history
    before posting: a post that did happen is recorded, not repeated.
    """
    stmt = (
        update(Delivery)
        .where(
            D.campaign_id == campaign_id,
            D.status == "failed",
            D.kind != "summary",
            D.error.like(f"{TRANSIENT_PREFIX}%"),
        )
        .values(status="pending", due_at=due)
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return int(result.rowcount or 0)


async def tz_of(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, str | None]:
    ids = list(person_ids)
    out: dict[int, str | None] = {}
    for start in range(0, len(ids), CHUNK):
        stmt = select(P.id, P.tz).where(P.id.in_(ids[start : start + CHUNK]))
        out.update({int(i): tz for i, tz in (await session.exec(stmt)).all()})  # type: ignore[call-overload,attr-defined]
    return out


async def existing_reminder_kinds(session: AsyncSession, campaign_id: str) -> set[str]:
    stmt = select(D.kind).where(D.campaign_id == campaign_id, D.kind.like("reminder%")).distinct()
    return set((await session.exec(stmt)).scalars().all())  # type: ignore[call-overload,attr-defined]


async def close_campaign(session: AsyncSession, campaign_id: str, now: datetime) -> bool:
    """Open -> closed once; True only for the caller that actually closed it."""
    stmt = (
        update(Campaign)
        .where(C.id == campaign_id, C.status == "open")
        .values(status="closed", closed_at=now)
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return bool(result.rowcount)


async def skip_pending(session: AsyncSession, campaign_id: str, why: str) -> None:
    """Prompts and reminders not yet sent when the campaign closes will never be sent."""
    stmt = (
        update(Delivery)
        .where(D.campaign_id == campaign_id, D.status == "pending", D.kind != "summary")
        .values(status="skipped", error=why)
    )
    await session.exec(stmt)  # type: ignore[call-overload]


async def claim(
    session: AsyncSession, worker: str, now: datetime, lease_until: datetime, limit: int
) -> list[Claimed]:
    """Take up to `limit` due rows (or rows whose lease expired) for this worker, atomically."""
    due = or_(
        and_(D.status == "pending", D.due_at <= now),
        and_(D.status == "claimed", D.lease_until < now),
    )
    pick = select(D.id).where(due).order_by(D.due_at).limit(limit)
    if _dialect(session) == "postgresql":
        # Lock the rows first, then update exactly those: inside one UPDATE, PostgreSQL may
        # re-run a `LIMIT … FOR UPDATE SKIP LOCKED` subquery for every row it scans (each run
        # skipping the rows just taken), and one worker then claims the whole queue.
        locked = await session.exec(pick.with_for_update(skip_locked=True))  # type: ignore[call-overload]
        ids = [int(i) for i in locked.scalars().all()]
        if not ids:
            return []
        chosen: Any = D.id.in_(ids)
    else:  # SQLite runs one writer at a time: the single UPDATE is the claim
        chosen = D.id.in_(pick.scalar_subquery())
    stmt = (
        update(Delivery)
        .where(chosen, due)
        .values(
            status="claimed", lease_owner=worker, lease_until=lease_until, attempts=D.attempts + 1
        )
        .returning(D.id)
        .execution_options(synchronize_session=False)
    )
    ids = [int(i) for i in (await session.exec(stmt)).scalars().all()]  # type: ignore[call-overload]
    return await _claimed_context(session, ids) if ids else []


async def _claimed_context(session: AsyncSession, ids: list[int]) -> list[Claimed]:
    answered = exists().where(A.campaign_id == D.campaign_id, A.person_id == D.person_id)
    with_example = exists().where(
        A.campaign_id == D.campaign_id,
        A.person_id == D.person_id,
        A.has_example == True,  # noqa: E712
    )
    stmt = (
        select(
            D.id, D.campaign_id, D.person_id, D.kind, D.attempts,
            P.slack_user_id, P.name, P.tz, P.active,
            C.status, C.opens_at, C.closes_at, answered.label("answered"),
            P.aad_object_id, _on_teams().label("on_teams"), P.last_platform,
            with_example.label("has_example"),
        )
        .join(Person, P.id == D.person_id)
        .join(Campaign, C.id == D.campaign_id)
        .where(D.id.in_(ids))
        .order_by(D.due_at)
    )  # fmt: skip
    return [Claimed(*row) for row in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


def _still_wanted(now: datetime) -> Any:
    """The send-time checks: the campaign is open (summaries aside) and, for reminders, the
    person has neither answered nor opted out. Evaluated in the renewing UPDATE itself."""
    is_open = exists().where(C.id == D.campaign_id, C.status == "open", C.closes_at > now)
    answered = exists().where(A.campaign_id == D.campaign_id, A.person_id == D.person_id)
    opted_out = (
        select(D2.id)
        .where(D2.campaign_id == D.campaign_id, D2.person_id == D.person_id, D2.kind == OPTOUT)
        .exists()
    )
    reminder_ok = or_(~D.kind.like("reminder%"), and_(~answered, ~opted_out))
    return or_(D.kind == "summary", and_(is_open, reminder_ok))


async def renew(
    session: AsyncSession, delivery_id: int, worker: str, now: datetime, lease_until: datetime
) -> str:
    """Just before a send: extend this worker's lease if the row is still wanted.

    Returns "ok" (send it), "skipped" (still ours but no longer wanted: marked skipped) or
    "lost" (another worker owns it now: do nothing).
    """
    mine = and_(D.id == delivery_id, D.lease_owner == worker, D.status == "claimed")
    stmt = update(Delivery).where(mine, _still_wanted(now)).values(lease_until=lease_until)
    result = await session.exec(stmt.execution_options(synchronize_session=False))  # type: ignore[call-overload]
    if result.rowcount:
        return "ok"
    drop = (
        update(Delivery)
        .where(mine)
        .values(status="skipped", error="no longer wanted", lease_owner=None, lease_until=None)
    )
    result = await session.exec(drop.execution_options(synchronize_session=False))  # type: ignore[call-overload]
    return "skipped" if result.rowcount else "lost"


async def finish(
    session: AsyncSession,
    delivery_id: int,
    worker: str,
    *,
    views_unchanged: bool = False,
    **values: Any,
) -> bool:
    """Record a claimed row's outcome, only if this worker still holds it (a fencing check).

    One statement per outcome shape, built once (a fan-out records hundreds a second): a plain
    UPDATE on the table, not the ORM's, whose per-call statement building and session
    synchronisation cost more than the write itself. `views_unchanged` for an outcome no view
    reads (a team summary's): it leaves the data version where it is (storage.data_version)."""
    params = {f"v_{key}": value for key, value in values.items()}
    stmt = _finish_statement(tuple(sorted(values)), views_unchanged)
    params.update(row_id=delivery_id, worker=worker)
    result = await session.exec(stmt, params=params)  # type: ignore[call-overload]
    return bool(result.rowcount)


@functools.lru_cache(maxsize=16)
def _finish_statement(keys: tuple[str, ...], views_unchanged: bool) -> Any:
    table: Any = Delivery.__table__  # type: ignore[attr-defined]
    stmt = (
        update(table)
        .where(
            table.c.id == bindparam("row_id"),
            table.c.status == "claimed",
            table.c.lease_owner == bindparam("worker"),
        )
        .values(lease_owner=None, lease_until=None, **{k: bindparam(f"v_{k}") for k in keys})
    )
    return stmt.execution_options(**{VIEWS_UNCHANGED: True}) if views_unchanged else stmt


def _due(now: datetime) -> Any:
    """Pending and due, or claimed under a lease that has run out."""
    return or_(
        and_(D.status == "pending", D.due_at <= now),
        and_(D.status == "claimed", D.lease_until < now),
    )


async def count_due(session: AsyncSession, now: datetime) -> int:
    stmt = select(func.count()).select_from(Delivery).where(_due(now))
    return int((await session.exec(stmt)).scalar_one())  # type: ignore[call-overload,attr-defined]


async def count_due_with_slack_ids(session: AsyncSession, now: datetime) -> int:
    """Due deliveries to people who have a Slack ID: what a run cannot send without Slack."""
    stmt = (
        select(func.count())
        .select_from(Delivery)
        .join(Person, P.id == D.person_id)
        .where(_due(now), P.slack_user_id.is_not(None))
    )
    return int((await session.exec(stmt)).scalar_one())  # type: ignore[call-overload,attr-defined]


async def delivery_counts(session: AsyncSession, campaign_id: str) -> dict[tuple[str, str], int]:
    """(kind, status) -> rows: the campaign's progress, counted in the database."""
    stmt = (
        select(D.kind, D.status, func.count())
        .where(D.campaign_id == campaign_id)
        .group_by(D.kind, D.status)
    )
    return {(k, s): int(n) for k, s, n in (await session.exec(stmt)).all()}  # type: ignore[call-overload]


async def failure_reasons(session: AsyncSession, campaign_id: str) -> dict[str, int]:
    stmt = (
        select(D.error, func.count())
        .where(D.campaign_id == campaign_id, D.status == "failed")
        .group_by(D.error)
    )
    return {e or "unknown": int(n) for e, n in (await session.exec(stmt)).all()}  # type: ignore[call-overload]


async def answer_counts(session: AsyncSession, campaign_id: str) -> tuple[int, int]:
    """(answered, answered with an example) for the campaign."""
    with_example = func.coalesce(func.sum(case((A.has_example, 1), else_=0)), 0)
    stmt = (
        select(func.count(), with_example).select_from(Answer).where(A.campaign_id == campaign_id)
    )
    answered, with_example = (await session.exec(stmt)).one()  # type: ignore[call-overload]
    return int(answered), int(with_example or 0)


async def sent_prompts(
    session: AsyncSession, campaign_id: str, person_id: int
) -> list[tuple[str, str]]:
    """(channel, ts) of the prompt and reminders the person received: the DMs whose buttons
    change into the answer's state once they answer."""
    stmt = (
        select(D.channel_id, D.message_ts)
        .where(
            D.campaign_id == campaign_id,
            D.person_id == person_id,
            D.kind != "summary",
            D.status == "sent",
            D.message_ts.is_not(None),
        )
        .order_by(D.id)
    )
    return [(str(c), str(t)) for c, t in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def renew_held(session: AsyncSession, worker: str, lease_until: datetime) -> list[int]:
    """The heartbeat of a live worker: extend the lease of every row it still holds.

    Leases are short so that a dead replica's rows are taken over within one lease period;
    a live one keeps its rows by renewing them all in one statement every few seconds.
    Returns the ids renewed: a row missing from them was taken over and must not be sent.
    """
    stmt = (
        update(Delivery)
        .where(D.lease_owner == worker, D.status == "claimed")
        .values(lease_until=lease_until)
        .returning(D.id)
        .execution_options(synchronize_session=False)
    )
    return [int(i) for i in (await session.exec(stmt)).scalars().all()]  # type: ignore[call-overload]


async def release(
    session: AsyncSession, worker: str, now: datetime, untried: Sequence[int] = ()
) -> int:
    """Hand back every row this worker still holds, due at once, for another worker to take.

    Rows in `untried` were claimed but never sent: their claim's attempt is undone, so the
    next worker sends without a history look-up. The others (a send was under way) keep
    their attempt count, so the next worker first reconciles against the chat history.
    """
    mine = and_(D.lease_owner == worker, D.status == "claimed")
    freed = {"status": "pending", "lease_owner": None, "lease_until": None}
    released = 0
    for start in range(0, len(untried), CHUNK):
        chunk = list(untried[start : start + CHUNK])
        undo = (
            update(Delivery)
            .where(mine, D.id.in_(chunk))
            .values(attempts=D.attempts - 1, **freed)
            .execution_options(synchronize_session=False)
        )
        released += int((await session.exec(undo)).rowcount or 0)  # type: ignore[call-overload]
    rest = update(Delivery).where(mine).values(**freed).execution_options(synchronize_session=False)
    released += int((await session.exec(rest)).rowcount or 0)  # type: ignore[call-overload]
    return released


async def live_delivery_counts(session: AsyncSession) -> dict[tuple[str, str, str], int]:
    """(campaign, kind, status) -> rows, for open campaigns and any with rows still to send:
    the metrics' view of the outbox, counted in the database on the covering index."""
    unsent = select(D.campaign_id).where(D.status.in_(("pending", "claimed"))).distinct()
    live = or_(D.campaign_id.in_(select(C.id).where(C.status == "open")), D.campaign_id.in_(unsent))
    stmt = (
        select(D.campaign_id, D.kind, D.status, func.count())
        .where(live, D.kind != OPTOUT)
        .group_by(D.campaign_id, D.kind, D.status)
    )
    return {(c, k, s): int(n) for c, k, s, n in (await session.exec(stmt)).all()}  # type: ignore[call-overload]


async def open_campaign_answers(session: AsyncSession) -> dict[str, int]:
    """Answers per open campaign (a whole-organisation count, never split by team)."""
    stmt = (
        select(C.id, func.count(A.id))
        .select_from(Campaign)
        .outerjoin(Answer, A.campaign_id == C.id)
        .where(C.status == "open")
        .group_by(C.id)
    )
    return {str(c): int(n) for c, n in (await session.exec(stmt)).all()}  # type: ignore[call-overload]
