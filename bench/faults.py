"""Fault and load run: two real `serve` replicas on one PostgreSQL, Slack's rate limits on.

    .venv/bin/python bench/faults.py --db postgresql://postgres:postgres@127.0.0.1:5440/faults \
        --restart "pg_ctlcluster 15 faults restart"

1. Load: N concurrent signed `/ai-leverage` slash commands split across the two replicas; each
   one's time to its HTTP answer (Slack gives up after 3 s): p50, p99, max, seen by the client
   and by the replicas themselves (their `leverage_ack_seconds` histogram on `/metrics`). The
   floor, in the same run: N concurrent requests with a bad signature (refused with 401 before
   any database or Bolt work), i.e. what HTTP and the machine alone cost at that concurrency.
2. Faults: a campaign for P people started with `/ai-leverage admin start --now` on replica A;
   answers submitted through the answer form to both replicas meanwhile (a person told "try
   again" tries again); replica A is SIGKILLed once a third of the prompts are out, and the
   database is restarted once half are out. Checked from the Slack double's own records:
   exactly one prompt per person, every answer acknowledged as saved is in the database, and
   the time from the kill until the survivor had sent the last prompt.

The database's `public` schema is emptied first: give it a throwaway database (the command
above uses a throwaway cluster, see bench/RESULTS.md). The run stops by itself (timeouts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from fanout import prompts_by_user, reset_database, seed  # type: ignore[import-not-found]
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.config import load_settings
from bot.core import quarters
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender, multi, plain, static
from handlers import ids
from storage.db import Database
from storage.models import Answer, Delivery
from storage.types import utcnow

SECRET = "faults-signing-secret"
TOKEN = "xoxb-faults"
ADMIN = "UADMIN"


def histogram_quantile(buckets: dict[float, float], share: float) -> float:
    """The upper bound of the bucket holding the `share` quantile (Prometheus-style, coarse)."""
    total = buckets.get(float("inf"), 0.0)
    for bound in sorted(buckets):
        if buckets[bound] >= share * total:
            return bound
    return float("inf")


async def server_acks(urls: list[str]) -> dict[float, float]:
    """Cumulative command acks per histogram bucket (seconds), summed over the replicas."""
    buckets: dict[float, float] = {}
    async with aiohttp.ClientSession() as session:
        for url in urls:
            async with session.get(url + "/metrics") as response:
                text = await response.text()
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    labels = sample.labels
                    if sample.name == "leverage_ack_seconds_bucket" and labels["kind"] == "command":
                        bound = float(labels["le"])
                        buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return buckets


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_replica(args: argparse.Namespace, slack: SlackDouble, name: str) -> Any:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.base_url,
        DATABASE_URL=args.db, HOST="127.0.0.1", PORT=str(port), LEVERAGE_ADMINS=ADMIN,
        LEVERAGE_FANOUT_RATE=str(args.replica_rate), LEVERAGE_FANOUT_CONCURRENCY="16",
        LOG_LEVEL=os.environ.get("FAULTS_LOG_LEVEL", "WARNING"),
    )  # fmt: skip
    log = open(Path(args.logs) / f"replica-{name}.log", "w")  # noqa: SIM115 (closed at exit)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(url + "/readyz") as response:
                    if response.status == 200:
                        return url, process
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"replica {name} never became ready (see {log.name})")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def concurrent_commands(
    urls: list[str], slack: SlackDouble, users: list[str], n: int, *, forged: bool = False
) -> dict[str, Any]:
    senders = [SlackSender(url, SECRET, slack.response_url_base) for url in urls]
    before = await server_acks(urls)

    async def one(i: int) -> tuple[float, int]:
        started = time.monotonic()
        sender = senders[i % len(senders)]
        if forged:
            reply = await sender.post_raw("command=%2Fai-leverage", signature="v0=" + "0" * 64)
        else:
            reply = await sender.command(ids.LEVERAGE_COMMAND, user_id=users[i])
        return time.monotonic() - started, reply.status

    try:
        results = await asyncio.gather(*(one(i) for i in range(n)))
    finally:
        for sender in senders:
            await sender.close()
    times = [t for t, _ in results]
    after = await server_acks(urls)
    server = {bound: after[bound] - before.get(bound, 0.0) for bound in after}
    return {
        "n": n,
        "ok": sum(1 for _, status in results if status == (401 if forged else 200)),
        "server_p50": histogram_quantile(server, 0.5),
        "server_p99": histogram_quantile(server, 0.99),
        "server_within_3s": server.get(3.0, 0.0),
        "p50": statistics.median(times),
        "p99": percentile(times, 0.99),
        "max": max(times),
        "within_3s": sum(1 for t in times if t < 3.0),
    }


def answer_form() -> dict[str, Any]:
    """Step one of the answer form (what saves the answer); step two is optional."""
    values = {
        "example": plain("Drafted release notes from commits with an assistant."),
        "work_kind": static("coding"),
        "tool": plain("GitHub Copilot"),
        "share_consent": multi([]),
    }
    return {block: {"value": element} for block, element in values.items()}


class Answerers:
    """People answering while the campaign runs; a refused save ("try again") is retried."""

    def __init__(self, urls: list[str], slack: SlackDouble, label: str) -> None:
        self.senders = [SlackSender(url, SECRET, slack.response_url_base) for url in urls]
        self.everyone = list(self.senders)
        self.label = label
        self.saved: set[str] = set()
        self.refused = 0

    async def answer(self, i: int, user: str) -> None:
        for attempt in range(60):
            sender = self.senders[(i + attempt) % len(self.senders)]
            try:
                reply = await sender.view_submission(
                    ids.ANSWER_VIEW, answer_form(), user_id=user, private_metadata=self.label
                )
            except aiohttp.ClientError:  # that replica is gone: the person tries again
                reply = None
            if reply is not None and reply.status == 200 and '"errors"' not in reply.text:
                self.saved.add(user)
                return
            self.refused += 1
            await asyncio.sleep(0.5)

    async def close(self) -> None:
        for sender in self.everyone:
            await sender.close()


async def campaign_with_faults(
    args: argparse.Namespace, slack: SlackDouble, people: list[str], replicas: list[Any]
) -> dict[str, Any]:
    (url_a, victim), (url_b, _) = replicas
    label = quarters.quarter_of(utcnow())
    admin = SlackSender(url_a, SECRET, slack.response_url_base)
    started = time.monotonic()
    reply = await admin.command(ids.LEVERAGE_COMMAND, "admin start --now", user_id=ADMIN)
    await admin.close()
    assert reply.status == 200, reply
    answerers = Answerers([url_a, url_b], slack, label)
    answering = [
        asyncio.create_task(answerers.answer(i, user))
        for i, user in enumerate(people[:: max(1, len(people) // args.answers)][: args.answers])
    ]
    total = len(people)
    db = Database(args.db)
    killed_at = restarted_at = taken_over_at = None
    sent_at_kill = 0
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        sent = len(prompts_by_user(slack, label))
        if killed_at is None and sent >= total // 3:
            victim.send_signal(signal.SIGKILL)
            await victim.wait()
            killed_at, sent_at_kill = time.monotonic(), sent
            answerers.senders = answerers.senders[1:]  # A is gone: only B answers now
        if restarted_at is None and sent >= total // 2:
            restarted_at = time.monotonic()
            await asyncio.to_thread(subprocess.run, shlex.split(args.restart), check=True)
        gone = killed_at is not None and taken_over_at is None
        if gone and await held_by_process(db, victim.pid) == 0:
            taken_over_at = time.monotonic()
        if sent >= total and taken_over_at and await unsent_prompts(db, label) == 0:
            break  # every person has the DM *and* every outbox row is recorded as sent
        await asyncio.sleep(0.25)
    finished = time.monotonic()
    await asyncio.gather(*answering)
    await answerers.close()
    counts = prompts_by_user(slack, label)
    async with db.session() as s:
        answers = select(func.count()).select_from(Answer).where(Answer.campaign_id == label)
        stored = (await s.exec(answers)).scalar_one()  # type: ignore[call-overload]
        claimed = (
            await s.exec(  # type: ignore[call-overload]
                select(func.count()).select_from(Delivery).where(Delivery.status == "claimed")
            )
        ).scalar_one()
    await db.dispose()
    return {
        "people": total,
        "sent_at_kill": sent_at_kill,
        "kill_after_s": (killed_at or finished) - started,
        "restart_after_s": (restarted_at or finished) - started,
        "survivor_finished_s": finished - (killed_at or finished),
        "taken_over_s": (taken_over_at or finished) - (killed_at or finished),
        "total_s": finished - started,
        "duplicates": sum(1 for c in counts.values() if c > 1),
        "missing": sum(1 for u in people if counts[u] == 0),
        "answers_saved": len(answerers.saved),
        "answers_stored": stored,
        "answers_retried": answerers.refused,
        "claimed_left": claimed,
        "ratelimited": len([c for c in slack.calls_to("chat.postMessage") if c.status == 429]),
    }


async def held_by_process(db: Database, pid: int | None) -> int:
    """Rows still claimed by workers of process `pid` (worker ids are host:pid:random)."""
    try:
        async with db.session() as s:
            stmt = (
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status == "claimed", Delivery.lease_owner.like(f"%:{pid}:%"))
            )
            return int((await s.exec(stmt)).scalar_one())  # type: ignore[call-overload]
    except Exception:
        return -1


async def unsent_prompts(db: Database, label: str) -> int:
    """Prompt rows not yet recorded as sent (-1 while the database is restarting)."""
    try:
        async with db.session() as s:
            stmt = (
                select(func.count())
                .select_from(Delivery)
                .where(
                    Delivery.campaign_id == label,
                    Delivery.kind == "prompt",
                    Delivery.status != "sent",
                )
            )
            return int((await s.exec(stmt)).scalar_one())  # type: ignore[call-overload]
    except Exception:
        return -1


def table(
    load: dict[str, Any], floor: dict[str, Any], fault: dict[str, Any], args: argparse.Namespace
) -> str:
    return "\n".join([
        "| figure | value |",
        "|---|---|",
        f"| concurrent slash commands, 2 replicas | {load['n']} ({load['ok']} got 200) |",
        f"| ack time at the client p50 / p99 / max | {load['p50'] * 1000:.0f} / "
        f"{load['p99'] * 1000:.0f} / {load['max'] * 1000:.0f} ms |",
        f"| acked within 3 s, at the client | {load['within_3s']} / {load['n']} |",
        f"| ack time in the replicas (histogram bucket) p50 / p99 | ≤ {load['server_p50']:g} / "
        f"≤ {load['server_p99']:g} s |",
        f"| acked within 3 s, in the replicas | {load['server_within_3s']:.0f} / {load['n']} |",
        f"| floor: {floor['n']} concurrent forged requests (401) p50 / p99 | "
        f"{floor['p50'] * 1000:.0f} / {floor['p99'] * 1000:.0f} ms |",
        f"| command p50 / p99 as a multiple of the floor | {load['p50'] / floor['p50']:.1f}x / "
        f"{load['p99'] / floor['p99']:.1f}x |",
        f"| campaign people | {fault['people']} |",
        f"| chat.postMessage limit (double) / per-replica rate | {args.limit:g}/s / "
        f"{args.replica_rate:g}/s |",
        f"| 429 answers | {fault['ratelimited']} |",
        f"| replica A SIGKILLed after | {fault['kill_after_s']:.1f} s "
        f"({fault['sent_at_kill']} sent) |",
        f"| PostgreSQL restarted after | {fault['restart_after_s']:.1f} s |",
        f"| **dead replica's claimed rows all taken over, after the kill** | "
        f"**{fault['taken_over_s']:.1f} s** |",
        f"| **survivor finished, after the kill** | **{fault['survivor_finished_s']:.1f} s** |",
        f"| whole campaign | {fault['total_s']:.1f} s |",
        f"| **duplicates / missing prompts** | **{fault['duplicates']} / {fault['missing']}** |",
        f"| answers acknowledged / stored (refusals retried) | {fault['answers_saved']} / "
        f"{fault['answers_stored']} ({fault['answers_retried']}) |",
        f"| deliveries left claimed | {fault['claimed_left']} |",
    ])  # fmt: skip


async def main(args: argparse.Namespace) -> int:
    Path(args.logs).mkdir(parents=True, exist_ok=True)
    await reset_database(args.db)
    slack = SlackDouble(rate_limits={"chat.postMessage": (args.limit, args.limit / 4)})
    await slack.start()
    db = Database(args.db)
    replicas: list[Any] = []
    try:
        await db.migrate()
        people = await seed(Services(settings=load_settings(), db=db), slack, args.people)
        await db.dispose()
        replicas = [await start_replica(args, slack, name) for name in "ab"]
        urls = [u for u, _ in replicas]
        floor = await concurrent_commands(urls, slack, people, args.commands, forged=True)
        load = await concurrent_commands(urls, slack, people, args.commands)
        fault = await campaign_with_faults(args, slack, people, replicas)
    finally:
        for _, process in replicas:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
        await slack.stop()
    print(table(load, floor, fault, args))
    ok = (
        load["within_3s"] == load["n"] == load["ok"]
        and fault["duplicates"] == fault["missing"] == fault["claimed_left"] == 0
        and fault["answers_saved"] == fault["answers_stored"]
        and fault["survivor_finished_s"] < 60
    )
    return 0 if ok else 1


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="a throwaway PostgreSQL database URL")
    parser.add_argument("--restart", required=True, help="command that restarts PostgreSQL")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--commands", type=int, default=500)
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--limit", type=float, default=200.0, help="double's postMessage rate/s")
    parser.add_argument("--replica-rate", type=float, default=120.0, help="each replica's rate")
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--logs", default="/tmp/leverage-faults")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
