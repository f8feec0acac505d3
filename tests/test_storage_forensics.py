"""An insider with a copy of the database files tries to line disclosures up by arrival.

Each test submits disclosures in a known order, then reads what a backup or a copy of the data
directory holds, not what SQL shows: on SQLite the file's pages and cell offsets (through the
format, in `tests.forensics`), overflow page numbers, freed space and the WAL; on PostgreSQL
the heap file's bytes, `ctid`, `xmin` and a `pg_dump`. A file that kept arrival order gives a
concordance near 1 (every later row below the earlier one on its page); a random order, near
one half.
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import random
import sqlite3
import string
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.coordination import run_if_due
from bot.core import disclosures
from bot.core.services import Services
from bot.scheduler import coordinated_jobs
from bot.slack.simulator import TEAM_ID, SlackSender
from tests.conftest import eventually
from tests.forensics import SqliteFile, concordance, rank_correlation
from tests.test_disclosure_helpers import form

LONG_TEXT = "Please approve it; " * 100  # ~1,900 characters: spills to overflow pages


def incompressible(seed: int) -> str:
    """Random letters do not compress, so PostgreSQL stores them out of line, in TOAST."""
    return "".join(random.Random(seed).choices(string.ascii_letters, k=1990))


async def toast_first_chunks(services: Services) -> list[tuple[int, int, bytes]]:
    """(value OID, physical position, data) of the first chunk of every TOASTed value."""
    async with services.db.session() as session:
        toast = await session.execute(
            text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'disclosure'")
        )
        rows = await session.execute(
            text(
                f"SELECT chunk_id::text::bigint, chunk_data FROM {toast.scalar_one()} "
                "WHERE chunk_seq = 0 ORDER BY ctid"
            )
        )
        return [(int(oid), n, bytes(data)) for n, (oid, data) in enumerate(rows.all())]


async def submit_in_order(services: Services, count: int, **extra: object) -> list[str]:
    """Submit `count` disclosures one after another; their ids, in arrival order."""
    hashes = []
    for n in range(count):
        done = await disclosures.submit(services, form(f"Tool {n:03d}", **extra), chat_user_id=None)  # type: ignore[arg-type]
        hashes.append(disclosures.claim_hash(services, done.claim_code))
    await services.db.eraser.settle()
    async with services.db.session() as session:
        rows = await session.execute(text("SELECT claim_hash, id FROM disclosure"))
        by_hash = dict(rows.all())
    return [by_hash[h] for h in hashes]


def sqlite_path(services: Services) -> Path:
    return Path(str(make_url(services.db.url).database))


def backup_of(path: Path, tmp_path: Path) -> SqliteFile:
    """What a backup holds: SQLite's online backup copies pages as they are, WAL included."""
    copy = tmp_path / "backup.db"
    source, target = sqlite3.connect(path), sqlite3.connect(copy)
    source.backup(target)
    source.close(), target.close()
    return SqliteFile(copy)


def root_page(path: Path, name: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(
            conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        )


def positions(file: SqliteFile, root: int, ids: list[str]) -> dict[str, tuple[int, int]]:
    """Where each disclosure's cell sits: (page, offset). Its random id is in every cell."""
    found = {}
    for cell in file.cells(root):
        for ident in ids:
            if ident.encode() in cell.payload:
                found[ident] = (cell.page, cell.offset)
    return found


def assert_no_arrival_order(later_lower: int, pairs: int) -> None:
    """Arrival order gives 1.0 (or 0.0 reversed); a random order ~0.5 (for 190 pairs, 0.9
    lies more than five standard deviations away)."""
    assert pairs >= 100, pairs  # enough same-page pairs for the measure to mean something
    assert 0.1 < later_lower / pairs < 0.9, (later_lower, pairs)


def assert_file_and_backup_unordered(
    path: Path, tmp_path: Path, table: str, keys: list[str]
) -> None:
    """The cells of `table` holding `keys` (given in arrival order), in the file and a backup."""
    for file in (SqliteFile(path), backup_of(path, tmp_path)):
        where = positions(file, root_page(path, table), keys)
        assert len(where) == len(keys)
        assert_no_arrival_order(*concordance(keys, where))


async def test_rows_do_not_sit_in_arrival_order_in_the_file_or_a_backup(
    services: Services, tmp_path: Path
) -> None:
    """Twenty disclosures fit on one page, so no B-tree split reorders them: on `main` before
    the shuffle, all 190 pairs had the later disclosure at the lower offset."""
    if services.db.is_postgres:  # a rank correlation: more rows make it sharper
        await assert_postgres_order_hidden(services, await submit_in_order(services, 60))
        return
    ids = await submit_in_order(services, 20)
    path = sqlite_path(services)
    assert_file_and_backup_unordered(path, tmp_path, "disclosure", ids)
    # Every index stores the random id too, and places its cells the same way.
    with sqlite3.connect(path) as conn:
        names = [
            n
            for (n,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'disclosure'"
            )
        ]
    assert len(names) >= 4
    for name in names:
        assert_no_arrival_order(
            *concordance(ids, positions(SqliteFile(path), root_page(path, name), ids))
        )


async def assert_postgres_order_hidden(services: Services, ids: list[str]) -> None:
    """One `xmin` for the quarter; heap (`ctid`) and `pg_dump` order unrelated to arrival."""
    async with services.db.session() as session:
        rows = (
            await session.execute(text("SELECT id, xmin::text FROM disclosure ORDER BY ctid"))
        ).all()
    assert len({xmin for _, xmin in rows}) == 1
    physical = {ident: n for n, (ident, _) in enumerate(rows)}
    arrival = list(range(len(ids)))
    assert abs(rank_correlation(arrival, [physical[i] for i in ids])) < 0.5
    dumped = pg_dump_order(services.db.url)
    assert sorted(dumped) == sorted(ids)
    assert abs(rank_correlation(arrival, [dumped.index(i) for i in ids])) < 0.5


async def test_long_texts_are_not_stored_out_of_line_in_arrival_order(
    services: Services, tmp_path: Path
) -> None:
    """SQLite spills a long text to overflow pages, PostgreSQL to its TOAST table; both hand
    out those pages (or value OIDs) in the order the rows are written."""
    if services.db.is_postgres:
        texts = [incompressible(n) for n in range(40)]
        for body in texts:
            await disclosures.submit(services, form("Tool", make_it_easy=body), chat_user_id=None)
        await services.db.eraser.settle()
        chunks = await toast_first_chunks(services)
        where = {}
        for n, body in enumerate(texts):
            [found] = [c for c in chunks if body[:60].encode() in c[2]]
            where[n] = found
        arrival = list(range(len(texts)))
        assert abs(rank_correlation(arrival, [where[n][0] for n in arrival])) < 0.6  # value OID
        assert abs(rank_correlation(arrival, [where[n][1] for n in arrival])) < 0.6  # ctid
        return
    ids = await submit_in_order(services, 40, make_it_easy=LONG_TEXT)
    path = sqlite_path(services)
    first_overflow = {}
    for cell in backup_of(path, tmp_path).cells(root_page(path, "disclosure")):
        for ident in ids:
            if ident.encode() in cell.payload:
                assert cell.overflow, "a long text should spill to an overflow page"
                first_overflow[ident] = cell.overflow[0]
    rho = rank_correlation(list(range(len(ids))), [first_overflow[i] for i in ids])
    assert abs(rho) < 0.6, rho


async def test_no_stale_copy_of_an_earlier_layout_or_a_forgotten_contact_remains(
    services: Services,
) -> None:
    """SQLite: the WAL (each commit's page images) is empty after every anonymous write, and
    freed space is zeroed. PostgreSQL: each shuffle leaves the previous versions dead in the
    heap, and a plain VACUUM leaves their bytes in freed space; counting a row's dead versions
    gives its arrival rank."""
    await disclosures.submit(services, form("Opted in", contact=True), chat_user_id="UCONTACT9")
    ids = await submit_in_order(services, 15, make_it_easy="MOVED-MARKER " * 3)
    assert await disclosures.forget_contact(services, "UCONTACT9") == 1
    if services.db.is_postgres:
        await services.db.eraser.settle()
        async with services.db.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql("CHECKPOINT")
            heap = await raw_relation(auto, "disclosure")
            contacts = await raw_relation(auto, "disclosurecontact")
        assert [heap.count(i.encode()) for i in ids] == [1] * len(ids)
        assert b"UCONTACT9" not in contacts
        return
    path = sqlite_path(services)
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    async with services.db.engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar_one() == 1
    data = path.read_bytes()
    assert b"UCONTACT9" not in data
    # Each row was rewritten by up to 16 shuffles; only its live copy may remain.
    assert data.count(b"MOVED-MARKER") == 15 * 3


async def raw_relation(conn: object, name: str) -> bytes:
    result = await conn.exec_driver_sql(  # type: ignore[attr-defined]
        f"SELECT pg_read_binary_file(pg_relation_filepath('{name}'))"
    )
    return bytes(result.scalar_one())


def pg_dump_order(url: str) -> list[str]:
    """The disclosure ids in the order `pg_dump` writes them (its COPY follows the heap)."""
    binary = (glob.glob("/usr/lib/postgresql/*/bin/pg_dump") or ["pg_dump"])[-1]
    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    out = subprocess.run(
        [binary, "--data-only", "--table=disclosure", dsn],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    body = out.split("COPY public.disclosure", 1)[1].split("\n\\.\n", 1)[0]
    return [line.split("\t", 1)[0] for line in body.splitlines()[1:] if line]


async def test_concurrent_submissions_still_end_shuffled(services: Services) -> None:
    await asyncio.gather(
        *(disclosures.submit(services, form("Same"), chat_user_id=None) for _ in range(6))
    )
    async with services.db.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM disclosure"))).scalar_one() == 6


# ---------------------------------------------------------------- submit guards


async def submit_with_guards(services: Services, count: int) -> list[str]:
    """Submit `count` disclosures in order; their guards' stored hashes, in arrival order."""
    guards = []
    for n in range(count):
        nonce = f"forensic-nonce-{n:03d}"
        await disclosures.submit(services, form(f"Tool {n:03d}"), chat_user_id=None, nonce=nonce)
        guards.append(services.keyed_hash("guard:" + nonce))
    await services.db.eraser.settle()
    return guards


async def test_submit_guards_keep_no_arrival_order_or_transaction_of_their_own(
    services: Services, tmp_path: Path
) -> None:
    """One guard row is written with each disclosure. Unshuffled, on SQLite its cell offset
    kept arrival order (all 190 same-page pairs later-lower), and on PostgreSQL it kept its
    own submission's `xmin` in heap order until the quarter ended: bracketed by any
    timestamped row, that dated every disclosure."""
    if services.db.is_postgres:
        guards = await submit_with_guards(services, 60)
        async with services.db.session() as session:
            rows = (
                await session.execute(
                    text("SELECT token_hash, xmin::text FROM submissionguard ORDER BY ctid")
                )
            ).all()
            disclosure_xmins = (
                await session.execute(text("SELECT DISTINCT xmin::text FROM disclosure"))
            ).all()
        assert sorted(h for h, _ in rows) == sorted(guards)
        # One transaction for every guard: the newest submission's, which the disclosures'
        # own shuffle shows anyway.
        assert {x for _, x in rows} == {x for (x,) in disclosure_xmins}
        assert len({x for _, x in rows}) == 1
        physical = {h: n for n, (h, _) in enumerate(rows)}
        arrival = list(range(len(guards)))
        assert abs(rank_correlation(arrival, [physical[g] for g in guards])) < 0.5
        async with services.db.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql("CHECKPOINT")
            heap = await raw_relation(auto, "submissionguard")
        # No dead version with an older `xmin` and position survives in the heap file.
        assert [heap.count(g.encode()) for g in guards] == [1] * len(guards)
        return
    guards = await submit_with_guards(services, 20)
    path = sqlite_path(services)
    assert_file_and_backup_unordered(path, tmp_path, "submissionguard", guards)
    # Freed cells of the earlier layouts are zeroed: each hash is in the file once.
    data = path.read_bytes()
    assert [data.count(g.encode()) for g in guards] == [1] * len(guards)


# ---------------------------------------------------------------- replay guard rows


async def signed_commands(sender: SlackSender, services: Services, count: int) -> list[str]:
    """Send `count` signed slash commands; the hashes their replay rows are stored under."""
    keys = []
    for n in range(count):
        body = urlencode(
            {"command": "/ai-stage", "text": "", "user_id": f"UFORENSIC{n}", "team_id": TEAM_ID}
        )
        ts = int(time.time())
        signature = sender.signer.generate_signature(timestamp=str(ts), body=body)
        await sender.post_raw(body, timestamp=ts, signature=signature)
        keys.append(hashlib.sha256(signature.encode()).hexdigest())

    async def all_claimed() -> bool:  # claimed just after the early ack
        async with services.db.session() as session:
            seen = await session.execute(text("SELECT count(*) FROM seenrequest"))
            return bool(seen.scalar_one() == count)

    await eventually(all_claimed)
    return keys


async def test_a_replay_row_dates_its_request_only_to_a_ten_minute_bucket(
    services: Services, sender: SlackSender
) -> None:
    """The row's expiry held the request's second (+ 6 minutes): bracketed with the submit
    transaction next to it, it dated a disclosure to the second."""
    sent = int(time.time())
    await signed_commands(sender, services, 3)
    async with services.db.session() as session:
        expiries = (await session.execute(text("SELECT expires_at FROM seenrequest"))).all()
    for (raw,) in expiries:
        expiry = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
        expiry = expiry.replace(tzinfo=UTC) if expiry.tzinfo is None else expiry
        assert expiry.timestamp() % 600 == 0, expiry  # a bucket boundary, nothing finer
        # Still remembered at least as long as the signature can verify, never much longer.
        assert sent + 360 <= expiry.timestamp() < sent + 360 + 600 + 60


async def test_expired_replay_rows_are_swept_by_the_clock_and_erased_from_the_files(
    services: Services, sender: SlackSender
) -> None:
    """With no further traffic, the rows went only at the 64th claim: in a quiet week they
    stayed for days. Now a coordinated job sweeps them every minute and erases the bytes
    (SQLite: zeroed and checkpointed; PostgreSQL: no dead version left in the heap)."""
    keys = await signed_commands(sender, services, 4)
    [job] = [j for j in coordinated_jobs(services) if j.name == "replay-sweep"]
    assert job.next_after(datetime(2026, 11, 29, 12, 0, 30, tzinfo=UTC)) == datetime(
        2026, 11, 29, 12, 1, tzinfo=UTC
    )  # every minute, whatever the traffic
    later = datetime.now(UTC) + timedelta(minutes=20)
    services.clock = lambda: later
    assert await run_if_due(services, job, "forensic-replica") == "ok"
    await services.db.eraser.settle()
    async with services.db.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM seenrequest"))).scalar() == 0
    if services.db.is_postgres:
        async with services.db.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql("CHECKPOINT")
            data = await raw_relation(auto, "seenrequest")
    else:
        path = sqlite_path(services)
        wal = path.with_name(path.name + "-wal")  # later commits (the job's own row) may be there
        data = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert [data.count(k.encode()) for k in keys] == [0] * len(keys)
