"""The data version: a counter moved in the same transaction as any change that feeds a view.

Views that are expensive to compute (the stage report, App Home, team summaries, the chart) are
cached under this number (`bot.core.cache`). Moving it inside the writing transaction means a
reader can never see the new data with the old number, on any replica: whoever reads the
number *before* computing and stores the result under it can at worst store fresh data under
an old number, which the next reader, seeing a newer number, ignores.

Nobody has to remember to bump it: every session the app opens is a `TrackedSession`, which
notices writes (ORM flushes and INSERT/UPDATE/DELETE statements) to tables that feed views and
adds one `UPDATE data_version` just before the commit. Tables listed in `UNTRACKED` hold
bookkeeping no view reads; a delivery row's claim and lease traffic is ignored too, since only
an outcome changes a figure (sent prompts are the response rate's denominator).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, TextClause, event, select, update
from sqlalchemy.orm import ORMExecuteState
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.orm.session import Session

from storage.models.coordination import DATA_VERSION_ROW, DataVersion

UNTRACKED = frozenset(
    {"data_version", "rate_limit_state", "submissionguard", "seenrequest", "alembic_version"}
) | {"gatenotice"}  # the review gates' outbox: no view reads it
UNTRACKED |= {"teamrelease"}  # written by a read: it stores what that read computed
# Delivery statuses that are pure bookkeeping of the outbox (claims, leases, rescheduling).
_QUIET_DELIVERY = frozenset({"claimed", "pending"})
_CHANGED = "leverage_data_changed"
# An execution option for a write that no view reads although its table feeds views (a team
# summary's delivery outcome): `stmt.execution_options(**{VIEWS_UNCHANGED: True})`.
VIEWS_UNCHANGED = "leverage_views_unchanged"
_DML_WORDS = ("insert", "update", "delete", "replace", "merge", "truncate")


class TrackedSession(Session):
    """The synchronous session behind every `AsyncSession` the app opens; see the module doc."""


def _table_name(statement: Any) -> str | None:
    table = getattr(statement, "table", None)
    return table.name if isinstance(table, Table) else None


def _quiet_delivery_update(statement: Any) -> bool:
    """An UPDATE of delivery rows that only claims, renews or reschedules them."""
    if getattr(statement, "is_update", False) is not True:
        return False
    values = {getattr(k, "key", k): getattr(v, "value", v) for k, v in statement._values.items()}
    return "status" not in values or values["status"] in _QUIET_DELIVERY


def changes_views(statement: Any) -> bool:
    """Whether a write statement may change what a view shows (unknown SQL counts as yes)."""
    if isinstance(statement, TextClause):
        return statement.text.lstrip().lower().startswith(_DML_WORDS)
    name = _table_name(statement)
    if name is None:
        return True
    if name == "delivery":
        return not _quiet_delivery_update(statement)
    return name not in UNTRACKED


@event.listens_for(TrackedSession, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    is_text = isinstance(statement, TextClause)
    if state.execution_options.get(VIEWS_UNCHANGED):
        return
    if (state.is_insert or state.is_update or state.is_delete or is_text) and changes_views(
        statement
    ):
        state.session.info[_CHANGED] = True


@event.listens_for(TrackedSession, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__table__", None)
        if not isinstance(table, Table) or table.name not in UNTRACKED:
            session.info[_CHANGED] = True
            return


@event.listens_for(TrackedSession, "before_commit")
def _bump(session: Session) -> None:
    session.flush()  # commit flushes after this hook: catch objects added but not yet flushed
    if session.info.pop(_CHANGED, False):
        session.execute(
            update(DataVersion)
            .where(DataVersion.id == DATA_VERSION_ROW)  # type: ignore[arg-type]
            .values(version=DataVersion.version + 1)
        )
        session.info.pop(_CHANGED, None)


@event.listens_for(TrackedSession, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_CHANGED, None)


async def current_version(session: AsyncSession) -> int:
    """The committed version (0 before anything was written)."""
    query = select(DataVersion.__table__.c.version).where(  # type: ignore[attr-defined]
        DataVersion.__table__.c.id == DATA_VERSION_ROW  # type: ignore[attr-defined]
    )
    result = await session.exec(query)  # type: ignore[call-overload]
    return int(result.scalar_one_or_none() or 0)
