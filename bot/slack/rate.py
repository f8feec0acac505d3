"""Finding Slack's rate limits without configuration, and keeping to them on every replica.

Slack does not publish a workspace's limit for `chat.postMessage` (nor exactly for the other
tiered methods a campaign calls), so no fixed rate can be right: a conservative one takes hours
at 100,000 people, an optimistic one drowns in 429s. `RateGovernor` finds it the way TCP finds
a link's capacity:

- **slow start**: from a modest first rate, double every half second while the rate is what
  holds the senders back, until Slack first answers 429;
- **additive increase, multiplicative decrease** after that: the rate grows by a fixed step
  per second (5 % of the rate Slack last pushed back at) and drops to 80 % on each 429;
- **Retry-After** pauses every sender of that method in the process, and is written to the
  database (`rate_limit_state`) so that every replica pauses too and a newly started one
  begins at the rate found so far instead of probing again;
- Slack's **per-channel** limit (about one message a second in a channel) spaces posts to the
  same conversation;
- `LEVERAGE_FANOUT_RATE`, when set, stays a ceiling on the fan-out (`bot.core.delivery`).

The governor paces requests before they leave (`SlackWebClient.api_call`) and learns from
429s in a slack_sdk retry handler (`GovernedRateLimitRetryHandler`), which waits through the
governor instead of sleeping on its own, so a retried request is paced like a new one.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from storage.db import Database
from storage.queries import rate_limits as q

logger = logging.getLogger("leverage.rate")

# The tiered methods a campaign calls in volume; others (views.open within a trigger's 3 s
# life, say) are never held back, though their 429s are still waited out.
GOVERNED = frozenset(
    {
        "chat.postMessage",
        "chat.update",
        "conversations.open",
        "conversations.history",
        "users.info",
        "users.lookupByEmail",
    }
)
# Seconds between posts to one conversation: Slack allows about one a second; the margin
# absorbs network jitter (a post delayed in transit must not make the next one look early).
PER_CHANNEL = {"chat.postMessage": 1.1}
FIRST_RATE = 10.0  # requests per second before anything is known
FLOOR = 0.5
DOUBLING_SECONDS = 0.5
DECREASE = 0.8
STEP_SHARE = 0.05  # additive increase per second, as a share of the rate at the last 429
BURST_SECONDS = 0.05  # how far ahead of the pace a sender may run
SYNC_SECONDS = 1.0  # how often the shared state is read from the database
MAX_CHANNELS = 10_000


@dataclass
class MethodState:
    """What the governor knows about one method."""

    rate: float
    slow_start: bool = True
    step: float = 1.0
    tokens: float = 1.0
    updated: float = field(default_factory=time.monotonic)
    last_increase: float = field(default_factory=time.monotonic)
    paused_until: float = 0.0  # time.monotonic()
    same_event_until: float = 0.0  # 429s before this belong to the pause already taken
    synced: float = 0.0
    ratelimited: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def cap(self) -> None:
        self.rate = max(FLOOR, self.rate)


class RateGovernor:
    """One per process, shared by every Web API client of the process."""

    def __init__(self, db: Database | None = None) -> None:
        self.db = db
        self.methods: dict[str, MethodState] = {}
        self._channel_next: dict[str, float] = {}

    def state(self, method: str) -> MethodState:
        if method not in self.methods:
            self.methods[method] = MethodState(rate=FIRST_RATE)
        return self.methods[method]

    @property
    def ratelimited(self) -> int:
        """429s answered to this process, all methods."""
        return sum(s.ratelimited for s in self.methods.values())

    async def acquire(self, method: str, channel: str | None = None) -> None:
        """Wait until `method` may be called now (and, for posts, in `channel`)."""
        if method not in GOVERNED:
            return
        if channel and method in PER_CHANNEL:
            await self._channel_turn(channel, PER_CHANNEL[method])
        state = self.state(method)
        async with state.lock:  # waiters are served in arrival order
            await self._sync(method, state)
            while True:
                now = time.monotonic()
                if state.paused_until > now:
                    await asyncio.sleep(state.paused_until - now)
                    continue
                if now - state.updated > 1.0:  # idle until now: no credit towards an increase
                    state.last_increase = now
                burst = max(1.0, state.rate * BURST_SECONDS)
                state.tokens = min(burst, state.tokens + (now - state.updated) * state.rate)
                state.updated = now
                if state.tokens >= 1:
                    state.tokens -= 1
                    return
                self._increase(state, now)  # the pace is what holds senders back: probe up
                await asyncio.sleep((1 - state.tokens) / state.rate)

    def _increase(self, state: MethodState, now: float) -> None:
        elapsed = min(now - state.last_increase, 1.0)
        state.last_increase = now
        if state.slow_start:
            state.rate *= 2 ** (elapsed / DOUBLING_SECONDS)
        else:
            state.rate += state.step * elapsed
        state.cap()

    async def _channel_turn(self, channel: str, spacing: float) -> None:
        now = time.monotonic()
        if len(self._channel_next) > MAX_CHANNELS:
            self._channel_next = {c: t for c, t in self._channel_next.items() if t > now}
        turn = max(now, self._channel_next.get(channel, 0.0))
        self._channel_next[channel] = turn + spacing
        if turn > now:
            await asyncio.sleep(turn - now)

    async def on_ratelimited(self, method: str, retry_after: float) -> None:
        """Slack answered 429: pause the method, slow down once per pause, tell the replicas."""
        state = self.state(method)
        state.ratelimited += 1
        now = time.monotonic()
        state.paused_until = max(state.paused_until, now + retry_after)
        if now < state.same_event_until:
            return
        state.same_event_until = state.paused_until + 0.5  # in-flight requests hit the same wall
        state.step = max(0.1, state.rate * STEP_SHARE)
        state.rate *= DECREASE
        state.slow_start = False
        state.tokens = 0.0
        state.last_increase = state.paused_until
        state.cap()
        logger.info("%s: 429, pausing %.1f s, rate now %.1f/s", method, retry_after, state.rate)
        await self._publish(method, state, retry_after)

    async def _publish(self, method: str, state: MethodState, retry_after: float) -> None:
        if self.db is None:
            return
        until = datetime.now(UTC) + timedelta(seconds=retry_after)
        try:
            async with self.db.session() as session:
                await q.record_pause(session, method, until, state.rate)
        except Exception as error:  # the local pause holds even if the database hiccups
            logger.warning("rate state not shared: %s", type(error).__name__)

    async def _sync(self, method: str, state: MethodState) -> None:
        """Adopt another replica's pause (and, before our first 429, the rate it found)."""
        now = time.monotonic()
        if self.db is None or now - state.synced < SYNC_SECONDS:
            return
        state.synced = now
        try:
            async with self.db.session() as session:
                shared = await q.shared_state(session, method)
        except Exception as error:
            logger.warning("rate state not read: %s", type(error).__name__)
            return
        if shared is None:
            return
        paused_until, rate = shared
        if paused_until is not None:
            left = (paused_until - datetime.now(UTC)).total_seconds()
            state.paused_until = max(state.paused_until, now + left)
        if rate and state.slow_start:
            state.rate, state.slow_start = rate, False
            state.step = max(0.1, rate * STEP_SHARE)
            state.cap()


def method_of(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def retry_after_seconds(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                break
    return 1.0 + random.random()


class GovernedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, but the wait goes through the governor: the pause is shared
    with every sender (and replica) and the retried request is paced like a new one."""

    def __init__(self, governor: RateGovernor, max_retry_count: int = 20) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.governor = governor

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error  # type: ignore[misc]
        method = method_of(request.url)
        seconds = retry_after_seconds(response)
        await self.governor.on_ratelimited(method, seconds)
        if method in GOVERNED:
            await self.governor.acquire(method)
        else:
            await asyncio.sleep(seconds)
        state.next_attempt_requested = True
        state.increment_current_attempt()
