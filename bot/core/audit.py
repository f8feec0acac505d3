"""The audit trail: append-only, hash-chained, verifiable by anyone holding an export.

Each entry's hash is SHA-256 over its canonical JSON (sequence number, time, actor, action,
use case, gate, details) and the previous entry's hash, so editing or deleting any entry breaks
every link after it; the `audithead` row holds the newest hash, so cutting entries off the end
is detected too. The hash is deliberately unkeyed: an auditor can verify an export without any
secret of this install. Someone able to rewrite the whole table *and* the head could forge a
consistent chain, which is why exports carry the head hash (keep a copy elsewhere: an anchor).

Appends happen inside the transaction that made the change they record (a decision and its
entry commit together or not at all), and lock the head row, so concurrent writers line up.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry
from storage.queries import usecases as q

GENESIS = "0" * 64


def canonical(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    use_case_id: int | None,
    gate: str | None,
    detail: str,
    prev_hash: str,
) -> str:
    body = canonical(
        {
            "seq": seq,
            "at": at.isoformat(),
            "actor": actor,
            "action": action,
            "use_case_id": use_case_id,
            "gate": gate,
            "detail": json.loads(detail),
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


async def append(
    session: AsyncSession,
    at: datetime,
    actor: str,
    action: str,
    *,
    use_case_id: int | None = None,
    gate: str | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add one entry after the current head, in the caller's transaction."""
    seq, prev = await q.advance_audit_head(session)
    text = canonical({k: v for k, v in detail.items() if v is not None})
    at = at.astimezone(UTC)  # hashed as it reads back from either database
    digest = entry_hash(seq, at, actor, action, use_case_id, gate, text, prev)
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor[:64],
        action=action,
        use_case_id=use_case_id,
        gate=gate,
        detail=text,
        prev_hash=prev,
        hash=digest,
    )
    await q.insert_audit(session, entry, digest)
    return entry


@dataclass
class Verdict:
    ok: bool
    entries: int
    head_hash: str
    problems: list[str]


def verify_entries(rows: list[AuditEntry], head_seq: int, head_hash: str) -> Verdict:
    """Walk the chain in order; every gap, edit or missing tail is a problem, reported plainly."""
    problems: list[str] = []
    prev = GENESIS
    expected = 1
    for row in rows:
        if row.seq != expected:
            problems.append(f"entries {expected}..{row.seq - 1} are missing (deleted)")
        if row.prev_hash != prev:
            problems.append(f"entry {row.seq} does not follow the entry before it")
        computed = entry_hash(
            row.seq,
            row.at,
            row.actor,
            row.action,
            row.use_case_id,
            row.gate,
            row.detail,
            row.prev_hash,
        )
        if computed != row.hash:
            problems.append(f"entry {row.seq} was edited (its hash does not match its content)")
        prev, expected = row.hash, row.seq + 1
    last_seq = rows[-1].seq if rows else 0
    if head_seq != last_seq:
        problems.append(
            f"the trail ends at entry {last_seq} but {head_seq} were written "
            "(entries at the end were deleted)"
        )
    elif head_hash != prev:
        problems.append("the newest entry is not the one the chain's head recorded")
    return Verdict(not problems, len(rows), head_hash, problems)


async def verify(services: Any) -> Verdict:
    async with services.db.session() as session:
        rows = await q.audit_entries(session)
        head_seq, head_hash = await q.audit_head(session)
    return verify_entries(rows, head_seq, head_hash)


def entry_dict(row: AuditEntry) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": row.at.isoformat(),
        "actor": row.actor,
        "action": row.action,
        "use_case_id": row.use_case_id,
        "gate": row.gate,
        "detail": json.loads(row.detail),
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


async def export(services: Any) -> dict[str, Any]:
    """The whole trail with its head: enough to verify it anywhere (see `verify_entries`)."""
    async with services.db.session() as session:
        rows = await q.audit_entries(session)
        head_seq, head_hash = await q.audit_head(session)
    return {
        "head": {"seq": head_seq, "hash": head_hash},
        "entries": [entry_dict(r) for r in rows],
    }
