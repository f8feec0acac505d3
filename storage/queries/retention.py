"""Retention SQL: free text of old quarters is removed in place; every aggregate input stays.

Quarter labels (`2026Q4`) sort as text in time order, so "before quarter X" is a string
comparison the database does on its own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, delete, func, literal, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Answer, Disclosure, DisclosureReply

# Kept in place of a removed measurement note, so "measured" (a metric was given) still counts.
REMOVED = "(removed after the retention period)"
A: Any = Answer
DS: Any = Disclosure
R: Any = DisclosureReply


def _answer_text_left(before: str) -> Any:
    has_metric = and_(A.metric.is_not(None), A.metric != "", A.metric != REMOVED)
    return and_(A.quarter < before, or_(A.example.is_not(None), has_metric))


def _old_replies(before: str) -> Any:
    return R.disclosure_id.in_(select(DS.id).where(DS.quarter < before))


async def purge_before(session: AsyncSession, before: str) -> dict[str, int]:
    """Remove the free text of every quarter before `before`; returns rows changed per kind."""
    answers = (
        update(Answer)
        .where(_answer_text_left(before))
        .values(example=None, metric=_metric_marker())
        .execution_options(synchronize_session=False)
    )
    changed = {"answers": int((await session.exec(answers)).rowcount or 0)}  # type: ignore[call-overload]
    disclosures = (
        update(Disclosure)
        .where(DS.quarter < before, DS.make_it_easy.is_not(None))
        .values(make_it_easy=None)
        .execution_options(synchronize_session=False)
    )
    changed["disclosures"] = int((await session.exec(disclosures)).rowcount or 0)  # type: ignore[call-overload]
    replies = delete(DisclosureReply).where(_old_replies(before))
    changed["replies"] = int((await session.exec(replies)).rowcount or 0)  # type: ignore[call-overload]
    return changed


def _metric_marker() -> Any:
    """A given measurement note becomes the marker; an absent one stays absent."""
    return case((and_(A.metric.is_not(None), A.metric != ""), literal(REMOVED)), else_=A.metric)


async def text_left_before(session: AsyncSession, before: str) -> int:
    """How many stored free-text values belong to quarters before `before` (0 once purged)."""
    answers = select(func.count()).select_from(Answer).where(_answer_text_left(before))
    notes = (
        select(func.count())
        .select_from(Disclosure)
        .where(DS.quarter < before, DS.make_it_easy.is_not(None))
    )
    replies = select(func.count()).select_from(DisclosureReply).where(_old_replies(before))
    total = 0
    for stmt in (answers, notes, replies):
        total += int((await session.exec(stmt)).scalar_one())  # type: ignore[call-overload]
    return total
