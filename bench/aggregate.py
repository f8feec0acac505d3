"""Aggregator benchmark: `stage --json` (assess) and a manager summary on a large synthetic org.

    .venv/bin/python bench/aggregate.py                      # SQLite and PostgreSQL, 10k + 100k
    .venv/bin/python bench/aggregate.py --backends sqlite --sizes 10000
    .venv/bin/python bench/aggregate.py --pg-url postgresql://…/leverage_g_bench   # own database

Each (backend, size) is loaded by one subprocess (fast multi-row core inserts) and measured by a
fresh one, so the reported peak RSS is the aggregator's own, not the loader's. Times are medians
of several runs after one warm-up; the yardstick is one bare `SELECT count(*) … GROUP BY team,
quarter` over the answer and disclosure tables, measured in the same process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, insert, text

from bot.config import load_settings
from bot.core.services import Services
from bot.core.stage import assess_fresh
from bot.core.team_summary import build_team_summary
from storage.db import Database, async_url
from storage.models import Answer, Campaign, Delivery, Disclosure, Person, Team, TeamRelease
from storage.queries.signals import baseline_counts

PG_URL = "postgresql://postgres:postgres@127.0.0.1:5432/leverage_bench"
QUARTERS = [f"{y}Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]
TEAM_SIZE = 10
EXAMPLE = "Used an assistant to draft the weekly customer report"
CHUNK = 5000
NOW = datetime(2026, 11, 1, tzinfo=UTC)
KINDS = ["drafting", "summarising", "analysis", "coding", "research", "meeting_notes", "other"]
OBSTACLES = ["procurement", "legal_review", "security_data", "no_policy", "review_credit",
             "no_time", "tool_quality"]  # fmt: skip
REASONS = ["no_approved_tool", "procurement", "review_slow", "rules_unclear", "fear_of_blame",
           "did_not_matter"]  # fmt: skip


def _answer(rng: random.Random, pid: int, team: int, quarter: str, maturity: float) -> dict:
    example = rng.random() < 0.5 + 0.3 * maturity
    row = {
        "campaign_id": quarter, "quarter": quarter, "person_id": pid, "team_id": team,
        "has_example": example, "example": EXAMPLE if example else None,
        "work_kind": rng.choice(KINDS) if example else None, "tool": "Assistant",
        "tool_approved": rng.choices(["approved", "not_approved", "unknown"],
                                     [0.3 + 0.5 * maturity, 0.4, 0.2])[0],
        "establishment": rng.choices(["one_off", "regular", "team", "production"],
                                     [4, 4, 2, 0.2 + 2 * maturity])[0],
        "spread": rng.choice(["just_me", "my_team", "several_teams"]),
        "continues_without_me": rng.choice(["yes", "no", "not_sure"]),
        "hours_saved_per_month": rng.choice([None, None, 2.0, 5.0]), "metric": None,
        "share_consent": rng.random() < 0.3, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    for key in OBSTACLES:
        row[f"obstacle_{key}"] = rng.random() < 0.15
    return row


def _disclosure(rng: random.Random, team: int, quarter: str) -> dict:
    tool = rng.choice(["shadowgpt", "quickscribe", "notetaker", "imagebot"])
    row = {
        "id": secrets.token_hex(16), "quarter": quarter, "team_id": team, "tool": tool,
        "tool_key": tool, "tool_kind": "chat_assistant", "work_kind": rng.choice(KINDS),
        "frequency": "weekly", "data_class": "internal", "claim_hash": secrets.token_hex(32),
    }  # fmt: skip
    for key in REASONS:
        row[f"reason_{key}"] = rng.random() < 0.25
    return row


async def _insert(conn: Any, table: Any, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        await conn.execute(insert(table), rows[i : i + CHUNK])


async def _load_directory(conn: Any, people: int) -> None:
    teams = people // TEAM_SIZE
    await _insert(
        conn, Team.__table__, [{"id": t, "name": f"team-{t:06d}"} for t in range(1, teams + 1)]
    )
    await _insert(conn, Person.__table__, [
        {"id": p, "email": f"p{p}@bench.example", "name": f"Person {p}",
         "team_id": (p - 1) // TEAM_SIZE + 1, "slack_user_id": f"UB{p}", "active": True,
         "manager_id": None if (p - 1) % TEAM_SIZE == 0 else (p - 1) // TEAM_SIZE * TEAM_SIZE + 1,
         "updated_at": NOW} for p in range(1, people + 1)])  # fmt: skip
    await _insert(conn, Campaign.__table__, [
        {"id": q, "opens_at": NOW, "closes_at": NOW, "status": "closed", "deliver_now": False,
         "reminder_days": "5,10", "created_at": NOW} for q in QUARTERS])  # fmt: skip


async def load(url: str, people: int) -> dict[str, Any]:
    db = Database(url)
    await db.migrate()
    rng = random.Random(42)
    counts = {"answers": 0, "disclosures": 0, "deliveries": 0}
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        await _load_directory(conn, people)
    for n, quarter in enumerate(QUARTERS):
        maturity = n / (len(QUARTERS) - 1)
        answers, deliveries = [], []
        for p in range(1, people + 1):
            deliveries.append({"campaign_id": quarter, "person_id": p, "kind": "prompt",
                               "due_at": NOW, "status": "sent", "attempts": 1})  # fmt: skip
            if rng.random() < 0.65:
                answers.append(_answer(rng, p, (p - 1) // TEAM_SIZE + 1, quarter, maturity))
        covert = [_disclosure(rng, rng.randrange(people // TEAM_SIZE) + 1, quarter)
                  for _ in range(people // 10)]  # fmt: skip
        async with db.engine.begin() as conn:
            await _insert(conn, Delivery.__table__, deliveries)
            await _insert(conn, Answer.__table__, answers)
            await _insert(conn, Disclosure.__table__, covert)
        counts["answers"] += len(answers)
        counts["disclosures"] += len(covert)
        counts["deliveries"] += len(deliveries)
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    await db.dispose()
    return {**counts, "load_s": round(time.perf_counter() - started, 1)}


async def _timed(work: Any, runs: int) -> float:
    await work()  # warm-up: caches and prepared statements, as in a running bot
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def measure(url: str, runs: int) -> dict[str, Any]:
    services = Services(settings=load_settings(database_url=url), db=Database(url))

    async def baseline() -> None:
        async with services.db.session() as session:
            await baseline_counts(session)

    async def stage() -> None:
        services.views.clear()  # cold, as one CLI run
        json.dumps((await assess_fresh(services)).to_dict())

    async def summary() -> None:
        # Cold: the first manager after a change of the data, their team's view not released
        # yet (as at a campaign's close): every figure is computed.
        services.views.clear()
        async with services.db.session() as session:
            await session.exec(delete(TeamRelease))  # type: ignore[call-overload]
            await session.commit()
        await build_team_summary(services, 1, QUARTERS[-1])

    managers = iter(range(1 + TEAM_SIZE, 10**9, TEAM_SIZE))

    async def next_summary() -> None:
        # Warm: another manager's summary in the same data version (every further summary DM
        # at a campaign's close); each run a manager not asked before, so no view is reused.
        await build_team_summary(services, next(managers), QUARTERS[-1])

    result = {"stage_s": await _timed(stage, runs), "summary_s": await _timed(summary, runs)}
    result["next_summary_s"] = await _timed(next_summary, runs)
    # Peak RSS of the aggregator alone, read before the yardstick query materialises its rows.
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["baseline_s"] = await _timed(baseline, runs)
    await services.db.dispose()
    result["ratio"] = result["stage_s"] / result["baseline_s"]
    result["summary_ratio"] = result["summary_s"] / result["baseline_s"]
    result["next_summary_ratio"] = result["next_summary_s"] / result["baseline_s"]
    return result


def _fresh_database(backend: str, scratch: Path, people: int, pg_url: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{scratch / f'bench-{people}.db'}"
    from sqlalchemy.ext.asyncio import create_async_engine

    async def reset() -> None:
        engine = create_async_engine(async_url(pg_url))
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(reset())
    return pg_url


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-url", default=PG_URL, help="a database the bench may empty")
    parser.add_argument("--child", choices=("load", "measure"))
    parser.add_argument("--url")
    parser.add_argument("--people", type=int, default=0)
    args = parser.parse_args()
    if args.child == "load":
        print(json.dumps(asyncio.run(load(args.url, args.people))))
        return
    if args.child == "measure":
        print(json.dumps(asyncio.run(measure(args.url, args.runs))))
        return
    print("| backend | people | answers | disclosures | load s | baseline ms | stage ms "
          "| ratio | summary ms | summary ratio | next summary ms | next ratio "
          "| peak RSS MB |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for backend in args.backends.split(","):
            for people in (int(s) for s in args.sizes.split(",")):
                url = _fresh_database(backend, Path(scratch), people, args.pg_url)
                loaded = _child("--child", "load", "--url", url, "--people", str(people))
                m = _child("--child", "measure", "--url", url, "--runs", str(args.runs))
                print(f"| {backend} | {people} | {loaded['answers']} | {loaded['disclosures']} "
                      f"| {loaded['load_s']} | {m['baseline_s'] * 1000:.0f} "
                      f"| {m['stage_s'] * 1000:.0f} | {m['ratio']:.2f} "
                      f"| {m['summary_s'] * 1000:.0f} | {m['summary_ratio']:.2f} "
                      f"| {m['next_summary_s'] * 1000:.1f} | {m['next_summary_ratio']:.3f} "
                      f"| {m['peak_rss_mb']:.0f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
