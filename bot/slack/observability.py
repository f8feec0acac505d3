"""What an operator watches: `/metrics`, `/readyz`, one log line per Slack request, and a
count of every Web API attempt (429s included).

Nothing here reads more of a request than its *kind* (command, block_actions, event, ...):
no user id, no text, no form value reaches a label or a log line.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot import metrics
from bot.core.services import Services

logger = logging.getLogger("leverage.http")

METRICS_PATH = "/metrics"
READY_PATH = "/readyz"
# Label values we accept from payloads; anything else is "other" (a fuzzer cannot make labels).
KNOWN_KINDS = frozenset(
    {
        "command", "block_actions", "view_submission", "view_closed", "shortcut",
        "message_action", "block_suggestion", "interactive_message", "event", "url_verification",
    }
)  # fmt: skip
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Readiness:
    """What `/readyz` checks beside the database; the server fills it in."""

    draining: bool = False
    scheduler: Any = None  # bot.scheduler.Heartbeat when this replica runs the scheduler

    def problems(self) -> list[str]:
        found = ["shutting down"] if self.draining else []
        if self.scheduler is not None and not self.scheduler.healthy():
            found.append("scheduler not ticking")
        return found


READINESS = web.AppKey("readiness", Readiness)


def install(web_app: web.Application, services: Services, events_path: str) -> None:
    """Adds the request middleware and the `/metrics` and `/readyz` routes."""
    web_app[READINESS] = Readiness()
    web_app.middlewares.append(_observe(events_path))

    async def metrics_page(request: web.Request) -> web.Response:
        await metrics.refresh_database_figures(services)
        body, content_type = metrics.exposition(request.headers.get("Accept", ""))
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    async def ready(request: web.Request) -> web.Response:
        problems = request.app[READINESS].problems()
        database = await services.db.ping()
        if not database:
            problems.append("database unreachable")
        body = {"status": "ready" if not problems else "not ready", "problems": problems}
        return web.json_response(body, status=200 if not problems else 503)

    web_app.router.add_get(METRICS_PATH, metrics_page)
    web_app.router.add_get(READY_PATH, ready)


def _observe(events_path: str) -> Any:
    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != events_path:
            return await handler(request)
        started = time.monotonic()
        kind = "unknown"
        status = 500
        try:
            kind = request_kind(await request.read(), request.content_type)
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as http_error:
            status = http_error.status
            raise
        finally:
            elapsed = time.monotonic() - started
            outcome = "ok" if status < 400 else "rejected" if status < 500 else "error"
            metrics.REQUESTS.labels(kind=kind, outcome=outcome).inc()
            metrics.ACK_SECONDS.labels(kind=kind).observe(elapsed)
            logger.info(
                "slack %s answered %d in %.1f ms", kind, status, elapsed * 1000,
                extra={"kind": kind, "status": status, "duration_ms": round(elapsed * 1000, 1)},
            )  # fmt: skip

    return observe


def request_kind(body: bytes, content_type: str) -> str:
    """The kind of a Slack request, from its body, without keeping anything else of it."""
    try:
        if content_type == "application/json":
            kind = str(json.loads(body).get("type", ""))
            return "event" if kind == "event_callback" else _known(kind)
        form = parse_qs(body.decode("utf-8"), max_num_fields=50)
        if "command" in form:
            return "command"
        if "payload" in form:
            return _known(str(json.loads(form["payload"][0]).get("type", "")))
    except (ValueError, AttributeError, RecursionError, TypeError):  # 4xx for the app to give
        return "unparseable"
    return "other"


def _known(kind: str) -> str:
    return kind if kind in KNOWN_KINDS else "other"


class ApiCallObserver(AsyncRetryHandler):
    """Counts every Web API attempt and every 429 by method, retrying nothing itself.

    slack_sdk asks each retry handler about every response, so the first handler in the list
    sees them all (including the 429s the rate-limit handler then waits out).
    """

    def __init__(self) -> None:
        super().__init__(max_retry_count=1_000_000)

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.rstrip("/").rsplit("/", 1)[-1] or "unknown"
        if response is None:
            metrics.API_CALLS.labels(method=method, status="error").inc()
            return False
        code = response.status_code
        metrics.API_CALLS.labels(method=method, status=f"{code // 100}xx").inc()
        if code == 429:
            metrics.API_RATELIMITED.labels(method=method).inc()
        return False
