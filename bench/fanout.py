"""Fan-out benchmark: the quarterly prompt to 10,000 people through the real outbox.

    .venv/bin/python bench/fanout.py                       # 10k people, 300 msg/s, SQLite
    .venv/bin/python bench/fanout.py --db postgresql://postgres:postgres@127.0.0.1:5432/x
    .venv/bin/python bench/fanout.py --limits 5,50,300     # throughput only, one run per limit

No configuration: the sender is not told the limit (`LEVERAGE_FANOUT_RATE` unset, default
concurrency); it finds it (bot.slack.rate).

1. Throughput: `run_due_deliveries` + `SlackMessenger` against the in-process Slack double
   rate-limited like Slack (token bucket, 429 with Retry-After). People/s is compared with the
   most the limit allows: N / ((N - burst) / rate).
2. Crash: a second campaign is delivered by a child process that is SIGKILLed at a random
   point; the parent re-runs once its leases expire (clock moved on) and checks every person
   got exactly one prompt (zero duplicates, zero losses), reading the double's own records.
3. Form latency: `/ai-leverage` and the DM button over signed HTTP to the real app; the time
   from the request leaving the "Slack" side to views.open reaching the double.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import insert, text

from bot.cli.campaign import ProgressBar
from bot.config import load_settings
from bot.core import campaigns, quarters
from bot.core.delivery import LEASE, run_due_deliveries
from bot.core.services import Services
from bot.slack.app import create_bolt_app, create_web_app, wire_slack
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from storage.db import Database, async_url
from storage.models import Person, Team
from storage.types import utcnow

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


def make_services(db_url: str, slack_url: str, args: argparse.Namespace) -> Services:
    settings = load_settings(
        slack_bot_token=SecretStr(TOKEN), slack_signing_secret=SecretStr(SECRET),
        slack_api_url=slack_url, database_url=db_url, leverage_admins="UADMIN",
    )  # fmt: skip
    services = Services(settings=settings, db=Database(db_url))
    wire_slack(services)
    return services


async def reset_database(url: str) -> None:
    if url.startswith("postgres"):
        db = Database(url)
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await db.dispose()


async def seed(services: Services, slack: SlackDouble, people: int) -> list[str]:
    """`people` people in teams of ten, each with a Slack user in the double."""
    ids_ = [f"U{i:06d}" for i in range(people)]
    async with services.db.session() as s:
        s.add_all([Team(name=f"Team {t}") for t in range(people // 10 + 1)])
        await s.flush()
        team_ids = [t for (t,) in (await s.exec(text("SELECT id FROM team ORDER BY id"))).all()]
        rows = [
            {"email": f"p{i}@example.com", "name": f"Person {i}", "team_id": team_ids[i // 10],
             "slack_user_id": uid, "tz": "Europe/London", "active": True,
             "updated_at": utcnow()}
            for i, uid in enumerate(ids_)
        ]  # fmt: skip
        for start in range(0, len(rows), 2000):
            await s.exec(insert(Person).values(rows[start : start + 2000]))  # type: ignore[call-overload]
    for uid in ids_:
        slack.add_user(uid, email=f"{uid.lower()}@example.com")
    return ids_


def prompts_by_user(slack: SlackDouble, campaign_id: str) -> Counter[str]:
    prefix = f"leverage:{campaign_id}:prompt:"
    return Counter(
        m["user"]
        for m in slack.messages
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith(prefix)
    )


async def throughput(
    services: Services, slack: SlackDouble, people: list[str], args: Any, campaign_id: str
) -> dict[str, Any]:
    services.clock = clock_in(campaign_id)
    await campaigns.start_campaign(services, campaign_id, now=True)
    before = len(slack.calls)
    report = await run_due_deliveries(services, progress=ProgressBar())
    calls = slack.calls[before:]
    posts = [c for c in calls if c.method == "chat.postMessage"]
    counts = prompts_by_user(slack, campaign_id)
    n = len(people)
    ideal_seconds = max(n - args.burst, 0) / args.rate
    return {
        "people": n,
        "seconds": report.seconds,
        "people_per_s": n / report.seconds,
        "max_per_s": n / ideal_seconds if ideal_seconds else float("inf"),
        "ratelimited_429": sum(1 for c in posts if c.status == 429),
        "rate_found": _rate_found(services),
        "sent": report.sent,
        "duplicates": sum(1 for c in counts.values() if c > 1),
        "missing": sum(1 for u in people if counts[u] == 0),
    }


def _rate_found(services: Services) -> float:
    messenger: Any = services.messenger
    return float(messenger.client.governor.state("chat.postMessage").rate)


def clock_in(label: str) -> Any:
    """A running clock inside quarter `label` (campaigns start only in the current quarter or
    the next), so the benchmark's three campaigns work whatever today's date is."""
    start = max(utcnow(), quarters.quarter_end(label) - timedelta(days=80))
    offset = start - utcnow()
    return lambda: utcnow() + offset


async def crash_and_resume(
    services: Services, slack: SlackDouble, people: list[str], args: Any, label: str
) -> dict[str, Any]:
    """The child process runs on the real clock, so this phase uses the current quarter."""
    services.clock = utcnow
    await campaigns.start_campaign(services, label, now=True)
    expected = len(people) / args.rate
    kill_after = random.Random(args.seed).uniform(0.15, 0.85) * expected
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", "--db", args.db, "--slack-url", slack.base_url,
         "--rate", str(args.rate)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(kill_after)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    before = sum(prompts_by_user(slack, label).values())
    services.clock = lambda: utcnow() + LEASE + timedelta(minutes=1)  # the dead child's leases
    report = await run_due_deliveries(services, progress=ProgressBar())
    counts = prompts_by_user(slack, label)
    return {
        "killed_after_s": kill_after,
        "sent_before_kill": before,
        "resumed_sent": report.sent,
        "reconciled": report.reconciled,
        "duplicates": sum(1 for c in counts.values() if c > 1),
        "missing": sum(1 for u in people if counts[u] == 0),
    }


async def form_latency(
    services: Services,
    slack: SlackDouble,
    people: list[str],
    n: int,
    campaign_id: str,
    delay: float = 0.0,
) -> dict[str, dict[str, float]]:
    await asyncio.sleep(delay)  # during the fan-out: start once the campaign is open
    runner = web.AppRunner(create_web_app(services, create_bolt_app(services)), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sender = SlackSender(f"http://127.0.0.1:{runner.addresses[0][1]}", SECRET,
                         slack.response_url_base)  # fmt: skip
    results: dict[str, list[float]] = {"command": [], "button": []}
    try:
        for i in range(n):
            for path in results:
                opened = len(slack.opened_views)
                started = time.monotonic()
                user = people[(i * 7919) % len(people)]
                if path == "command":
                    await sender.command(ids.LEVERAGE_COMMAND, user_id=user)
                else:
                    await sender.action(ids.OPEN_ANSWER_FORM, user_id=user, value=campaign_id)
                while len(slack.opened_views) == opened:
                    await asyncio.sleep(0.001)
                results[path].append(_last_views_open(slack).at - started)
    finally:
        await sender.close()
        await runner.cleanup()
    return {path: summarise(values) for path, values in results.items()}


def _last_views_open(slack: SlackDouble) -> Any:
    return next(c for c in reversed(slack.calls) if c.method == "views.open" and c.ok)


def summarise(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


async def child(args: argparse.Namespace) -> None:
    """The victim of the crash test: delivers until the parent kills it."""
    services = make_services(args.db, args.slack_url, args)
    await run_due_deliveries(services, worker_id="child")


def table(fan: dict, crash: dict, latency: dict, args: argparse.Namespace) -> str:
    share = fan["people_per_s"] / fan["max_per_s"]
    lines = [
        "| metric | value |",
        "|---|---|",
        f"| people | {fan['people']} |",
        f"| limit (chat.postMessage) | {args.rate:g}/s, burst {args.burst:g} |",
        f"| time | {fan['seconds']:.1f} s |",
        f"| people/s | {fan['people_per_s']:.1f} |",
        f"| theoretical max people/s | {fan['max_per_s']:.1f} |",
        f"| share of max | {share:.1%} |",
        f"| 429 answers | {fan['ratelimited_429']} |",
        f"| rate found (chat.postMessage) | {fan['rate_found']:.1f}/s |",
        f"| people/s while also serving the form probe | {fan['loaded_people_per_s']:.1f} |",
        f"| duplicates / missing (clean run) | {fan['duplicates']} / {fan['missing']} |",
        f"| crash: SIGKILL after | {crash['killed_after_s']:.1f} s "
        f"({crash['sent_before_kill']} sent) |",
        f"| crash: re-run sent / reconciled | {crash['resumed_sent']} / {crash['reconciled']} |",
        f"| crash: duplicates / missing | {crash['duplicates']} / {crash['missing']} |",
    ]
    for path, stats in latency.items():
        lines.append(
            f"| views.open after {path} (n={stats['n']}) | median {stats['median_ms']:.1f} ms, "
            f"p95 {stats['p95_ms']:.1f} ms, max {stats['max_ms']:.1f} ms |"
        )
    return "\n".join(lines)


UNLIMITED = 1e9


def emulated_slack(rate: float, burst: float) -> SlackDouble:
    """A workspace limit on chat.postMessage (token bucket, 429 + Retry-After beyond it) and
    Slack's one-message-a-second limit per conversation."""
    if rate == UNLIMITED:
        return SlackDouble()
    return SlackDouble(
        rate_limits={"chat.postMessage": (rate, burst)},
        channel_rate_limits={"chat.postMessage": (1.0, 1.0)},
    )


async def sweep(args: argparse.Namespace) -> int:
    """One clean fan-out per limit, each with a fresh database, workspace and process state.

    The first run has no workspace limit at all: what this machine can send right now (the
    floor of this run), since at high limits the sender may be bound by CPU, not by Slack."""
    rows, ok, machine = [], True, float("inf")
    limits = [float(r) for r in args.limits.split(",")]
    for rate in [UNLIMITED, *limits]:
        burst = rate * args.burst_seconds
        people = min(args.people, int(rate * args.max_seconds))
        scratch = tempfile.mkdtemp(prefix="fanout-")
        db = args.db or f"sqlite:///{scratch}/fanout.db"
        await reset_database(db)
        slack = emulated_slack(rate, burst)
        await slack.start()
        services = make_services(db, slack.base_url, args)
        try:
            await services.db.migrate()
            ids_ = await seed(services, slack, people)
            args.rate, args.burst = rate, burst
            fan = await throughput(services, slack, ids_, args, quarters.quarter_of(utcnow()))
        finally:
            await services.db.dispose()
            await slack.stop()
        ok = ok and not fan["duplicates"] and not fan["missing"]
        if rate == UNLIMITED:
            machine = fan["people_per_s"]
            rows.append(
                f"| none (this machine's ceiling) | {people} | {fan['seconds']:.1f} s | "
                f"{machine:.1f} | | | | | {fan['duplicates']} / {fan['missing']} |"
            )
            continue
        share = fan["people_per_s"] / fan["max_per_s"]
        reachable = fan["people_per_s"] / min(fan["max_per_s"], machine)
        ok = ok and share >= 0.9
        rows.append(
            f"| {rate:g}/s, burst {burst:g} | {people} | {fan['seconds']:.1f} s | "
            f"{fan['people_per_s']:.1f} | {fan['max_per_s']:.1f} | **{share:.1%}** "
            f"({reachable:.1%}) | {fan['ratelimited_429']} | {fan['rate_found']:.1f}/s | "
            f"{fan['duplicates']} / {fan['missing']} |"
        )
    print(f"database {async_url(args.db or 'sqlite:///x').split('://')[0]}")
    print("| limit | people | time | people/s | max people/s | share of max (of what the "
          "machine allows) | 429s | rate found at the end | duplicates / missing |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0 if ok else 1


async def main(args: argparse.Namespace) -> int:
    if args.limits:
        return await sweep(args)
    scratch = tempfile.mkdtemp(prefix="fanout-")
    args.db = args.db or f"sqlite:///{scratch}/fanout.db"
    await reset_database(args.db)
    slack = emulated_slack(args.rate, args.burst)
    await slack.start()
    services = make_services(args.db, slack.base_url, args)
    try:
        await services.db.migrate()
        people = await seed(services, slack, args.people)
        print(f"database {async_url(args.db).split('://')[0]}, seed {args.seed}", file=sys.stderr)
        now = quarters.quarter_of(utcnow())
        later = quarters.next_quarter(now)
        crash = await crash_and_resume(services, slack, people, args, now)
        idle = await form_latency(services, slack, people, args.latency_samples, now)
        fan = await throughput(services, slack, people, args, later)
        after = quarters.next_quarter(later)
        loaded, busy = await asyncio.gather(
            throughput(services, slack, people, args, after),
            form_latency(services, slack, people, args.latency_samples // 4, after, 3.0),
        )
        fan["loaded_people_per_s"] = loaded["people_per_s"]
        latency = {f"{k}, idle": v for k, v in idle.items()}
        latency.update({f"{k}, during the fan-out": v for k, v in busy.items()})
    finally:
        await services.db.dispose()
        await slack.stop()
    print(table(fan, crash, latency, args))
    ok = fan["people_per_s"] >= 0.9 * fan["max_per_s"] and not any(
        (fan["duplicates"], fan["missing"], crash["duplicates"], crash["missing"])
    )
    return 0 if ok else 1


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=300.0, help="double's limit, msg/s")
    parser.add_argument("--burst", type=float, default=600.0)
    parser.add_argument("--limits", default="", help="comma-separated limits: a throughput sweep")
    parser.add_argument("--burst-seconds", type=float, default=2.0,
                        help="sweep: the double's burst, in seconds of its rate")  # fmt: skip
    parser.add_argument("--max-seconds", type=float, default=200.0,
                        help="sweep: fewer people where the limit would take longer")  # fmt: skip
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--slack-url", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.child:
        asyncio.run(child(arguments))
        sys.exit(0)
    sys.exit(asyncio.run(main(arguments)))
