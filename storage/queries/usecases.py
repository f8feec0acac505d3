"""Registry SQL: gates, use cases, reviews, the notice outbox and the audit chain.

Every state change that must happen once is one conditional UPDATE here whose row count says
whether this caller made it; the core acts (audit entry, notices) only when it did.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    ApprovedTool,
    AuditEntry,
    AuditHead,
    GateNotice,
    GateReview,
    Person,
    ReviewGate,
    ToolApproval,
    UseCase,
    UseCaseOutcome,
    UseCaseOwner,
)

# SQLModel fields are typed as plain values; these are the SQL columns behind them.
G: Any = ReviewGate
U: Any = UseCase
R: Any = GateReview
N: Any = GateNotice
OW: Any = UseCaseOwner
OC: Any = UseCaseOutcome
A: Any = AuditEntry
H: Any = AuditHead
P: Any = Person
T: Any = ApprovedTool
TA: Any = ToolApproval
APPROVED = ("approved", "auto_approved")


def _insert(session: AsyncSession, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


async def _all(session: AsyncSession, stmt: Any) -> list[Any]:
    return list((await session.exec(stmt)).scalars().all())  # type: ignore[call-overload,attr-defined]


async def _rowcount(session: AsyncSession, stmt: Any) -> int:
    result = await session.exec(stmt.execution_options(synchronize_session=False))  # type: ignore[call-overload]
    return int(result.rowcount or 0)


# --- gates -------------------------------------------------------------------------------


async def get_gate(session: AsyncSession, name: str) -> ReviewGate | None:
    return await session.get(ReviewGate, name)


async def save_gate(session: AsyncSession, gate: ReviewGate) -> None:
    await session.merge(gate)


async def list_gates(session: AsyncSession, *, active_only: bool = False) -> list[ReviewGate]:
    stmt = select(ReviewGate).order_by(G.name)
    if active_only:
        stmt = stmt.where(G.active)
    return await _all(session, stmt)


# --- use cases -----------------------------------------------------------------------------


async def add_use_case(session: AsyncSession, use_case: UseCase) -> UseCase:
    session.add(use_case)
    await session.flush()
    return use_case


async def get_use_case(session: AsyncSession, use_case_id: int) -> UseCase | None:
    stmt = select(UseCase).where(U.id == use_case_id).execution_options(populate_existing=True)
    return (await session.exec(stmt)).scalars().first()  # type: ignore[call-overload,attr-defined]


async def lock_use_case(session: AsyncSession, use_case_id: int) -> bool:
    """Take the use case's row lock first, so decisions on its gates line up (PostgreSQL) and
    the transaction holds SQLite's write lock before it reads anything it decides on."""
    stmt = update(UseCase).where(U.id == use_case_id).values(updated_at=U.updated_at)
    return bool(await _rowcount(session, stmt))


async def set_use_case_state(
    session: AsyncSession, use_case_id: int, from_states: Iterable[str], to: str, **values: Any
) -> bool:
    stmt = (
        update(UseCase)
        .where(U.id == use_case_id, U.state.in_(list(from_states)))
        .values(state=to, **values)
    )
    return bool(await _rowcount(session, stmt))


async def update_use_case(session: AsyncSession, use_case_id: int, **values: Any) -> None:
    await session.exec(update(UseCase).where(U.id == use_case_id).values(**values))  # type: ignore[call-overload]


async def list_use_cases(
    session: AsyncSession, kind: str = "use_case", state: str | None = None
) -> list[UseCase]:
    stmt = select(UseCase).where(U.kind == kind).order_by(U.id)
    if state:
        stmt = stmt.where(U.state == state)
    return await _all(session, stmt)


async def names_by_aad(session: AsyncSession, aad_object_ids: list[str]) -> dict[str, str]:
    """{aad_object_id: name} of the directory's Teams users among these ids."""
    if not aad_object_ids:
        return {}
    stmt = select(P.aad_object_id, P.name).where(P.aad_object_id.in_(aad_object_ids))
    return {str(a): str(n) for a, n in (await session.exec(stmt)).all()}  # type: ignore[call-overload]


async def owners(session: AsyncSession, use_case_ids: list[int]) -> dict[int, list[str]]:
    if not use_case_ids:
        return {}
    stmt = (
        select(OW.use_case_id, OW.user_id)
        .where(OW.use_case_id.in_(use_case_ids), OW.active)
        .order_by(OW.added_at, OW.user_id)
    )
    out: dict[int, list[str]] = {}
    for case_id, user in (await session.exec(stmt)).all():  # type: ignore[call-overload]
        out.setdefault(int(case_id), []).append(str(user))
    return out


async def set_owner(session: AsyncSession, use_case_id: int, user_id: str, now: datetime) -> bool:
    """Add (or re-activate) an owner; True when something changed."""
    insert = _insert(session, UseCaseOwner).values(
        use_case_id=use_case_id, user_id=user_id, active=True, added_at=now
    )
    added = await _rowcount(session, insert.on_conflict_do_nothing())
    if added:
        return True
    stmt = (
        update(UseCaseOwner)
        .where(OW.use_case_id == use_case_id, OW.user_id == user_id, ~OW.active)
        .values(active=True, added_at=now, removed_at=None)
    )
    return bool(await _rowcount(session, stmt))


async def remove_owner(
    session: AsyncSession, use_case_id: int, user_id: str, now: datetime
) -> bool:
    stmt = (
        update(UseCaseOwner)
        .where(OW.use_case_id == use_case_id, OW.user_id == user_id, OW.active)
        .values(active=False, removed_at=now)
    )
    return bool(await _rowcount(session, stmt))


async def outcomes(session: AsyncSession, use_case_ids: list[int]) -> dict[int, list[Any]]:
    if not use_case_ids:
        return {}
    stmt = (
        select(UseCaseOutcome)
        .where(OC.use_case_id.in_(use_case_ids))
        .order_by(OC.use_case_id, OC.quarter)
    )
    out: dict[int, list[Any]] = {}
    for row in await _all(session, stmt):
        out.setdefault(int(row.use_case_id), []).append(row)
    return out


async def upsert_outcome(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = _insert(session, UseCaseOutcome).values(**values)
    keep = {k: stmt.excluded[k] for k in ("summary", "metric", "recorded_by", "recorded_at")}
    await session.exec(
        stmt.on_conflict_do_update(index_elements=["use_case_id", "quarter"], set_=keep)
    )  # type: ignore[call-overload]


async def inactive_people(session: AsyncSession, slack_ids: list[str]) -> set[str]:
    """Slack users the directory knows and marks as having left."""
    if not slack_ids:
        return set()
    stmt = select(P.slack_user_id).where(P.slack_user_id.in_(slack_ids), ~P.active)
    return {str(u) for u in await _all(session, stmt)}


async def team_of(session: AsyncSession, chat_user_id: str) -> str | None:
    """The team of the person behind a Slack user id or a Teams `aad_object_id`."""
    from storage.models import Team

    stmt = (
        select(Team.name)  # type: ignore[call-overload]
        .join(Person, P.team_id == Team.id)
        .where(or_(P.slack_user_id == chat_user_id, P.aad_object_id == chat_user_id))
    )
    return (await session.exec(stmt)).scalars().first()  # type: ignore[attr-defined,no-any-return]


# --- reviews -------------------------------------------------------------------------------


async def add_review(session: AsyncSession, review: GateReview) -> GateReview | None:
    """Open a gate's review for a revision once; None if it was already open."""
    values = {k: v for k, v in review.model_dump().items() if k != "id"}
    stmt = _insert(session, GateReview).values(**values).on_conflict_do_nothing()
    if not await _rowcount(session, stmt):
        return None
    return (
        (
            await session.exec(  # type: ignore[call-overload]
                select(GateReview).where(
                    R.use_case_id == review.use_case_id,
                    R.gate == review.gate,
                    R.revision == review.revision,
                )
            )
        )
        .scalars()
        .first()
    )


async def get_review(session: AsyncSession, review_id: int) -> GateReview | None:
    stmt = select(GateReview).where(R.id == review_id).execution_options(populate_existing=True)
    return (await session.exec(stmt)).scalars().first()  # type: ignore[call-overload,attr-defined]


async def reviews_for(session: AsyncSession, use_case_ids: list[int]) -> dict[int, list[Any]]:
    """Every review of these use cases, oldest revision first."""
    if not use_case_ids:
        return {}
    stmt = (
        select(GateReview)
        .where(R.use_case_id.in_(use_case_ids))
        .order_by(R.use_case_id, R.revision, R.gate)
        .execution_options(populate_existing=True)
    )
    out: dict[int, list[Any]] = {}
    for row in await _all(session, stmt):
        out.setdefault(int(row.use_case_id), []).append(row)
    return out


async def decide_review(
    session: AsyncSession, review_id: int, from_states: Iterable[str], **values: Any
) -> bool:
    """The one transition of a review; True only for the caller that made it."""
    stmt = (
        update(GateReview).where(R.id == review_id, R.state.in_(list(from_states))).values(**values)
    )
    return bool(await _rowcount(session, stmt))


def _live_use_case() -> Any:
    live = select(U.id).where(U.id == R.use_case_id, U.state == "in_review")
    return live.exists()


async def due_reviews(session: AsyncSession, at: datetime) -> list[tuple[int, int]]:
    """(review id, use case id) of pending reviews whose SLA has passed by `at`."""
    stmt = (
        select(R.id, R.use_case_id)
        .where(R.state == "pending", R.due_at <= at, _live_use_case())
        .order_by(R.due_at, R.id)
    )
    return [(int(i), int(u)) for i, u in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def time_out_review(session: AsyncSession, review_id: int, at: datetime, to: str) -> bool:
    """Pending and past due -> auto_approved or escalated, once, whoever else is ticking."""
    values: dict[str, Any] = {"state": to}
    if to == "auto_approved":
        values.update(decided_at=R.due_at, decided_by="clock")
    else:
        values.update(escalated_at=at)
    stmt = (
        update(GateReview)
        .where(R.id == review_id, R.state == "pending", R.due_at <= at, _live_use_case())
        .values(**values)
    )
    return bool(await _rowcount(session, stmt))


async def reviews_with_groups(session: AsyncSession) -> list[tuple[int, int, str]]:
    """(review id, use case id, reviewers) of pending reviews that still list a user group
    (opened while the directory could not expand it)."""
    stmt = (
        select(R.id, R.use_case_id, R.reviewers)
        .where(
            R.state == "pending",
            or_(R.reviewers.like("S%"), R.reviewers.like("%,S%")),
            _live_use_case(),
        )
        .order_by(R.id)
    )
    return [(int(i), int(u), str(r)) for i, u, r in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def set_review_reviewers(session: AsyncSession, review_id: int, old: str, new: str) -> bool:
    """Replace a pending review's reviewers, once (whoever else resolves them at the same time)."""
    stmt = (
        update(GateReview)
        .where(R.id == review_id, R.state == "pending", R.reviewers == old)
        .values(reviewers=new)
    )
    return bool(await _rowcount(session, stmt))


async def reminders_due(session: AsyncSession, at: datetime) -> list[tuple[int, int]]:
    stmt = (
        select(R.id, R.use_case_id)
        .where(
            R.state == "pending",
            R.reminded_at.is_(None),
            R.remind_at <= at,
            R.due_at > at,
            _live_use_case(),
        )
        .order_by(R.remind_at, R.id)
    )
    return [(int(i), int(u)) for i, u in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def mark_reminded(session: AsyncSession, review_id: int, at: datetime) -> bool:
    stmt = (
        update(GateReview)
        .where(
            R.id == review_id,
            R.state == "pending",
            R.reminded_at.is_(None),
            R.remind_at <= at,
            R.due_at > at,
        )
        .values(reminded_at=at)
    )
    return bool(await _rowcount(session, stmt))


async def rotation_candidates(session: AsyncSession) -> list[tuple[int, str]]:
    """Production use cases not yet marked as having survived rotation: (id, proposer)."""
    stmt = select(U.id, U.proposer).where(
        U.kind == "use_case", U.state == "production", ~U.survived_rotation
    )
    return [(int(i), str(p)) for i, p in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def mark_survived(session: AsyncSession, use_case_id: int) -> bool:
    stmt = (
        update(UseCase)
        .where(U.id == use_case_id, U.state == "production", ~U.survived_rotation)
        .values(survived_rotation=True)
    )
    return bool(await _rowcount(session, stmt))


# --- notice outbox -------------------------------------------------------------------------


async def add_notice(session: AsyncSession, values: dict[str, Any]) -> bool:
    stmt = _insert(session, GateNotice).values(status="pending", attempts=0, **values)
    return bool(await _rowcount(session, stmt.on_conflict_do_nothing(index_elements=["key"])))


def _notice_due(now: datetime) -> Any:
    return or_(
        and_(N.status == "pending", N.due_at <= now),
        and_(N.status == "claimed", N.lease_until < now),
    )


async def claim_notices(
    session: AsyncSession, worker: str, now: datetime, lease_until: datetime, limit: int
) -> list[GateNotice]:
    pick = select(N.id).where(_notice_due(now)).order_by(N.due_at, N.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    stmt = (
        update(GateNotice)
        .where(N.id.in_(pick.scalar_subquery()), _notice_due(now))
        .values(
            status="claimed", lease_owner=worker, lease_until=lease_until, attempts=N.attempts + 1
        )
        .returning(N.id)
        .execution_options(synchronize_session=False)
    )
    ids = [int(i) for i in (await session.exec(stmt)).scalars().all()]  # type: ignore[call-overload]
    if not ids:
        return []
    rows = select(GateNotice).where(N.id.in_(ids)).execution_options(populate_existing=True)
    return await _all(session, rows.order_by(N.due_at, N.id))


async def finish_notice(session: AsyncSession, notice_id: int, worker: str, **values: Any) -> bool:
    stmt = (
        update(GateNotice)
        .where(N.id == notice_id, N.status == "claimed", N.lease_owner == worker)
        .values(lease_owner=None, lease_until=None, **values)
    )
    return bool(await _rowcount(session, stmt))


async def sent_notices(session: AsyncSession, review_id: int) -> list[GateNotice]:
    """Reviewers' DMs about a review (to update them once it is decided)."""
    stmt = select(GateNotice).where(
        N.review_id == review_id,
        N.status == "sent",
        N.kind.in_(["request", "reminder", "escalated"]),
    )
    return await _all(session, stmt)


async def notice_counts(session: AsyncSession) -> dict[str, int]:
    stmt = select(N.status, func.count()).group_by(N.status)
    return {str(s): int(n) for s, n in (await session.exec(stmt)).all()}  # type: ignore[call-overload]


# --- audit chain ---------------------------------------------------------------------------


async def advance_audit_head(session: AsyncSession) -> tuple[int, str]:
    """Lock the head and take the next sequence number: (seq, previous hash)."""
    stmt = (
        update(AuditHead)
        .where(H.id == 1)
        .values(seq=H.seq + 1)
        .returning(H.seq, H.hash)
        .execution_options(synchronize_session=False)
    )
    seq, prev = (await session.exec(stmt)).one()  # type: ignore[call-overload]
    return int(seq), str(prev)


async def lock_audit_head(session: AsyncSession) -> None:
    """Take the head row's lock early (PostgreSQL row lock, SQLite's write lock) without
    advancing it: what follows in the transaction is serialized with every audited change."""
    await session.exec(update(AuditHead).where(H.id == 1).values(seq=H.seq))  # type: ignore[call-overload]


async def insert_audit(session: AsyncSession, entry: AuditEntry, digest: str) -> None:
    session.add(entry)
    await session.flush()
    await session.exec(update(AuditHead).where(H.id == 1).values(hash=digest))  # type: ignore[call-overload]


async def audit_entries(session: AsyncSession, use_case_id: int | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(A.seq)
    if use_case_id is not None:
        stmt = stmt.where(A.use_case_id == use_case_id)
    return await _all(session, stmt)


async def audit_head(session: AsyncSession) -> tuple[int, str]:
    row = (await session.exec(select(H.seq, H.hash).where(H.id == 1))).one()  # type: ignore[call-overload]
    return int(row[0]), str(row[1])


# --- tool catalog --------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogTool:
    tool_key: str
    label: str
    uses: str
    data_classes: str
    via: str | None


async def catalog(session: AsyncSession) -> list[CatalogTool]:
    stmt = (
        select(T.tool_key, T.label, TA.uses, TA.data_classes, TA.via)
        .select_from(ApprovedTool)
        .outerjoin(ToolApproval, TA.tool_key == T.tool_key)
        .order_by(func.lower(T.label))
    )
    return [
        CatalogTool(str(k), str(label), uses or "", classes or "", via)
        for k, label, uses, classes, via in (await session.exec(stmt)).all()  # type: ignore[call-overload]
    ]


async def upsert_tool_approval(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = _insert(session, ToolApproval).values(**values)
    keep = {k: stmt.excluded[k] for k in values if k != "tool_key"}
    await session.exec(stmt.on_conflict_do_update(index_elements=["tool_key"], set_=keep))  # type: ignore[call-overload]


async def open_tool_requests(session: AsyncSession) -> dict[str, int]:
    """tool_key -> id of a tool request still under review (so demand links to it)."""
    stmt = select(U.tool_key, U.id).where(
        U.kind == "tool_request", U.state.in_(["proposed", "in_review"])
    )
    return {str(k): int(i) for k, i in (await session.exec(stmt)).all()}  # type: ignore[call-overload]


# --- registry signals ----------------------------------------------------------------------


async def state_counts(session: AsyncSession) -> dict[str, int]:
    stmt = select(U.state, func.count()).where(U.kind == "use_case").group_by(U.state)
    return {str(s): int(n) for s, n in (await session.exec(stmt)).all()}  # type: ignore[call-overload]


async def registry_counts(session: AsyncSession, stuck_before: datetime) -> dict[str, int]:
    """Production, documented, survived rotation and stuck pilots, counted in SQL."""
    prod = and_(U.kind == "use_case", U.state == "production")
    stmt = select(
        func.count().filter(prod),
        func.count().filter(and_(prod, U.process_url.is_not(None))),
        func.count().filter(and_(prod, U.survived_rotation)),
        func.count().filter(
            and_(U.kind == "use_case", U.state == "pilot", U.pilot_at < stuck_before)
        ),
    ).select_from(UseCase)
    production, documented, survived, stuck = (await session.exec(stmt)).one()  # type: ignore[call-overload]
    return {
        "production": int(production),
        "documented": int(documented),
        "survived_rotation": int(survived),
        "stuck_pilots": int(stuck),
    }


async def measured_use_cases(session: AsyncSession, kind: str = "use_case") -> int:
    """Use cases with at least one recorded outcome that carries a measurement."""
    stmt = (
        select(func.count(func.distinct(OC.use_case_id)))
        .join(UseCase, U.id == OC.use_case_id)
        .where(U.kind == kind, OC.metric.is_not(None), OC.metric != "")
    )
    return int((await session.exec(stmt)).scalar_one())  # type: ignore[call-overload,attr-defined]


async def decided_reviews(session: AsyncSession) -> list[tuple[str, datetime, datetime, int]]:
    """(state, opened, decided, SLA days) of every decided review, for cycle times."""
    stmt = select(R.state, R.opened_at, R.decided_at, R.sla_days).where(R.decided_at.is_not(None))
    return [tuple(row) for row in (await session.exec(stmt)).all()]  # type: ignore[call-overload,misc]
