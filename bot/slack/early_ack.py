"""Slash commands acknowledged at the HTTP edge, before Bolt runs.

Slack waits at most 3 seconds for the HTTP answer to a slash command. Bolt answers only once
the listener has called `ack()`, and it finds out by polling every 10 ms after running its
middleware chain; with the replay guard's database write in front, a burst of commands queued
behind each other for hundreds of milliseconds (`bench/ack.py`). The commands listed in
`handlers.commands.ACKED_EMPTY` always acknowledge with an empty body, so for them the edge
answers 200 as soon as the signature and shape are verified (what Bolt would have answered),
and the replay check and Bolt's dispatch run right after, in the background. A replay is still
acted on at most once; its early 200 is what a replay got anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any
from urllib.parse import parse_qs

from handlers.commands import ACKED_EMPTY

logger = logging.getLogger("leverage.app")


def acked_at_once(body: str, content_type: str) -> bool:
    """A slash command (a form post with `command`) whose listener acks with nothing."""
    if "x-www-form-urlencoded" not in content_type:
        return False
    command = parse_qs(body, max_num_fields=64).get("command") or [""]
    return command[0] in ACKED_EMPTY


class Background:
    """Work started after the answer was sent: kept referenced until done, failures logged.

    During a burst the acks go first: work waits until no request has arrived for `QUIET`
    seconds (or, under a steady stream, at most `MAX_WAIT`), so the burst's later requests are
    not answered behind the earlier ones' computations and replies.
    """

    QUIET = 0.005
    MAX_WAIT = 0.1

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self._pending: list[Coroutine[Any, Any, Any]] = []
        self._last_arrival = 0.0

    def start(self, work: Coroutine[Any, Any, Any]) -> None:
        self._pending.append(work)
        self._last_arrival = time.monotonic()
        if len(self._pending) == 1:
            self._keep(self._release())

    async def _release(self) -> None:
        oldest = time.monotonic()
        while True:
            now = time.monotonic()
            quiet_for = now - self._last_arrival
            if quiet_for >= self.QUIET or now - oldest >= self.MAX_WAIT:
                break
            await asyncio.sleep(self.QUIET - quiet_for)
        ready, self._pending = self._pending, []
        for work in ready:
            self._keep(work)

    def _keep(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("command after its ack failed: %s", type(task.exception()).__name__)
