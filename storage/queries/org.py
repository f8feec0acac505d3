"""Directory queries: who someone is, which team they are in, whom they manage."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, or_, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person, Team
from storage.types import utcnow


async def person_by_chat_id(session: AsyncSession, chat_user_id: str) -> Person | None:
    """The active person behind a chat user: a Slack user ID or a Teams `aad_object_id`.

    The two never collide (a Teams id is a GUID, a Slack id is not), so one look-up serves
    both platforms and the core stays platform-blind.
    """
    result = await session.exec(
        select(Person).where(
            or_(
                col(Person.slack_user_id) == chat_user_id,
                col(Person.aad_object_id) == chat_user_id,
            ),
            col(Person.active),
        )
    )
    return result.first()


person_by_slack_id = person_by_chat_id  # the name the core's callers use


async def note_answered_on(session: AsyncSession, person_id: int, chat_user_id: str) -> None:
    """Remember the platform the person answered on, so the next prompt goes there only."""
    platform = case((Person.aad_object_id == chat_user_id, "teams"), else_="slack")  # type: ignore[arg-type]
    stmt = update(Person).where(col(Person.id) == person_id).values(last_platform=platform)
    await session.exec(stmt)  # type: ignore[call-overload]


async def person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def team_by_id(session: AsyncSession, team_id: int) -> Team | None:
    return await session.get(Team, team_id)


async def team_size(session: AsyncSession, team_id: int) -> int:
    """Active people in the team now: the K-anonymity threshold is checked against this."""
    result = await session.exec(
        select(func.count())
        .select_from(Person)
        .where(Person.team_id == team_id, col(Person.active))
    )
    return int(result.one())


# Who sees which team: the directory decides (see `managed_team_ids`).
_SCOPE_TAIL = """
sizes AS (
    SELECT team_id, count(*) AS n FROM person
    WHERE active AND team_id IS NOT NULL GROUP BY team_id
),
mine AS (
    SELECT c.boss, m.team_id, count(*) AS k FROM chain c JOIN person m ON m.id = c.member
    WHERE m.active AND m.team_id IS NOT NULL AND m.id <> c.boss
    GROUP BY c.boss, m.team_id
)
SELECT mine.boss, mine.team_id FROM mine
JOIN sizes ON sizes.team_id = mine.team_id
JOIN person b ON b.id = mine.boss
WHERE mine.k * 2 > sizes.n - (CASE WHEN b.team_id = mine.team_id AND b.active THEN 1 ELSE 0 END)
ORDER BY mine.boss, mine.team_id
"""
# Everyone below one manager, directly or through their managers (UNION stops on cycles).
_ONE_MANAGER = text(
    "WITH RECURSIVE chain(boss, member) AS ("
    " SELECT manager_id, id FROM person WHERE manager_id = :manager"
    " UNION"
    " SELECT c.boss, p.id FROM chain c JOIN person p ON p.manager_id = c.member"
    "), " + _SCOPE_TAIL
)
# Every (manager, member) pair in the organisation, for all managers at once.
_ALL_MANAGERS = text(
    "WITH RECURSIVE chain(boss, member) AS ("
    " SELECT manager_id, id FROM person WHERE manager_id IS NOT NULL"
    " UNION"
    " SELECT p.manager_id, c.member FROM chain c JOIN person p ON p.id = c.boss"
    " WHERE p.manager_id IS NOT NULL"
    "), " + _SCOPE_TAIL
)


async def managed_team_ids(session: AsyncSession, manager_id: int) -> list[int]:
    """The teams a manager sees: those where more than half of the other active members
    report to them, directly or through managers who do. Managing one person of a team is
    not managing the team (that person's colleagues did not agree to be seen by them)."""
    result = await session.execute(_ONE_MANAGER, {"manager": manager_id})
    return [int(team) for _, team in result.all()]


async def managers(session: AsyncSession) -> list[Person]:
    """Everyone who sees at least one team by the rule of `managed_team_ids`."""
    result = await session.execute(_ALL_MANAGERS)
    ids = {int(boss) for boss, _ in result.all()}
    if not ids:
        return []
    people = await session.exec(select(Person).where(col(Person.id).in_(ids), col(Person.active)))
    return list(people.all())


async def active_people_count(session: AsyncSession) -> int:
    result = await session.exec(select(func.count()).select_from(Person).where(col(Person.active)))
    return int(result.one())


async def reachable_people(session: AsyncSession) -> tuple[int, int]:
    """(active people, active people with a Slack or Teams ID): who can be asked at all."""
    has_id = or_(col(Person.slack_user_id).is_not(None), col(Person.aad_object_id).is_not(None))
    reachable = func.coalesce(func.sum(case((has_id, 1), else_=0)), 0)
    stmt = select(func.count(), reachable).select_from(Person).where(col(Person.active))
    active, found = (await session.exec(stmt)).one()
    return int(active), int(found)


async def _teams_by_name(session: AsyncSession, names: set[str]) -> tuple[dict[str, Team], int]:
    """Existing teams by name, creating the missing ones; returns the map and how many were new."""
    result = await session.exec(select(Team).where(col(Team.name).in_(names)))
    teams = {t.name: t for t in result.all()}
    new = [Team(name=n) for n in sorted(names - teams.keys())]
    session.add_all(new)
    await session.flush()
    teams.update({t.name: t for t in new})
    return teams, len(new)


async def _people_by_email(session: AsyncSession) -> dict[str, Person]:
    result = await session.exec(select(Person))
    return {p.email: p for p in result.all()}


async def _release_chat_ids(
    session: AsyncSession, people: dict[str, Person], wanted: dict[str, str | None]
) -> None:
    """Clear chat IDs that are about to move to someone else, so the unique key never clashes."""
    for email, person in people.items():
        if person.slack_user_id and wanted.get(email, person.slack_user_id) != person.slack_user_id:
            person.slack_user_id = None
    await session.flush()


async def _release_aad_ids(
    session: AsyncSession, people: dict[str, Person], wanted: dict[str, str]
) -> None:
    """The same for Teams ids: free an `aad_object_id` the file moves (to or from someone)."""
    owner = {aad: email for email, aad in wanted.items()}
    for email, person in people.items():
        held = person.aad_object_id
        if held and (wanted.get(email, held) != held or owner.get(held, email) != email):
            person.aad_object_id = None
    await session.flush()


async def apply_directory(
    session: AsyncSession, rows: list[Any], deactivate_missing: bool
) -> tuple[int, int, int, int]:
    """Upsert people by e-mail; returns (created, updated, deactivated, teams created)."""
    teams, teams_created = await _teams_by_name(session, {r.team for r in rows})
    people = await _people_by_email(session)
    await _release_chat_ids(
        session, people, {r.email: r.slack_user_id for r in rows if r.slack_user_id}
    )
    aad_ids = {r.email: r.aad_object_id for r in rows if getattr(r, "aad_object_id", None)}
    await _release_aad_ids(session, people, aad_ids)
    created = updated = 0
    now = utcnow()
    for row in rows:
        person = people.get(row.email)
        if person is None:
            person = Person(email=row.email, name=row.name)
            people[row.email] = person
            session.add(person)
            created += 1
        else:
            updated += 1
        person.name, person.team_id, person.active, person.updated_at = (
            row.name,
            teams[row.team].id,
            True,
            now,
        )
        if row.slack_user_id:
            person.slack_user_id = row.slack_user_id
        if getattr(row, "aad_object_id", None):
            person.aad_object_id = row.aad_object_id
        if row.tz:
            person.tz = row.tz
    await session.flush()
    for row in rows:
        manager = people.get(row.manager_email) if row.manager_email else None
        people[row.email].manager_id = manager.id if manager else None
    deactivated = 0
    if deactivate_missing:
        listed = {r.email for r in rows}
        for email, person in people.items():
            if email not in listed and person.active:
                person.active, person.updated_at = False, now
                deactivated += 1
    return created, updated, deactivated, teams_created


async def apply_group_sync(
    session: AsyncSession, users: list[Any], team_of: dict[str, tuple[str, str]]
) -> tuple[int, int, int, int]:
    """Upsert people from chat groups; returns (created, updated, deactivated=0, teams)."""
    names = {team_of[u.chat_user_id][0] for u in users}
    teams, teams_created = await _teams_by_name(session, names)
    for user in users:
        team = teams[team_of[user.chat_user_id][0]]
        team.slack_usergroup_id = team_of[user.chat_user_id][1]
    people = await _people_by_email(session)
    await _release_chat_ids(session, people, {u.email.lower(): u.chat_user_id for u in users})
    created = updated = 0
    for user in users:
        email = user.email.lower()
        person = people.get(email)
        if person is None:
            person = Person(email=email, name=user.name)
            people[email] = person
            session.add(person)
            created += 1
        else:
            updated += 1
        person.name, person.slack_user_id, person.tz = user.name, user.chat_user_id, user.tz
        person.team_id, person.active, person.updated_at = (
            teams[team_of[user.chat_user_id][0]].id,
            True,
            utcnow(),
        )
    await session.flush()
    return created, updated, 0, teams_created
