"""What every HTTP request from Slack passes before Bolt sees it: signature, shape, replay.

Why in front of Bolt rather than inside it: Bolt logs a refused request's whole body at INFO
(a late but correctly signed disclosure would land in the log with its user ID and form
values), and it builds its context from the parsed body before any listener can refuse it, so
a JSON array, `null` or 5,000-deep nesting surfaces as a 500 with a traceback. Here a request
is verified with slack_sdk's own `SignatureVerifier` (the same check Bolt repeats), its body
must parse into a JSON object, and its signature must not have been acted on before: Slack's
signature is valid for five minutes, so a captured request could otherwise be sent again and
act again (an admin reply stored three times). Nothing here logs anything about a request.

A remembered signature is itself a trace of when someone acted, so it says as little as the
guard allows: its expiry is rounded up to a ten-minute boundary (it dates a request to its
bucket, not its second), and expired rows are swept once a minute by a coordinated job
(`sweep_seen_requests`), whatever the traffic, then erased from the files like anonymous data.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from bot.core.services import Services
from storage.queries import replay as q

# Slack's window: SignatureVerifier accepts a timestamp up to five minutes either side of now.
# A signature is remembered a little longer than it could possibly verify.
WINDOW = timedelta(minutes=5)
MARGIN = timedelta(minutes=1)
EXPIRY_BUCKET = 600  # seconds: a stored expiry is rounded up to a multiple of this
SEEN_TABLE = "seenrequest"


@dataclass(frozen=True)
class Refusal:
    status: int
    error: str


UNSIGNED = Refusal(401, "invalid request signature")
NOT_AN_OBJECT = Refusal(400, "body is not a JSON object")


class RequestGate:
    """Verify, check the shape, and claim a request once across every replica."""

    def __init__(self, services: Services, signing_secret: str) -> None:
        self.services = services
        self.verifier = SignatureVerifier(signing_secret)
        self._waiting: dict[str, tuple[datetime, asyncio.Future[bool]]] = {}
        self._writer: asyncio.Task[None] | None = None

    def verified(self, body: str, headers: dict[str, str]) -> bool:
        try:
            return self.verifier.is_valid_request(body, headers)
        except (ValueError, TypeError):  # a timestamp that is not a number, a non-ASCII signature
            return False

    async def first_time(self, headers: dict[str, str]) -> bool:
        """False when this exact signed request has been acted on already (a replay)."""
        signature = _header(headers, "x-slack-signature")
        timestamp = int(_header(headers, "x-slack-request-timestamp"))
        key = hashlib.sha256(signature.encode()).hexdigest()
        expires = coarse_expiry(timestamp)
        if key in self._waiting:  # the same request twice in one batch: the second is a replay
            return False
        self._waiting[key] = (expires, asyncio.get_running_loop().create_future())
        future = self._waiting[key][1]
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._claim_waiting())
        return await asyncio.shield(future)

    async def _claim_waiting(self) -> None:
        """Group commit: claims that arrive while one transaction runs share the next one, so a
        burst of requests costs a few writes before their acks instead of one write each."""
        db = self.services.db
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            try:
                async with db.session() as session:
                    keys = {key: expires for key, (expires, _) in batch.items()}
                    claimed = await q.claim_requests(session, keys, postgres=db.is_postgres)
            except Exception as error:  # each waiter decides (the database may be down)
                for _, future in batch.values():
                    future.set_exception(error)
                continue
            for key, (_, future) in batch.items():
                future.set_result(key in claimed)


def coarse_expiry(timestamp: int) -> datetime:
    """When a signature signed at `timestamp` stops verifying (plus a margin), rounded up to
    the next EXPIRY_BUCKET boundary: never earlier than needed, and no finer than the bucket."""
    latest = timestamp + int((WINDOW + MARGIN).total_seconds())
    return datetime.fromtimestamp(-(-latest // EXPIRY_BUCKET) * EXPIRY_BUCKET, UTC)


async def sweep_seen_requests(services: Services) -> str:
    """The scheduler's job (every minute, once across replicas): forget signatures that can no
    longer verify, then erase their bytes (SQLite zeroes freed cells and checkpoints; PostgreSQL
    rewrites the table with VACUUM FULL, so no dead version keeps its `xmin` and expiry)."""
    async with services.db.session() as session:
        forgotten = await q.forget_expired(session, services.clock())
    if forgotten:
        await services.db.erase_traces(SEEN_TABLE)
    return f"expired request signatures forgotten: {forgotten}"


def _header(headers: dict[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def shape_problem(body: str, content_type: str) -> Refusal | None:
    """None when the body is what Slack sends: a form (whose `payload`, if any, is a JSON
    object) or a JSON object. Anything else, however deep or odd, is a 400."""
    try:
        if "json" in content_type.lower():
            return None if isinstance(json.loads(body), dict) else NOT_AN_OBJECT
        payload = parse_qs(body).get("payload")
        if payload and not isinstance(json.loads(payload[0]), dict):
            return NOT_AN_OBJECT
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than json allows
        return Refusal(400, "body is not valid JSON")
    return None


def plain_headers(raw: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in raw.items()}
