"""Aggregate queries behind the capability signals: every count is a GROUP BY in the database.

Conditional counts are `SUM(CASE WHEN … THEN 1 ELSE 0 END)` so that the same SQL runs on SQLite
and PostgreSQL; results are one small row per quarter (or per team in one quarter), never one
row per answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, null, or_, select, union, union_all
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.vocabulary import COVERT_REASONS, OBSTACLES
from storage.models import Answer, ApprovedTool, Campaign, Delivery, Disclosure, Person, Team

A, D = Answer, Disclosure
EXAMPLE = A.has_example == True  # noqa: E712 (renders as = 1 / = true per dialect)
ESTABLISHED = A.establishment.in_(("team", "production"))  # type: ignore[attr-defined]
# Production: documented in a process, spread beyond one person, and it would continue
# without them (the named-individual test).
PRODUCTION = and_(
    EXAMPLE,
    A.establishment == "production",
    A.continues_without_me == "yes",
    A.spread.in_(("my_team", "several_teams")),  # type: ignore[union-attr]
)
# Repeatable practice: more than a one-off, and it would continue if the person left.
REPEATABLE = and_(
    EXAMPLE,
    A.establishment.in_(("regular", "team", "production")),  # type: ignore[attr-defined]
    A.continues_without_me == "yes",
)
# The optional maturity questions left empty: unknown, so never counted as production.
UNANSWERED = or_(
    A.establishment.is_(None),  # type: ignore[union-attr]
    A.continues_without_me.is_(None),  # type: ignore[union-attr]
    A.spread.is_(None),  # type: ignore[union-attr]
)
# Disclosures enter figures only once released, in batches of at least K
# (`bot.core.disclosures`): two readings never differ by one disclosure.
RELEASED = D.released == True  # noqa: E712
MEASURED = and_(
    EXAMPLE,
    or_(A.hours_saved_per_month > 0, and_(A.metric.is_not(None), A.metric != "")),  # type: ignore[union-attr,operator]
)


def count_if(condition: ColumnElement[Any]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _answer_columns() -> list[Any]:
    cols = [
        func.count().label("answered"),
        count_if(EXAMPLE).label("with_example"),
        count_if(and_(EXAMPLE, A.tool_approved == "approved")).label("approved"),
        count_if(and_(EXAMPLE, A.tool_approved == "not_approved")).label("not_approved"),
        count_if(and_(EXAMPLE, A.tool_approved == "unknown")).label("approval_unknown"),
        count_if(and_(EXAMPLE, A.continues_without_me == "yes")).label("continues"),
        count_if(and_(EXAMPLE, UNANSWERED)).label("maturity_unknown"),
        count_if(PRODUCTION).label("production_answers"),
        count_if(MEASURED).label("measured"),
        func.coalesce(func.sum(case((EXAMPLE, A.hours_saved_per_month), else_=0)), 0).label(
            "hours_saved"
        ),
    ]
    for key in OBSTACLES:
        cols.append(count_if(getattr(A, f"obstacle_{key}") == True).label(f"obstacle_{key}"))  # noqa: E712
    return cols


def _disclosure_columns() -> list[Any]:
    cols = [func.count().label("disclosures")]
    for key in COVERT_REASONS:
        cols.append(count_if(getattr(D, f"reason_{key}") == True).label(f"reason_{key}"))  # noqa: E712
    return cols


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result.all()]


async def answers_by_quarter(session: AsyncSession) -> list[dict[str, Any]]:
    stmt = select(A.quarter, *_answer_columns()).group_by(A.quarter)
    return _rows(await session.exec(stmt))


async def answers_by_team(
    session: AsyncSession, quarter: str, team_ids: Sequence[int]
) -> list[dict[str, Any]]:
    stmt = (
        select(A.team_id, *_answer_columns())
        .where(A.quarter == quarter, A.team_id.in_(list(team_ids)))  # type: ignore[union-attr]
        .group_by(A.team_id)
    )
    return _rows(await session.exec(stmt))


async def answers_by_quarter_team(session: AsyncSession) -> list[dict[str, Any]]:
    """The answer counts per quarter and team (the team when answered; None for no team):
    the cells of the figure table, whose sums are the organisation's figures."""
    stmt = select(A.quarter, A.team_id, *_answer_columns()).group_by(A.quarter, A.team_id)
    return _rows(await session.exec(stmt))


def _grouped(stmt: Any, teams: Sequence[int], *keys: Any) -> Any:
    """`stmt` per quarter, the `keys`, and group: the team when it is one of `teams`, else None
    (everybody else, counted together) in column `team_id`."""
    if not teams:  # no team on its own (and no constant in GROUP BY, which PostgreSQL refuses)
        return stmt.add_columns(null().label("team_id")).group_by(A.quarter, *keys)
    group = case((A.team_id.in_(list(teams)), A.team_id), else_=None)  # type: ignore[union-attr]
    return stmt.add_columns(group.label("team_id")).group_by(A.quarter, group, *keys)


async def answers_by_quarter_group(
    session: AsyncSession, teams: Sequence[int]
) -> list[dict[str, Any]]:
    """The answer counts per quarter for each of `teams` and for everybody else together
    (team_id None): the cells of the figure table when teams publish their breakdowns."""
    return _rows(await session.exec(_grouped(select(A.quarter, *_answer_columns()), teams)))


async def answers_with_team_counts(session: AsyncSession) -> list[dict[str, Any]]:
    """In one statement (so one snapshot): every count per quarter for the organisation
    (`org` true), and the number of answers alone per quarter and team (`org` false; the team
    when answered, None for no team). What the figure table needs when teams publish their
    participation only, without a row of every count for each of thousands of teams."""
    cols = _answer_columns()
    org = select(A.quarter.label("quarter"), null().label("team_id"), literal(True).label("org"),
                 *cols).group_by(A.quarter)  # fmt: skip
    per_team = select(
        A.quarter.label("quarter"),
        A.team_id.label("team_id"),
        literal(False).label("org"),
        func.count().label("answered"),
        *(null().label(c.name) for c in cols[1:]),
    ).group_by(A.quarter, A.team_id)
    out = []
    for row in (await session.exec(union_all(org, per_team))).all():  # type: ignore[call-overload]
        if row.org:
            out.append(dict(row._mapping))
        else:  # tens of thousands of rows: no mapping of 20 columns, most of them NULL
            out.append({"quarter": row[0], "team_id": row[1], "org": False, "answered": row[3]})
    return out


async def themes_by_quarter_group(
    session: AsyncSession, teams: Sequence[int]
) -> list[dict[str, Any]]:
    """People with an example per quarter and kind of work, for each of `teams` and for
    everybody else together (team_id None)."""
    stmt = select(A.quarter, A.work_kind, func.count().label("people")).where(
        EXAMPLE,
        A.work_kind.is_not(None),  # type: ignore[union-attr]
    )
    return _rows(await session.exec(_grouped(stmt, teams, A.work_kind)))


async def themes_by_quarter_team(session: AsyncSession) -> list[dict[str, Any]]:
    """People with an example per quarter, team and kind of work."""
    stmt = (
        select(A.quarter, A.team_id, A.work_kind, func.count().label("people"))
        .where(EXAMPLE, A.work_kind.is_not(None))  # type: ignore[union-attr]
        .group_by(A.quarter, A.team_id, A.work_kind)
    )
    return _rows(await session.exec(stmt))


async def asked_by_quarter_team(session: AsyncSession) -> list[dict[str, Any]]:
    """Who was asked, per quarter and team: everyone sent the prompt (in their team now) and
    everyone who answered (in the team they answered from), each person once. Counting the
    answerers in means a response rate never exceeds 100%, whoever joined, left or moved
    during the campaign."""
    prompted = (
        select(
            Delivery.campaign_id.label("quarter"),  # type: ignore[attr-defined]
            Person.team_id.label("team_id"),  # type: ignore[union-attr]
            Delivery.person_id.label("person_id"),  # type: ignore[attr-defined]
        )
        .join(Person, Person.id == Delivery.person_id)
        .where(Delivery.kind == "prompt", Delivery.status == "sent")
    )
    answered = select(
        A.quarter.label("quarter"),  # type: ignore[attr-defined]
        A.team_id.label("team_id"),  # type: ignore[union-attr]
        A.person_id.label("person_id"),  # type: ignore[attr-defined]
    )
    both = union(prompted, answered).subquery()
    stmt = select(both.c.quarter, both.c.team_id, func.count()).group_by(
        both.c.quarter, both.c.team_id
    )
    rows = (await session.exec(stmt)).all()
    return [{"quarter": q, "team_id": t, "asked": n} for q, t, n in rows]


async def asked_by_quarter(session: AsyncSession) -> dict[str, int]:
    """Distinct people asked per quarter, org-wide (see `asked_by_quarter_team`)."""
    prompted = select(
        Delivery.campaign_id.label("quarter"),  # type: ignore[attr-defined]
        Delivery.person_id.label("person_id"),  # type: ignore[attr-defined]
    ).where(Delivery.kind == "prompt", Delivery.status == "sent")
    answered = select(A.quarter.label("quarter"), A.person_id.label("person_id"))  # type: ignore[attr-defined]
    both = union(prompted, answered).subquery()
    stmt = select(both.c.quarter, func.count()).group_by(both.c.quarter)
    return {str(q): int(n) for q, n in (await session.exec(stmt)).all()}


async def tool_kinds_by_quarter(session: AsyncSession) -> list[dict[str, Any]]:
    stmt = (
        select(D.quarter, D.tool_kind, func.count().label("count"))
        .where(RELEASED)
        .group_by(D.quarter, D.tool_kind)
    )
    return _rows(await session.exec(stmt))


async def disclosures_by_quarter(session: AsyncSession) -> list[dict[str, Any]]:
    stmt = select(D.quarter, *_disclosure_columns()).where(RELEASED).group_by(D.quarter)
    return _rows(await session.exec(stmt))


async def disclosures_by_team(
    session: AsyncSession, quarter: str, team_ids: Sequence[int]
) -> list[dict[str, Any]]:
    stmt = (
        select(D.team_id, *_disclosure_columns())
        .where(D.quarter == quarter, RELEASED, D.team_id.in_(list(team_ids)))  # type: ignore[union-attr]
        .group_by(D.team_id)
    )
    return _rows(await session.exec(stmt))


async def use_cases_by_quarter(session: AsyncSession) -> list[dict[str, Any]]:
    """Distinct (team, work kind) use cases: in production, or piloted by a team but not yet."""
    per_case = (
        select(
            A.quarter.label("quarter"),
            func.max(case((PRODUCTION, 1), else_=0)).label("prod"),
        )
        .where(EXAMPLE, ESTABLISHED)
        .group_by(A.quarter, A.team_id, A.work_kind)
        .subquery()
    )
    stmt = select(
        per_case.c.quarter,
        func.sum(per_case.c.prod).label("production"),
        func.sum(1 - per_case.c.prod).label("pilots"),
    ).group_by(per_case.c.quarter)
    return _rows(await session.exec(stmt))


async def work_kinds_by_quarter(
    session: AsyncSession, quarter: str | None = None, team_ids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """People per work kind, and how many of them practise it repeatably, across how many teams."""
    stmt = select(
        A.quarter,
        A.work_kind,
        func.count().label("people"),
        count_if(REPEATABLE).label("repeatable_people"),
        func.count(func.distinct(case((REPEATABLE, A.team_id), else_=None))).label(
            "repeatable_teams"
        ),
    ).where(EXAMPLE, A.work_kind.is_not(None))  # type: ignore[union-attr]
    if quarter is not None:
        stmt = stmt.where(A.quarter == quarter)
    if team_ids is not None:
        stmt = stmt.where(A.team_id.in_(list(team_ids)))  # type: ignore[union-attr]
    return _rows(await session.exec(stmt.group_by(A.quarter, A.work_kind)))


async def themes_by_team(
    session: AsyncSession, quarter: str, team_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    stmt = (
        select(A.team_id, A.work_kind, func.count())
        .where(
            A.quarter == quarter,
            EXAMPLE,
            A.work_kind.is_not(None),  # type: ignore[union-attr]
            A.team_id.in_(list(team_ids)),  # type: ignore[union-attr]
        )
        .group_by(A.team_id, A.work_kind)
    )
    out: dict[int, dict[str, int]] = {}
    for team, kind, n in (await session.exec(stmt)).all():
        out.setdefault(int(team), {})[str(kind)] = int(n)
    return out


async def prompted_by_quarter(session: AsyncSession) -> dict[str, int]:
    stmt = (
        select(Delivery.campaign_id, func.count())
        .where(Delivery.kind == "prompt", Delivery.status == "sent")
        .group_by(Delivery.campaign_id)
    )
    return {str(q): int(n) for q, n in (await session.exec(stmt)).all()}


async def prompted_by_team(
    session: AsyncSession, quarter: str, team_ids: Sequence[int]
) -> dict[int, int]:
    stmt = (
        select(Person.team_id, func.count())
        .select_from(Delivery)
        .join(Person, Person.id == Delivery.person_id)
        .where(
            Delivery.campaign_id == quarter,
            Delivery.kind == "prompt",
            Delivery.status == "sent",
            Person.team_id.in_(list(team_ids)),  # type: ignore[union-attr]
        )
        .group_by(Person.team_id)
    )
    return {int(t): int(n) for t, n in (await session.exec(stmt)).all()}


async def demand_by_tool(session: AsyncSession, quarter: str) -> list[dict[str, Any]]:
    """Disclosed tools outside the approved catalog, per tool and work kind."""
    stmt = (
        select(D.tool_key, D.work_kind, func.min(D.tool_kind).label("tool_kind"), func.count())
        .outerjoin(ApprovedTool, ApprovedTool.tool_key == D.tool_key)
        .where(D.quarter == quarter, RELEASED, ApprovedTool.tool_key.is_(None))  # type: ignore[union-attr]
        .group_by(D.tool_key, D.work_kind)
    )
    return [
        {"tool_key": t, "work_kind": w, "tool_kind": k, "count": int(n)}
        for t, w, k, n in (await session.exec(stmt)).all()
    ]


async def demand_by_quarter(session: AsyncSession) -> list[dict[str, Any]]:
    """Disclosed tools outside the approved catalog, per quarter, tool and work kind."""
    stmt = (
        select(D.quarter, D.tool_key, D.work_kind, func.count())
        .outerjoin(ApprovedTool, ApprovedTool.tool_key == D.tool_key)
        .where(RELEASED, ApprovedTool.tool_key.is_(None))  # type: ignore[union-attr]
        .group_by(D.quarter, D.tool_key, D.work_kind)
    )
    return [
        {"quarter": q, "tool_key": t, "work_kind": w, "count": int(n)}
        for q, t, w, n in (await session.exec(stmt)).all()
    ]


async def campaign_quarters(session: AsyncSession) -> list[str]:
    return [str(q) for q in (await session.exec(select(Campaign.id))).scalars().all()]  # type: ignore[attr-defined]


async def quarters(session: AsyncSession) -> list[str]:
    """Every quarter with a campaign, an answer or a disclosure, oldest first."""
    stmt = union(
        select(Campaign.id.label("q")),
        select(A.quarter.label("q")).distinct(),
        select(D.quarter.label("q")).where(RELEASED).distinct(),
    )
    return sorted({str(q) for (q,) in (await session.exec(stmt)).all()})


async def team_sizes(session: AsyncSession) -> dict[int, int]:
    stmt = (
        select(Person.team_id, func.count())
        .where(Person.active, Person.team_id.is_not(None))  # type: ignore[arg-type,union-attr]
        .group_by(Person.team_id)
    )
    return {int(t): int(n) for t, n in (await session.exec(stmt)).all()}


async def team_names(
    session: AsyncSession, team_ids: Sequence[int] | None = None
) -> dict[int, str]:
    """Names of the given teams, or of every team (None): the whole directory is read without
    binding an id per team, which would fail beyond 32,767 teams (PostgreSQL's wire limit)."""
    stmt = select(Team.id, Team.name)
    if team_ids is not None:
        stmt = stmt.where(Team.id.in_(list(team_ids)))  # type: ignore[union-attr]
    return {int(t): str(n) for t, n in (await session.exec(stmt)).all()}


async def consented_examples(
    session: AsyncSession, quarter: str, team_id: int, limit: int = 5
) -> list[dict[str, Any]]:
    """Examples whose authors agreed to share them by name with the team; nobody else's."""
    stmt = (
        select(Person.name, A.work_kind, A.example)
        .select_from(A)
        .join(Person, Person.id == A.person_id)
        .where(
            A.quarter == quarter,
            A.team_id == team_id,
            A.share_consent == True,  # noqa: E712
            EXAMPLE,
            A.example.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(A.id)
        .limit(limit)
    )
    return [
        {"name": n, "work_kind": w, "example": e} for n, w, e in (await session.exec(stmt)).all()
    ]


async def baseline_counts(session: AsyncSession) -> int:
    """The bench's yardstick: a bare count per team and quarter over answers and disclosures."""
    total = 0
    for table in (A, D):
        stmt = select(table.team_id, table.quarter, func.count()).group_by(
            table.team_id, table.quarter
        )
        total += len((await session.exec(stmt)).all())
    return total
