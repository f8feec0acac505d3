"""Cost of hiding arrival order: one anonymous submission with its shuffle and erasure.

    .venv/bin/python bench/storage_rewrite.py                                   # SQLite
    .venv/bin/python bench/storage_rewrite.py --db postgresql://postgres:postgres@127.0.0.1:5432/leverage_b

For each quarter size N (rows already in the quarter), the same run measures:
- floor: one transaction that inserts a single disclosure row and commits (what a submission
  would cost with no protection at all);
- submit: `bot.core.disclosures.submit` end to end (guard, insert, the shuffle that rewrites
  the quarter in random order, SQLite's WAL checkpoint), which is what the person waits for;
- erased: submit plus, on PostgreSQL, waiting for the background VACUUM FULL that removes the
  older row versions (the time until no stale layout is left).
Medians of `--repeats` runs; the schema is rebuilt for every size. Stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr
from sqlalchemy import insert, text

from bot.config import load_settings
from bot.core import disclosures, quarters
from bot.core.services import Services
from storage.db import Database
from storage.models import Disclosure
from storage.queries.disclosures import SHUFFLE_CAP

CHUNK = 2000


def _row(quarter: str, text_: str | None = None) -> dict[str, object]:
    return {
        "id": secrets.token_hex(16), "quarter": quarter, "tool": "Bench tool",
        "tool_key": "benchtool", "tool_kind": "writing", "work_kind": "drafting",
        "frequency": "weekly", "data_class": "internal", "reason_procurement": True,
        "make_it_easy": text_, "claim_hash": secrets.token_hex(32),
    }  # fmt: skip


async def _fresh(url: str) -> Database:
    if url.startswith("postgres"):
        from tests.conftest import _empty_postgres

        await _empty_postgres(url)
    db = Database(url)
    await db.migrate()
    return db


async def measure(url: str, size: int, repeats: int) -> dict[str, float]:
    db = await _fresh(url)
    settings = load_settings(
        database_url=url, hash_key=SecretStr("bench"),
        slack_bot_token=SecretStr("xoxb-bench"), slack_signing_secret=SecretStr("bench"),
    )  # fmt: skip
    services = Services(settings=settings, db=db)
    quarter = quarters.quarter_of(services.clock())
    async with db.engine.begin() as conn:
        for start in range(0, size, CHUNK):
            rows = [_row(quarter) for _ in range(min(CHUNK, size - start))]
            await conn.execute(insert(Disclosure), rows)
    await db.erase_traces("disclosure")
    await db.eraser.settle()
    floor, submit, erased = [], [], []
    form = disclosures.validate(
        disclosures.RawDisclosure("Bench tool", "writing", "drafting", "weekly", "internal",
                                  ("procurement",), "Make it easy", False)
    )  # fmt: skip
    for _ in range(repeats):
        row = _row(quarter)
        t0 = time.perf_counter()
        async with db.engine.begin() as conn:
            await conn.execute(insert(Disclosure), [row])
        floor.append(time.perf_counter() - t0)
        async with db.engine.begin() as conn:  # keep N constant: drop the floor's row again
            await conn.execute(text("DELETE FROM disclosure WHERE id = :id"), {"id": row["id"]})
        t0 = time.perf_counter()
        await disclosures.submit(services, form, chat_user_id=None)
        submit.append(time.perf_counter() - t0)
        await db.eraser.settle()
        erased.append(time.perf_counter() - t0)
    await db.dispose()
    return {
        "floor": statistics.median(floor), "submit": statistics.median(submit),
        "erased": statistics.median(erased),
    }  # fmt: skip


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--sizes", default=f"100,1000,{SHUFFLE_CAP},20000")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"{backend}: median of {args.repeats}; ratios to the floor measured in the same run")
    print(f"{'rows in quarter':>16} {'floor ms':>9} {'submit ms':>10} {'x floor':>8} "
          f"{'erased ms':>10} {'x floor':>8}")  # fmt: skip
    for size in (int(s) for s in args.sizes.split(",")):
        m = await measure(url, size, args.repeats)
        print(f"{size:>16} {m['floor'] * 1e3:>9.1f} {m['submit'] * 1e3:>10.1f} "
              f"{m['submit'] / m['floor']:>8.1f} {m['erased'] * 1e3:>10.1f} "
              f"{m['erased'] / m['floor']:>8.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
