"""Ack benchmark: 200 concurrent signed `/ai-stage` against `leverage-bot serve` vs the floor.

    .venv/bin/python bench/ack.py                                   # SQLite (fresh file)
    .venv/bin/python bench/ack.py --db postgresql://postgres:postgres@127.0.0.1:5432/x

The bot runs as an operator runs it (`leverage-bot serve`, its own process) on a 10,000-person
organisation's data (8 quarters of answers, disclosures and sent prompts, loaded as
`bench/aggregate.py` loads them). The floor is a bare aiohttp app in its own process that only
verifies Slack's signature and answers 200. The Slack double (receiving the bot's `respond()`
posts) runs in a third process, so neither server's work lands on the measuring client.

Rounds alternate floor, bot, floor, bot, … (3 each after one unmeasured warm-up burst each);
every request is a distinct signed command (a replay would be ignored). Latency is the time
from sending the request to reading the HTTP answer (Slack's 3-second ack), measured by one
client. Reported: p50 and p99 per round, the median round's, and bot/floor ratios. Exits
non-zero unless the bot's p99 is within `--target` times the floor's (median rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.slack.server import BACKLOG

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------ child processes


async def run_floor(port: int) -> None:
    """The floor: verify the signature (as Bolt does) and answer 200 with an empty body."""
    verifier = SignatureVerifier(SECRET)

    async def events(request: web.Request) -> web.Response:
        body = await request.text()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/slack/events", events)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=BACKLOG).start()  # as serve has
    await asyncio.Event().wait()


async def run_double(port: int, stats_port: int) -> None:
    """The Slack double, plus a side port that says how many `respond()` posts arrived."""
    from bot.slack.double import SlackDouble

    slack = SlackDouble()
    await slack.start(port=port)

    async def count(_request: web.Request) -> web.Response:
        return web.json_response({"responses": len(slack.responses)})

    app = web.Application()
    app.router.add_get("/count", count)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", stats_port).start()
    await asyncio.Event().wait()


# ------------------------------------------------------------------ measuring


class Burst:
    """Signed `/ai-stage` commands, each distinct, sent all at once by one client."""

    def __init__(self, response_base: str) -> None:
        self.signer = SignatureVerifier(SECRET)
        self.response_base = response_base
        self.serial = 0

    def request(self) -> tuple[str, dict[str, str]]:
        self.serial += 1
        n = self.serial
        body = urlencode({
            "token": "unused", "team_id": "T0BENCH", "team_domain": "bench",
            "channel_id": f"DUB{n}", "channel_name": "directmessage",
            "user_id": f"UB{n % 10000 + 1}",
            "user_name": f"ub{n}", "command": "/ai-stage", "text": "", "api_app_id": "A0LEVERAGE",
            "response_url": f"{self.response_base}/ack-{n}", "trigger_id": f"{n}.1.bench",
        })  # fmt: skip
        ts = str(int(time.time()))
        return body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": self.signer.generate_signature(timestamp=ts, body=body),
        }

    async def fire(self, session: aiohttp.ClientSession, url: str, n: int) -> list[float]:
        requests = [self.request() for _ in range(n)]  # signed before the clock starts

        async def one(body: str, headers: dict[str, str]) -> float:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url} answered {response.status}")
            return time.perf_counter() - started

        return await asyncio.gather(*(one(b, h) for b, h in requests))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def wait_until(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def measure(args: argparse.Namespace, bot: str, floor: str, stats: str, base: str) -> dict:
    burst = Burst(base)
    connector = aiohttp.TCPConnector(limit=0)
    results: dict[str, list[dict[str, float]]] = {"floor": [], "bot": []}
    async with aiohttp.ClientSession(connector=connector) as session:

        async def responses() -> int:
            async with session.get(stats + "/count") as reply:
                return int((await reply.json())["responses"])

        async def settled(expected: int) -> None:
            async def done() -> bool:
                return await responses() >= expected

            if not await wait_until(done, args.settle):  # still computing: measured anyway
                print(f"replies: {await responses()} of {expected} after {args.settle:g} s",
                      file=sys.stderr)  # fmt: skip

        for url in (floor, bot):  # warm-up, unmeasured
            await burst.fire(session, url, args.concurrency)
        await settled(args.concurrency)
        for _ in range(args.rounds):
            for name, url in (("floor", floor), ("bot", bot)):
                before = await responses()
                await asyncio.sleep(0.5)  # let the machine settle between bursts
                latencies = await burst.fire(session, url, args.concurrency)
                if name == "bot":
                    await settled(before + args.concurrency)  # every command was answered
                results[name].append(
                    {"p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99)}
                )
    return results


def median_round(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


# ------------------------------------------------------------------ orchestration


async def wait_port(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"{url}: process exited early")
            try:
                async with session.get(url) as _reply:
                    return
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


def spawn(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A child whose log goes to a file (a pipe nobody reads would block it once full)."""
    log = tempfile.NamedTemporaryFile(prefix="ack-child-", suffix=".log", delete=False)  # noqa: SIM115 (the child writes it)
    return subprocess.Popen([sys.executable, *args], env=env, stdout=log, stderr=log)


async def main(args: argparse.Namespace) -> int:
    from aggregate import load  # the aggregator benchmark's 10,000-person organisation
    from fanout import reset_database

    scratch = tempfile.mkdtemp(prefix="ack-")
    db = args.db or f"sqlite:///{scratch}/ack.db"
    await reset_database(db)
    loaded = await load(db, args.people)
    print(f"loaded {loaded}", file=sys.stderr)
    ports = {name: free_port() for name in ("bot", "floor", "double", "stats")}
    here = str(Path(__file__).resolve())
    children = [
        spawn([here, "--floor", str(ports["floor"])]),
        spawn([here, "--double", str(ports["double"]), str(ports["stats"])]),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEVERAGE_"))}
    env.update(
        SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, DATABASE_URL=db, HOST="127.0.0.1",
        SLACK_API_URL=f"http://127.0.0.1:{ports['double']}/api/", PORT=str(ports["bot"]),
        LOG_LEVEL="WARNING",
    )  # fmt: skip
    children.append(spawn(["-m", "bot", "serve", "--no-scheduler"], env))
    origin = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        await wait_port(origin["stats"] + "/count", children[1])
        await wait_port(origin["bot"] + "/healthz", children[2])
        await wait_port(origin["floor"] + "/slack/events", children[0])
        results = await measure(
            args, origin["bot"] + "/slack/events", origin["floor"] + "/slack/events",
            origin["stats"], origin["double"] + "/response",
        )  # fmt: skip
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
    return report(args, db, loaded, results)


def report(args: argparse.Namespace, db: str, loaded: dict, results: dict) -> int:
    floor, bot = results["floor"], results["bot"]
    rows = [
        f"| round {i + 1} | {f['p50'] * 1000:.1f} / {f['p99'] * 1000:.1f} ms | "
        f"{b['p50'] * 1000:.1f} / {b['p99'] * 1000:.1f} ms | {b['p99'] / f['p99']:.2f} |"
        for i, (f, b) in enumerate(zip(floor, bot, strict=True))
    ]
    p99 = median_round(bot, "p99") / median_round(floor, "p99")
    p50 = median_round(bot, "p50") / median_round(floor, "p50")
    paired = statistics.median(b["p99"] / f["p99"] for f, b in zip(floor, bot, strict=True))
    backend = "postgresql" if db.startswith("postgres") else "sqlite"
    print(
        f"backend {backend}, {args.people} people ({loaded['answers']} answers, "
        f"{loaded['disclosures']} disclosures), {args.concurrency} concurrent /ai-stage"
    )
    print("| | floor p50 / p99 | bot p50 / p99 | p99 ratio |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"| **median round** | {median_round(floor, 'p50') * 1000:.1f} / "
        f"{median_round(floor, 'p99') * 1000:.1f} ms | {median_round(bot, 'p50') * 1000:.1f} / "
        f"{median_round(bot, 'p99') * 1000:.1f} ms | **{p99:.2f}** (p50 {p50:.2f}; "
        f"median of the rounds' ratios {paired:.2f}) |"
    )
    summary = {"backend": backend, "p99_ratio": round(p99, 2), "p50_ratio": round(p50, 2),
               "p99_ratio_paired": round(paired, 2)}  # fmt: skip
    print(json.dumps(summary))
    return 0 if p99 <= args.target else 1


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--target", type=float, default=2.0, help="allowed p99 ratio")
    parser.add_argument("--settle", type=float, default=120.0,
                        help="seconds to wait for a burst's replies")  # fmt: skip
    parser.add_argument("--floor", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--double", type=int, nargs=2, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.floor:
        asyncio.run(run_floor(arguments.floor))
    elif arguments.double:
        asyncio.run(run_double(*arguments.double))
    else:
        sys.exit(asyncio.run(main(arguments)))
