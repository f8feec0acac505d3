"""The fan-out finds Slack's limit by itself and keeps to it, on one replica or several.

The Slack double emulates a workspace limit (token bucket: rate, burst, 429 with Retry-After
beyond it) and Slack's per-channel limit; the governor starts knowing neither.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from bot.config import Settings
from bot.slack.client import make_web_client
from bot.slack.double import SlackDouble
from bot.slack.rate import DECREASE, GOVERNED, STEP_SHARE, RateGovernor
from storage.db import Database

POST = "chat.postMessage"


async def post_all(
    settings: Settings, governor: RateGovernor, users: list[str], workers: int
) -> None:
    client = make_web_client(settings, safe_to_repeat=False, governor=governor)
    queue = list(users)

    async def work() -> None:
        while queue:
            user = queue.pop()
            await client.chat_postMessage(channel=user, text=f"hello {user}")

    await asyncio.gather(*(work() for _ in range(workers)))


async def test_finds_the_workspace_limit_and_loses_nothing(
    settings: Settings, slack: SlackDouble, database: Database
) -> None:
    slack.set_rate_limit(POST, 40, 40)
    governor = RateGovernor(database)
    users = [f"U{i:04d}" for i in range(300)]
    await post_all(settings, governor, users, workers=16)
    posted = Counter(m["channel"] for m in slack.messages)
    assert set(posted) == {slack.dm_channel_for(u) for u in users}
    assert set(posted.values()) == {1}  # a 429 is retried, never posted twice
    refused = sum(1 for c in slack.calls_to(POST) if c.status == 429)
    state = governor.state(POST)
    assert refused == state.ratelimited > 0  # it probed up to the limit and was told so
    assert not state.slow_start
    assert refused < len(users) * 0.15  # ... and then kept (mostly) under it (how close to
    # the limit it runs, with which throughput: bench/fanout.py)


async def test_retry_after_pauses_every_sender_of_the_method(
    settings: Settings, slack: SlackDouble
) -> None:
    governor = RateGovernor()
    slack.fail_next(POST, http_status=429, error="ratelimited", retry_after=2)
    first = asyncio.create_task(post_all(settings, governor, ["U0001"], workers=1))
    await asyncio.sleep(0.2)  # the 429 has been answered; another sender starts meanwhile
    others = asyncio.create_task(post_all(settings, governor, ["U0002", "U0003"], workers=2))
    await asyncio.gather(first, others)
    calls = slack.calls_to(POST)
    refusal = next(c for c in calls if c.status == 429)
    after = [c.at - refusal.at for c in calls if c is not refusal]
    assert len(after) == 3 and min(after) >= 1.9  # nobody called during the pause


async def test_another_replica_honours_the_pause(settings: Settings, database: Database) -> None:
    """Replicas share only the database: one's 429 pauses the other."""
    told = RateGovernor(database)
    other = RateGovernor(Database(database.url))
    try:
        await told.on_ratelimited(POST, 2.0)
        started = time.monotonic()
        await other.acquire(POST)
        assert time.monotonic() - started >= 1.5
        assert not other.state(POST).slow_start  # it starts at the rate found, no probing
    finally:
        await other.db.dispose()  # type: ignore[union-attr]


async def test_posts_to_one_channel_keep_slacks_per_channel_pace(
    settings: Settings, slack: SlackDouble
) -> None:
    slack.set_channel_rate_limit(POST, 1, 1)
    client = make_web_client(settings, safe_to_repeat=False, governor=RateGovernor())
    await asyncio.gather(*(client.chat_postMessage(channel="U0001", text=str(i)) for i in range(3)))
    calls = slack.calls_to(POST)
    assert [c.status for c in calls] == [200, 200, 200]  # the double refused none
    assert calls[2].at - calls[0].at >= 1.9


async def test_methods_outside_the_campaign_are_never_held_back() -> None:
    governor = RateGovernor()
    await governor.on_ratelimited("views.open", 5)
    assert "views.open" not in GOVERNED
    started = time.monotonic()
    await governor.acquire("views.open")
    assert time.monotonic() - started < 0.5


async def test_a_429_slows_the_method_down_once_per_pause() -> None:
    """Multiplicative decrease: a 429 leaves slow start and cuts the rate to DECREASE of itself;
    the other in-flight requests that hit the same wall do not cut it again, a later 429 does."""
    governor = RateGovernor()
    state = governor.state(POST)
    state.rate = 200.0
    await governor.on_ratelimited(POST, retry_after=0.05)
    assert not state.slow_start
    assert state.rate == 200.0 * DECREASE
    assert state.paused_until > time.monotonic()
    await governor.on_ratelimited(POST, retry_after=0.05)  # same pause: the same event
    assert state.rate == 200.0 * DECREASE
    assert state.ratelimited == 2
    await asyncio.sleep(0.6)  # past the pause and its in-flight margin
    await governor.on_ratelimited(POST, retry_after=0.05)
    assert state.rate == 200.0 * DECREASE * DECREASE


async def test_after_a_429_the_rate_grows_additively_not_by_doubling() -> None:
    governor = RateGovernor()
    state = governor.state(POST)
    state.rate = 100.0
    await governor.on_ratelimited(POST, retry_after=0.01)
    after_429 = state.rate
    governor._increase(state, state.last_increase + 1.0)  # one second at the pace
    assert after_429 < state.rate <= after_429 + 100.0 * STEP_SHARE + 1e-9
