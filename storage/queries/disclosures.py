"""All SQL for blameless disclosures: insert, submit guards, replies, notes, catalog, counts.

Nothing here takes or returns a person for a disclosure: the one place identity is written is
`insert_contact`, and only when someone asked to be contacted.

Insertion order is hidden from readers of the database, its files and its backups. A B-tree or
a heap remembers arrival: SQLite puts each new cell at the end of its page's free space (below
the previous ones) and allocates overflow pages in turn, even in a WITHOUT ROWID table keyed by
a random id; PostgreSQL appends to the heap (`ctid`) and stamps each row with its inserting
transaction (`xmin`). `shuffle_quarter` therefore deletes the quarter's rows and inserts them
again in random order, inside the submitting transaction, on both backends: afterwards cell
offsets, overflow page numbers, `ctid`, `pg_dump` order and `xmin` follow a fresh random order
(one `xmin` for all). `shuffle_guards` does the same to the submit guards, which are written
in the same transaction and would otherwise keep each submission's `xmin` and arrival order.
Stale copies of the earlier layout are erased after the commit (`Database.erase_traces`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select, text, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.vocabulary import COVERT_REASONS
from storage.models import (
    ApprovedTool,
    Campaign,
    Disclosure,
    DisclosureContact,
    DisclosureReply,
    Person,
    QuarterNote,
    SubmissionGuard,
)

REASON_COLUMNS = tuple(COVERT_REASONS)

# One statement: the DELETE's rows are re-inserted in random order before the statement ends, so
# the reply foreign key (checked at statement end) never sees them missing.
_SHUFFLE_SQL = text(
    "WITH moved AS (DELETE FROM disclosure WHERE quarter = :quarter RETURNING *) "
    "INSERT INTO disclosure SELECT * FROM moved ORDER BY random()"
)
# Above SHUFFLE_CAP rows a full rewrite would cost too much of Slack's 3-second budget (measured
# on PostgreSQL 15: ~20 ms at 1,000 rows, ~180 ms at 10,000, ~1.25 s at 50,000), so the new row
# is rewritten together with SHUFFLE_CAP random others: it then hides among that many.
SHUFFLE_CAP = 5000
_SAMPLED_SHUFFLE_SQL = text(
    "WITH picked AS (SELECT id FROM disclosure WHERE quarter = :quarter AND id <> :new "
    "ORDER BY random() LIMIT :cap), "
    "moved AS (DELETE FROM disclosure WHERE quarter = :quarter "
    "AND (id = :new OR id IN (SELECT id FROM picked)) RETURNING *) "
    "INSERT INTO disclosure SELECT * FROM moved ORDER BY random()"
)
# The submit guards: one per disclosure of the last quarter or so. Rewritten whole up to
# SHUFFLE_CAP rows, else the new guard with SHUFFLE_CAP random others (as for disclosures).
_GUARD_SHUFFLE_SQL = text(
    "WITH moved AS (DELETE FROM submissionguard WHERE token_hash = :new OR token_hash IN "
    "(SELECT token_hash FROM submissionguard WHERE token_hash <> :new "
    "ORDER BY random() LIMIT :cap) RETURNING *) "
    "INSERT INTO submissionguard SELECT * FROM moved ORDER BY random()"
)
_SQLITE_GUARD_STEPS = (
    "CREATE TEMP TABLE guard_moved AS SELECT * FROM submissionguard WHERE 0",
    "INSERT INTO temp.guard_moved SELECT * FROM submissionguard WHERE token_hash = :new "
    "OR token_hash IN (SELECT token_hash FROM submissionguard WHERE token_hash <> :new "
    "ORDER BY random() LIMIT :cap)",
    "DELETE FROM submissionguard WHERE token_hash IN (SELECT token_hash FROM temp.guard_moved)",
    "INSERT INTO submissionguard SELECT * FROM temp.guard_moved ORDER BY random()",
    "DROP TABLE temp.guard_moved",
)
_SQLITE_STAGE = text("CREATE TEMP TABLE disclosure_moved AS SELECT * FROM disclosure WHERE 0")
_SQLITE_PICK_ALL = text(
    "INSERT INTO temp.disclosure_moved SELECT * FROM disclosure WHERE quarter = :quarter"
)
_SQLITE_PICK_SAMPLE = text(
    "INSERT INTO temp.disclosure_moved SELECT * FROM disclosure WHERE quarter = :quarter "
    "AND (id = :new OR id IN (SELECT id FROM disclosure WHERE quarter = :quarter "
    "AND id <> :new ORDER BY random() LIMIT :cap))"
)


# ---------------------------------------------------------------- submission


async def lock_quarter(session: AsyncSession, quarter: str) -> None:
    """Serialise submissions per quarter on PostgreSQL, so the shuffle always sees every row.

    Without it two concurrent submitters would each rewrite only the rows they can see, and the
    last row would keep an `xmin` of its own.
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"disclosure:{quarter}"}
    )


async def guard_seen(session: AsyncSession, token_hash: str) -> bool:
    return await session.get(SubmissionGuard, token_hash) is not None


async def insert_guard(
    session: AsyncSession, token_hash: str, today: date, expires_on: date
) -> None:
    """Remember a form nonce (hashed); expired guards are dropped on the way."""
    await session.execute(delete(SubmissionGuard).where(SubmissionGuard.expires_on < today))  # type: ignore[arg-type]
    session.add(SubmissionGuard(token_hash=token_hash, expires_on=expires_on))


async def shuffle_guards(session: AsyncSession, new_hash: str, *, postgres: bool) -> None:
    """Rewrite the submit guards in random order, in the submitting transaction.

    A guard row is as telling as a disclosure row: on PostgreSQL it would keep the `xmin` of
    its own submission, in heap order, until it expires after the quarter; on SQLite its cell
    offset would keep arrival order. After this every guard shares the transaction of the
    newest submission (which the disclosures' shuffle already shows) and a random position.
    """
    params = {"new": new_hash, "cap": SHUFFLE_CAP}
    if postgres:
        await session.execute(_GUARD_SHUFFLE_SQL, params)
        return
    for step in _SQLITE_GUARD_STEPS:
        await session.execute(text(step), params)


async def insert_disclosure(
    session: AsyncSession, disclosure: Disclosure, contact: DisclosureContact | None
) -> None:
    if contact is not None:
        session.add(contact)
    session.add(disclosure)
    await session.flush()


async def shuffle_quarter(
    session: AsyncSession, quarter: str, new_id: str, *, postgres: bool, full: bool = False
) -> None:
    """Rewrite the quarter's rows in random order (see the module docstring).

    Up to SHUFFLE_CAP rows, every row of the quarter is rewritten. Beyond it, the new row and
    SHUFFLE_CAP random others are, which keeps a submission's cost bounded while the newest row
    still hides among thousands. `full` rewrites every row whatever their number: after a
    release changed a batch of rows, none of them may stay where the change left it.
    """
    sampled = not full and await quarter_count(session, quarter) > SHUFFLE_CAP + 1
    params = {"quarter": quarter, "new": new_id, "cap": SHUFFLE_CAP}
    if postgres:
        await session.execute(_SAMPLED_SHUFFLE_SQL if sampled else _SHUFFLE_SQL, params)
        return
    # SQLite has no data-modifying CTE: stage the rows in an in-memory temporary table. The
    # replies' foreign key is checked at commit, when every row is back.
    await session.execute(text("PRAGMA defer_foreign_keys = ON"))
    await session.execute(_SQLITE_STAGE)
    await session.execute(_SQLITE_PICK_SAMPLE if sampled else _SQLITE_PICK_ALL, params)
    await session.execute(
        text("DELETE FROM disclosure WHERE id IN (SELECT id FROM temp.disclosure_moved)")
    )
    await session.execute(
        text("INSERT INTO disclosure SELECT * FROM temp.disclosure_moved ORDER BY random()")
    )
    await session.execute(text("DROP TABLE temp.disclosure_moved"))


async def open_campaign_id(session: AsyncSession, wanted: str | None) -> str | None:
    """The campaign a disclosure belongs to: the one named (if open), else the newest open one."""
    if wanted:
        campaign = await session.get(Campaign, wanted)
        if campaign is not None and campaign.status == "open":
            return campaign.id
    result = await session.execute(
        select(Campaign.id).where(Campaign.status == "open").order_by(Campaign.opens_at.desc())  # type: ignore[attr-defined]
    )
    return result.scalars().first()


# ---------------------------------------------------------------- claim codes, replies, notes


async def disclosure_by_claim(session: AsyncSession, claim_hash: str) -> Disclosure | None:
    result = await session.execute(select(Disclosure).where(Disclosure.claim_hash == claim_hash))
    return result.scalars().first()


async def disclosure_by_id(session: AsyncSession, disclosure_id: str) -> Disclosure | None:
    return await session.get(Disclosure, disclosure_id)


async def released_ids(session: AsyncSession) -> list[tuple[str, str]]:
    """(id, quarter) of every released disclosure: to find the one behind an admin's short
    reference (an unreleased one has none yet)."""
    result = await session.execute(
        select(Disclosure.id, Disclosure.quarter).where(Disclosure.released == True)  # noqa: E712
    )
    return [(str(i), str(q)) for i, q in result.all()]


async def release_pending(session: AsyncSession, quarter: str, at_least: int) -> int:
    """Release the quarter's unreleased disclosures when there are at least `at_least` of them
    (1 releases any); returns how many were released (0 when too few)."""
    pending = Disclosure.quarter == quarter, Disclosure.released == False  # noqa: E712
    count = (await session.execute(select(func.count()).where(*pending))).scalar_one()
    if not count or count < at_least:
        return 0
    await session.execute(update(Disclosure).where(*pending).values(released=True))
    return int(count)


async def replies_for(session: AsyncSession, disclosure_id: str) -> list[DisclosureReply]:
    result = await session.execute(
        select(DisclosureReply)
        .where(DisclosureReply.disclosure_id == disclosure_id)
        .order_by(DisclosureReply.created_at, DisclosureReply.id)  # type: ignore[arg-type]
    )
    return list(result.scalars().all())


async def add_reply(session: AsyncSession, reply: DisclosureReply) -> None:
    session.add(reply)


async def note_for(session: AsyncSession, quarter: str) -> QuarterNote | None:
    return await session.get(QuarterNote, quarter)


async def upsert_note(session: AsyncSession, quarter: str, body: str, author: str) -> None:
    note = await session.get(QuarterNote, quarter)
    if note is None:
        session.add(QuarterNote(quarter=quarter, body=body, author=author))
    else:
        note.body, note.author = body, author


# ---------------------------------------------------------------- catalog and demand


async def tool_approved(session: AsyncSession, tool_key: str) -> bool:
    """Whether a tool is in the approved catalog already."""
    return await session.get(ApprovedTool, tool_key) is not None


# ---------------------------------------------------------------- admin views


async def quarter_count(session: AsyncSession, quarter: str | None) -> int:
    query = select(func.count()).select_from(Disclosure)
    if quarter:
        query = query.where(Disclosure.quarter == quarter)
    return int((await session.execute(query)).scalar_one())


async def quarter_disclosures(session: AsyncSession, quarter: str) -> list[Disclosure]:
    """Every released row of a quarter (what admins may read), ordered by the random id
    (never by anything that tracks time)."""
    result = await session.execute(
        select(Disclosure)
        .where(Disclosure.quarter == quarter, Disclosure.released == True)  # noqa: E712
        .order_by(Disclosure.id)
    )
    return list(result.scalars().all())


async def replied_ids(session: AsyncSession, quarter: str) -> set[str]:
    result = await session.execute(
        select(DisclosureReply.disclosure_id)
        .join(Disclosure, Disclosure.id == DisclosureReply.disclosure_id)  # type: ignore[arg-type]
        .where(Disclosure.quarter == quarter)
        .distinct()
    )
    return {str(i) for i in result.scalars().all()}


async def directory_names(session: AsyncSession) -> list[str]:
    """Every name in the directory, for scrubbing free text before admins read it."""
    result = await session.execute(select(Person.name))
    return [str(n) for n in result.scalars().all()]


async def delete_contacts(session: AsyncSession, person_id: int | None, chat_user_id: str) -> int:
    """Unlink a person from the disclosures they chose to be contacted about."""
    clause = DisclosureContact.slack_user_id == chat_user_id
    if person_id is not None:
        clause = clause | (DisclosureContact.person_id == person_id)  # type: ignore[assignment]
    result = await session.execute(select(DisclosureContact.ref).where(clause))
    refs = list(result.scalars().all())
    if refs:
        await session.execute(
            update(Disclosure).where(Disclosure.contact_ref.in_(refs)).values(contact_ref=None)  # type: ignore[union-attr]
        )
        await session.execute(delete(DisclosureContact).where(DisclosureContact.ref.in_(refs)))  # type: ignore[attr-defined]
    return len(refs)
