"""A local stand-in for Slack's Web API, served over real HTTP on loopback.

Why a real HTTP server rather than a mocked client: the bot talks to Slack through
``slack_sdk``'s ``AsyncWebClient`` (and Bolt), and the behaviour that matters most in
production -- retry handlers reacting to ``429``/``5xx`` and ``Retry-After``, JSON-vs-form
encodings, the three-step ``files_upload_v2`` dance, Block Kit limits -- lives in that client
and on the wire. Pointing the real client at this double via ``base_url`` exercises all of it.

The double answers with Slack's response shapes for the methods the bot uses, records every
request in :attr:`SlackDouble.calls`, validates Block Kit payloads with ``slack_sdk.models``
and can inject faults and enforce per-method rate limits.

All state changes happen synchronously between awaits on the server's event loop, so
concurrent requests never interleave mid-update and no locks are needed.
"""

from __future__ import annotations

import base64
import json
import math
import time
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

__all__ = ["BOT_ID", "BOT_USER_ID", "TEAM_ID", "Call", "SlackDouble"]

TEAM_ID = "T0DOUBLE"
BOT_USER_ID = "UBOTDOUBLE"
BOT_ID = "BDOUBLE"
APP_ID = "ADOUBLE"
WORKSPACE_URL = "https://double.slack.com/"

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_CHARS = 40_000
DEFAULT_USERS_LIMIT = 200
DEFAULT_HISTORY_LIMIT = 100
MAX_BODY_BYTES = 256 * 1024 * 1024
_VALIDATION_CACHE_SIZE = 2048
# Form-encoded posts carry these as JSON strings; JSON posts carry them as objects.
_JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "view": "invalid_arguments",
    "metadata": "invalid_metadata_format",
    "files": "invalid_arguments",
}

Handler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(slots=True)
class Call:
    """One request the double received, kept so tests can assert on traffic, not just state."""

    method: str
    args: dict[str, Any]
    at: float
    status: int
    ok: bool
    error: str | None = None


@dataclass(slots=True)
class _Fault:
    http_status: int
    error: str
    retry_after: int | None
    after_effect: bool = False


@dataclass(slots=True)
class _TokenBucket:
    """Per-method bucket; Slack's tiers are per workspace per method, so one bucket per method."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self, now: float) -> float:
        """Consume one token; return 0 when granted, else seconds until one is available."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate if self.rate > 0 else 60.0


class _ApiError(Exception):
    """Raised by handlers to produce a Slack error body; Slack uses HTTP 200 for most of them."""

    def __init__(
        self,
        error: str,
        *,
        http_status: int = 200,
        headers: dict[str, str] | None = None,
        messages: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.http_status = http_status
        self.headers = headers or {}
        self.messages = messages
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def _truthy(value: Any) -> bool:
    """Slack accepts booleans as true/1 in forms and real booleans in JSON."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _ts_to_micros(ts: Any) -> int:
    """Integer microseconds so ts comparisons are exact (floats lose the last digit)."""
    text = str(ts).strip()
    whole, _, frac = text.partition(".")
    return int(whole or 0) * 1_000_000 + int((frac + "000000")[:6])


def _micros_to_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: Any) -> int:
    """Opaque base64 cursors, like Slack's, so callers cannot rely on their contents."""
    if not cursor:
        return 0
    try:
        kind, _, value = base64.b64decode(str(cursor)).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(value)
    except ValueError as exc:
        raise _ApiError("invalid_cursor") from exc


def _require(args: dict[str, Any], name: str) -> Any:
    value = args.get(name)
    if value is None or value == "":
        raise _ApiError("invalid_arguments", messages=[f"[ERROR] missing required field: {name}"])
    return value


def _int_arg(args: dict[str, Any], name: str, default: int, *, low: int, high: int) -> int:
    raw = args.get(name)
    if raw in (None, "", 0, "0"):
        return default
    try:
        return max(low, min(high, int(raw)))
    except (TypeError, ValueError) as exc:
        raise _ApiError("invalid_arguments", messages=[f"[ERROR] bad integer: {name}"]) from exc


def _block_problems(blocks: Any, *, limit: int, pointer: str) -> list[str]:
    """Validate blocks the way Slack would reject them; each problem names its JSON pointer."""
    if not isinstance(blocks, list):
        return [f"blocks must be an array [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    for index, raw in enumerate(blocks):
        problem = _single_block_problem(raw)
        if problem:
            problems.append(f"{problem} [json-pointer:{pointer}/{index}]")
    return problems


def _single_block_problem(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return "block must be an object"
    try:
        block = Block.parse(raw)
        if block is None:
            return f"unsupported block type: {raw.get('type')!r}"
        block.to_dict()  # to_dict() validates the block and, recursively, its elements
    except Exception as exc:  # slack_sdk raises several types for malformed blocks
        return f"{type(exc).__name__}: {exc}"
    return None


def _view_problems(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return ["view must be an object [json-pointer:/view]"]
    problems = _block_problems(
        view.get("blocks", []), limit=MAX_VIEW_BLOCKS, pointer="/view/blocks"
    )
    if problems:
        return problems
    if view.get("type") == "modal" and not view.get("title"):
        return ["modal views require a title [json-pointer:/view/title]"]
    try:
        View(**view).to_dict()
    except Exception as exc:  # View validators raise SlackObjectFormationError, ctor TypeError
        return [f"{type(exc).__name__}: {exc} [json-pointer:/view]"]
    return []


class SlackDouble:
    """An in-process Slack Web API on loopback for tests and the offline ``demo`` command.

    Point ``AsyncWebClient(token="xoxb-…", base_url=double.base_url)`` at it. Unknown methods
    answer ``unknown_method``. Users are optional: until one is added, any ``U…``/``W…`` id is
    accepted as a DM target; afterwards unknown ids are rejected as Slack would.
    """

    def __init__(
        self,
        *,
        bot_token_prefix: str = "xoxb-",
        rate_limits: dict[str, tuple[float, float]] | None = None,
        channel_rate_limits: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        self.bot_token_prefix = bot_token_prefix
        self.calls: list[Call] = []
        self.validation_errors: list[str] = []
        self.messages: list[dict[str, Any]] = []
        self.uploads: list[dict[str, Any]] = []
        self.published_home_views: dict[str, dict[str, Any]] = {}
        self.opened_views: list[dict[str, Any]] = []
        self.pushed_views: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []  # posts to response_url, as respond() makes
        # Socket Mode: connected app websockets and the acks they sent, by envelope id.
        self.socket_acks: dict[str, dict[str, Any]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._buckets = {m: _TokenBucket(r, b) for m, (r, b) in (rate_limits or {}).items()}
        # Slack also limits posts per conversation (about one a second): a bucket per channel.
        self._channel_limits = dict(channel_rate_limits or {})
        self._channel_buckets: dict[tuple[str, str], _TokenBucket] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._expired_triggers: set[str] = set()
        self._users: dict[str, dict[str, Any]] = {}
        self._user_by_email: dict[str, str] = {}
        self._usergroups: dict[str, dict[str, Any]] = {}
        self._dm_user: dict[str, str] = {}
        self._by_channel: dict[str, list[dict[str, Any]]] = {}
        self._micros_by_channel: dict[str, list[int]] = {}
        self._by_key: dict[tuple[str, str], dict[str, Any]] = {}
        self._by_recipient: dict[str, list[dict[str, Any]]] = {}
        self._threads: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._view_by_external: dict[str, str] = {}
        self._home_view_ids: dict[str, str] = {}
        self._pending_files: dict[str, dict[str, Any]] = {}
        self._validation_cache: dict[str, list[str]] = {}
        self._last_ts_micros = 0
        self._counter = 0
        self._runner: web.AppRunner | None = None
        self._origin: str | None = None
        self._handlers: dict[str, Handler] = self._build_handlers()

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 = any free port) and return the ``base_url``."""
        if self._runner is not None:
            return self.base_url
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_post("/response/{response_id}", self._handle_response_url)
        app.router.add_get("/socket-mode", self._handle_socket)
        # access_log=None: per-request logging dominates cost in 10k-message fan-out runs.
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        # A deep backlog: slack_sdk opens a fresh connection per call when given no session.
        site = web.TCPSite(runner, host, port, backlog=4096)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        self._runner = runner
        self._origin = f"http://{bound_host}:{bound_port}"
        return self.base_url

    async def stop(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackDouble:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Trailing slash matters: slack_sdk joins method names onto it with ``urljoin``."""
        if self._origin is None:
            raise RuntimeError("SlackDouble is not started; await start() first")
        return f"{self._origin}/api/"

    @property
    def response_url_base(self) -> str:
        """Where signed test requests point their `response_url`, so replies are recorded."""
        if self._origin is None:
            raise RuntimeError("SlackDouble is not started; await start() first")
        return f"{self._origin}/response"

    def responses_to(self, response_id: str) -> list[dict[str, Any]]:
        return [r for r in self.responses if r["response_id"] == response_id]

    # ------------------------------------------------------------------ seeding & faults

    def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "Europe/London",
        tz_offset: int = 0,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> None:
        handle = name or (email.split("@")[0] if email else user_id.lower())
        self._users[user_id] = {
            "id": user_id,
            "email": email,
            "name": handle,
            "real_name": real_name or handle,
            "tz": tz,
            "tz_offset": tz_offset,
            "is_bot": is_bot,
            "deleted": deleted,
        }
        if email:
            self._user_by_email[email.lower()] = user_id

    def add_usergroup(self, group_id: str, *, handle: str, name: str, user_ids: list[str]) -> None:
        self._usergroups[group_id] = {
            "id": group_id,
            "handle": handle,
            "name": name,
            "users": list(user_ids),
        }

    def set_rate_limit(self, method: str, requests_per_second: float, burst: float) -> None:
        """Change or add a limit after construction (e.g. to throttle mid-test)."""
        self._buckets[method] = _TokenBucket(requests_per_second, burst)

    def set_channel_rate_limit(self, method: str, per_second: float, burst: float) -> None:
        """Limit ``method`` per channel, as Slack limits posting to one conversation."""
        self._channel_limits[method] = (per_second, burst)

    def fail_next(
        self,
        method: str,
        *,
        count: int = 1,
        http_status: int = 200,
        error: str = "internal_error",
        retry_after: int | None = None,
        after_effect: bool = False,
    ) -> None:
        """Queue ``count`` failures for ``method``; they fire before auth and rate limiting.

        With ``after_effect`` the call *succeeds* (a message is really posted) and only then
        answers with the error: the ambiguous 5xx a sender must not blindly retry.
        """
        queue = self._faults.setdefault(method, deque())
        queue.extend(_Fault(http_status, error, retry_after, after_effect) for _ in range(count))

    def expire_trigger(self, trigger_id: str) -> None:
        self._expired_triggers.add(trigger_id)

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[Call]:
        """Every request for ``method``, including rejected ones."""
        return [c for c in self.calls if c.method == method]

    def ok_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.ok]

    def messages_to(self, user_id: str) -> list[dict[str, Any]]:
        """DMs to the user plus ephemerals shown to them, oldest first."""
        return list(self._by_recipient.get(user_id, []))

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Non-ephemeral messages in ``channel`` (thread replies included), oldest first."""
        return list(self._by_channel.get(channel, []))

    @staticmethod
    def dm_channel_for(user_id: str) -> str:
        """The stable DM channel id the double assigns to the bot's DM with ``user_id``."""
        return f"D{user_id}"

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        at = time.monotonic()
        args: dict[str, Any] = {}
        status, headers = 200, {}
        try:
            args = await self._read_args(request)
            body = self._process(method, args, request.headers.get("Authorization", ""))
        except _ApiError as err:
            body, status, headers = err.body(), err.http_status, err.headers
        except Exception as exc:  # a bug in the double must still be a recorded, JSON answer
            body, status = {"ok": False, "error": "internal_error", "detail": repr(exc)}, 500
        self.calls.append(Call(method, args, at, status, bool(body["ok"]), body.get("error")))
        return web.json_response(body, status=status, headers=headers)

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        """Merge query string and body; slack_sdk uses GET params, forms and JSON by method."""
        args: dict[str, Any] = dict(request.query)
        if not request.body_exists:
            return args
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise _ApiError("invalid_json") from exc
            if isinstance(body, dict):
                args.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
        return args

    def _process(self, method: str, args: dict[str, Any], authorization: str) -> dict[str, Any]:
        self._raise_injected_fault(method)
        if method == "apps.connections.open":
            self._authenticate_app_token(args, authorization)
            return {"ok": True, "url": f"{self._ws_origin}/socket-mode"}
        self._authenticate(args, authorization)
        self._throttle(method, str(args.get("channel") or ""))
        handler = self._handlers.get(method)
        if handler is None:
            raise _ApiError("unknown_method", extra={"req_method": method})
        self._decode_json_fields(args)
        result = {"ok": True, **handler(args)}
        self._raise_injected_fault(method, after_effect=True)
        return result

    def _take_fault(self, method: str, *, after_effect: bool) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue or queue[0].after_effect != after_effect:
            return None
        return queue.popleft()

    def _raise_injected_fault(self, method: str, *, after_effect: bool = False) -> None:
        fault = self._take_fault(method, after_effect=after_effect)
        if fault is None:
            return
        headers = {}
        if fault.http_status == 429 or fault.retry_after is not None:
            headers["Retry-After"] = str(max(1, fault.retry_after or 1))
        raise _ApiError(fault.error, http_status=fault.http_status, headers=headers)

    def _authenticate(self, args: dict[str, Any], authorization: str) -> None:
        token = args.pop("token", None)
        scheme, _, bearer = authorization.partition(" ")
        if scheme.lower() == "bearer" and bearer.strip():
            token = bearer.strip()
        if not token:
            raise _ApiError("not_authed")
        if not str(token).startswith(self.bot_token_prefix):
            raise _ApiError("invalid_auth")

    def _authenticate_app_token(self, args: dict[str, Any], authorization: str) -> None:
        """apps.connections.open takes the app-level token (`xapp-`), not the bot token."""
        scheme, _, bearer = authorization.partition(" ")
        token = bearer.strip() if scheme.lower() == "bearer" else args.pop("token", "")
        if not str(token).startswith("xapp-"):
            raise _ApiError("invalid_auth" if token else "not_authed")

    def _throttle(self, method: str, channel: str = "") -> None:
        buckets = []
        if channel and method in self._channel_limits:  # checked first: a refusal spends nothing
            key = (method, channel)
            if key not in self._channel_buckets:
                self._channel_buckets[key] = _TokenBucket(*self._channel_limits[method])
            buckets.append(self._channel_buckets[key])
        if method in self._buckets:
            buckets.append(self._buckets[method])
        now = time.monotonic()
        for bucket in buckets:
            wait = bucket.take(now)
            if wait > 0:
                retry_after = str(max(1, math.ceil(wait)))
                headers = {"Retry-After": retry_after}
                raise _ApiError("ratelimited", http_status=429, headers=headers)

    @staticmethod
    def _decode_json_fields(args: dict[str, Any]) -> None:
        for name, error in _JSON_FIELDS.items():
            value = args.get(name)
            if isinstance(value, str):
                try:
                    args[name] = json.loads(value) if value.strip() else None
                except ValueError as exc:
                    raise _ApiError(error) from exc

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The ``upload_url`` step of files_upload_v2: slack_sdk POSTs the raw bytes here."""
        file_id = request.match_info["file_id"]
        at = time.monotonic()
        pending = self._pending_files.get(file_id)
        content = await self._read_upload_bytes(request)
        status = 200 if pending is not None else 404
        if pending is not None:
            pending["content"] = content
        args = {"file_id": file_id, "length": len(content)}
        self.calls.append(Call("upload", args, at, status, status == 200))
        text = f"OK - {len(content)}" if status == 200 else "file not found"
        return web.Response(text=text, status=status, content_type="text/plain")

    @property
    def _ws_origin(self) -> str:
        return str(self._origin).replace("http://", "ws://", 1)

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        """A Socket Mode connection: say hello, then record every ack the app sends back."""
        socket = web.WebSocketResponse(heartbeat=None)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": len(self._sockets)})
        async for message in socket:
            if message.type != web.WSMsgType.TEXT:
                continue
            try:
                ack = json.loads(message.data)
            except ValueError:
                continue
            if isinstance(ack, dict) and ack.get("envelope_id"):
                self.socket_acks[str(ack["envelope_id"])] = ack
        self._sockets.remove(socket)
        return socket

    @property
    def socket_connections(self) -> int:
        return len(self._sockets)

    async def push_envelope(self, envelope_type: str, payload: dict[str, Any]) -> str:
        """Send an event, slash command or interaction over Socket Mode, as Slack would."""
        if not self._sockets:
            raise RuntimeError("no Socket Mode connection is open")
        self._counter += 1
        envelope_id = f"env-{self._counter}"
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": envelope_type,
                "payload": payload,
                "accepts_response_payload": envelope_type != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return envelope_id

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        """A `response_url` post (what Bolt's `respond()` sends): validated, then recorded."""
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        problems = _block_problems(body.get("blocks"), limit=50, pointer="/blocks")
        if body.get("blocks") is not None and problems:
            self.validation_errors.extend(f"response_url: {p}" for p in problems)
            return web.Response(status=400, text="invalid_blocks")
        response_id = request.match_info["response_id"]
        self.responses.append({"response_id": response_id, "body": body, "at": time.monotonic()})
        return web.Response(text="ok", content_type="text/plain")

    @staticmethod
    async def _read_upload_bytes(request: web.Request) -> bytes:
        if request.content_type != "multipart/form-data":
            return await request.read()
        reader = await request.multipart()
        async for part in reader:
            if getattr(part, "filename", None) or getattr(part, "name", None) == "file":
                return bytes(await part.read())  # type: ignore[union-attr]
        return b""

    # ------------------------------------------------------------------ shared helpers

    def _build_handlers(self) -> dict[str, Handler]:
        return {
            "api.test": lambda args: {"args": args},
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.list": self._users_list,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    def _next_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}DBL{self._counter:07d}"

    def _next_ts(self) -> str:
        """Wall-clock based like Slack's, but strictly increasing so every ts is unique."""
        micros = max(time.time_ns() // 1000, self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return _micros_to_ts(micros)

    def _check_user(self, user_id: str, *, missing: str, deleted: str) -> None:
        """Without seeded users the workspace is open; once seeded, it is exact."""
        if not self._users:
            return
        user = self._users.get(user_id)
        if user is None:
            raise _ApiError(missing)
        if user["deleted"]:
            raise _ApiError(deleted)

    def _open_dm(self, user_id: str) -> str:
        channel = self.dm_channel_for(user_id)
        self._dm_user[channel] = user_id
        return channel

    def _resolve_channel(self, channel: str) -> tuple[str, str | None]:
        """Map a post target to (channel id, DM recipient); user ids open the bot's DM."""
        if channel[:1] in ("U", "W"):
            self._check_user(channel, missing="channel_not_found", deleted="channel_not_found")
            return self._open_dm(channel), channel
        if channel[:1] == "D":
            return channel, self._dm_user.get(channel)
        if channel[:1] in ("C", "G"):
            return channel, None
        raise _ApiError("channel_not_found")

    def _validate_message_blocks(self, method: str, blocks: Any) -> None:
        if blocks is None:
            return
        problems = self._cached_problems(
            blocks, lambda: _block_problems(blocks, limit=MAX_MESSAGE_BLOCKS, pointer="/blocks")
        )
        if problems:
            self.validation_errors.extend(f"{method}: {p}" for p in problems)
            raise _ApiError("invalid_blocks", messages=[f"[ERROR] {p}" for p in problems])

    def _validate_view(self, method: str, view: Any) -> dict[str, Any]:
        problems = self._cached_problems(view, lambda: _view_problems(view))
        if problems:
            self.validation_errors.extend(f"{method}: {p}" for p in problems)
            # Slack reports bad views as invalid_arguments (not invalid_blocks).
            raise _ApiError("invalid_arguments", messages=[f"[ERROR] {p}" for p in problems])
        return view

    def _cached_problems(self, payload: Any, compute: Callable[[], list[str]]) -> list[str]:
        """Fan-outs resend identical blocks; slack_sdk model validation is the hot path."""
        try:
            key = json.dumps(payload, sort_keys=True)
        except (TypeError, ValueError):
            return compute()
        cached = self._validation_cache.get(key)
        if cached is None:
            if len(self._validation_cache) >= _VALIDATION_CACHE_SIZE:
                self._validation_cache.clear()
            cached = self._validation_cache[key] = compute()
        return cached

    @staticmethod
    def _validate_text(text: Any) -> None:
        if text is not None and len(str(text)) > MAX_TEXT_CHARS:
            raise _ApiError("msg_too_long")

    @staticmethod
    def _validate_metadata(metadata: Any) -> None:
        if metadata is None:
            return
        if not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and isinstance(metadata.get("event_payload"), dict)
        ):
            raise _ApiError("invalid_metadata_format")

    def _message_content(self, method: str, args: dict[str, Any]) -> tuple[Any, Any]:
        text, blocks = args.get("text"), args.get("blocks")
        if not text and not blocks:
            raise _ApiError("no_text")
        self._validate_text(text)
        self._validate_message_blocks(method, blocks)
        return text, blocks

    @staticmethod
    def _wire_message(record: dict[str, Any], *, with_metadata: bool = True) -> dict[str, Any]:
        """A stored record as Slack renders it in responses and history."""
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": record["text"] or "",
            "ts": record["ts"],
        }
        if record["blocks"]:
            message["blocks"] = record["blocks"]
        if record["thread_ts"]:
            message["thread_ts"] = record["thread_ts"]
        if record.get("edited"):
            message["edited"] = record["edited"]
        if with_metadata and record["metadata"]:
            message["metadata"] = record["metadata"]
        return message

    def _store_message(self, record: dict[str, Any]) -> None:
        self.messages.append(record)
        if record["user"]:
            self._by_recipient.setdefault(record["user"], []).append(record)
        if record["ephemeral"]:
            return
        channel, ts = record["channel"], record["ts"]
        self._by_channel.setdefault(channel, []).append(record)
        self._micros_by_channel.setdefault(channel, []).append(_ts_to_micros(ts))
        self._by_key[(channel, ts)] = record
        if record["thread_ts"]:
            self._threads.setdefault((channel, record["thread_ts"]), []).append(record)

    # ------------------------------------------------------------------ auth / chat

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": WORKSPACE_URL,
            "team": "Slack Double",
            "user": "leverage-bot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, recipient = self._resolve_channel(str(_require(args, "channel")))
        text, blocks = self._message_content("chat.postMessage", args)
        metadata = args.get("metadata")
        self._validate_metadata(metadata)
        thread_ts = args.get("thread_ts") or None
        record = {
            "channel": channel,
            "user": recipient,
            "ts": self._next_ts(),
            "text": text,
            "blocks": blocks,
            "metadata": metadata,
            "thread_ts": str(thread_ts) if thread_ts else None,
            "ephemeral": False,
        }
        self._store_message(record)
        return {"channel": channel, "ts": record["ts"], "message": self._wire_message(record)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, _ = self._resolve_channel(str(_require(args, "channel")))
        user = str(_require(args, "user"))
        self._check_user(user, missing="user_not_found", deleted="user_not_found")
        text, blocks = self._message_content("chat.postEphemeral", args)
        record = {
            "channel": channel,
            "user": user,
            "ts": self._next_ts(),
            "text": text,
            "blocks": blocks,
            "metadata": None,
            "thread_ts": args.get("thread_ts") or None,
            "ephemeral": True,
        }
        self._store_message(record)
        return {"message_ts": record["ts"]}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, _ = self._resolve_channel(str(_require(args, "channel")))
        ts = str(_require(args, "ts"))
        record = self._by_key.get((channel, ts))
        if record is None:
            raise _ApiError("message_not_found")
        text, blocks = self._message_content("chat.update", args)
        metadata = args.get("metadata")
        self._validate_metadata(metadata)
        record["text"], record["blocks"] = text, blocks
        if metadata is not None:
            record["metadata"] = metadata
        record["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        message = self._wire_message(record)
        return {"channel": channel, "ts": ts, "text": text or "", "message": message}

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(_require(args, "channel"))
        ts = str(_require(args, "message_ts"))
        if (channel, ts) not in self._by_key:
            raise _ApiError("message_not_found")
        link = f"{WORKSPACE_URL}archives/{channel}/p{ts.replace('.', '')}"
        return {"channel": channel, "permalink": link}

    # ------------------------------------------------------------------ conversations

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_arg = args.get("channel")
        if channel_arg:
            return {"channel": {"id": str(channel_arg)}, "already_open": True}
        users = _require(args, "users")
        user_ids = users if isinstance(users, list) else str(users).split(",")
        user_ids = [u.strip() for u in user_ids if u and u.strip()]
        if len(user_ids) != 1:
            raise _ApiError("not_supported", extra={"detail": "the double opens 1:1 DMs only"})
        self._check_user(user_ids[0], missing="user_not_found", deleted="user_disabled")
        return {"channel": {"id": self._open_dm(user_ids[0])}}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(_require(args, "channel"))
        user = self._dm_user.get(channel)
        info: dict[str, Any] = {"id": channel, "is_im": channel.startswith("D")}
        if user:
            info["user"] = user
        return {"channel": info}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(_require(args, "channel"))
        with_metadata = _truthy(args.get("include_all_metadata"))
        window = self._history_window(channel, args)
        top_level = [r for r in window if not r["thread_ts"] or r["thread_ts"] == r["ts"]]
        top_level.reverse()
        return self._page(top_level, args, with_metadata)

    def _history_window(self, channel: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Bisect the per-channel ts index, so history cost is independent of total traffic."""
        records = self._by_channel.get(channel, [])
        micros = self._micros_by_channel.get(channel, [])
        inclusive = _truthy(args.get("inclusive"))
        oldest = args.get("oldest")
        latest = args.get("latest")
        lo = 0
        hi = len(records)
        if oldest not in (None, ""):
            pivot = _ts_to_micros(oldest)
            lo = bisect_left(micros, pivot) if inclusive else bisect_right(micros, pivot)
        if latest not in (None, ""):
            pivot = _ts_to_micros(latest)
            hi = bisect_right(micros, pivot) if inclusive else bisect_left(micros, pivot)
        return records[lo:hi]

    def _page(
        self, records: list[dict[str, Any]], args: dict[str, Any], with_metadata: bool
    ) -> dict[str, Any]:
        limit = _int_arg(args, "limit", DEFAULT_HISTORY_LIMIT, low=1, high=999)
        start = _decode_cursor(args.get("cursor"))
        page = records[start : start + limit]
        has_more = start + limit < len(records)
        return {
            "messages": [self._wire_message(r, with_metadata=with_metadata) for r in page],
            "has_more": has_more,
            "response_metadata": {"next_cursor": _encode_cursor(start + limit) if has_more else ""},
        }

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(_require(args, "channel"))
        ts = str(_require(args, "ts"))
        parent = self._by_key.get((channel, ts))
        if parent is None:
            raise _ApiError("thread_not_found")
        replies = [r for r in self._threads.get((channel, ts), []) if r is not parent]
        with_metadata = _truthy(args.get("include_all_metadata"))
        return self._page([parent, *replies], args, with_metadata)

    # ------------------------------------------------------------------ views

    def _check_trigger(self, args: dict[str, Any]) -> None:
        trigger_id = str(_require(args, "trigger_id"))
        if trigger_id in self._expired_triggers:
            raise _ApiError("expired_trigger_id")

    def _new_hash(self) -> str:
        self._counter += 1
        return f"{int(time.time())}.{self._counter:08d}"

    def _render_view(self, view: dict[str, Any], view_id: str, **links: Any) -> dict[str, Any]:
        rendered = {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": None,
            **view,
            **links,
            "id": view_id,
            "team_id": TEAM_ID,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            "app_installed_team_id": TEAM_ID,
            "state": {"values": {}},
            "hash": self._new_hash(),
        }
        self._views[view_id] = rendered
        external_id = rendered.get("external_id")
        if external_id:
            self._view_by_external[external_id] = view_id
        return rendered

    def _check_external_id(self, view: dict[str, Any], view_id: str | None = None) -> None:
        owner = self._view_by_external.get(view.get("external_id") or "")
        if owner is not None and owner != view_id:
            raise _ApiError("duplicate_external_id")

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_trigger(args)
        view = self._validate_view("views.open", _require(args, "view"))
        self._check_external_id(view)
        rendered = self._render_view(view, self._next_id("V"))
        self.opened_views.append(rendered)
        return {"view": rendered}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_trigger(args)
        view = self._validate_view("views.push", _require(args, "view"))
        self._check_external_id(view)
        rendered = self._render_view(view, self._next_id("V"))
        self.pushed_views.append(rendered)
        return {"view": rendered}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id") or self._view_by_external.get(args.get("external_id") or "")
        current = self._views.get(view_id or "")
        if view_id is None or current is None:
            raise _ApiError("not_found")
        expected_hash = args.get("hash")
        if expected_hash and expected_hash != current["hash"]:
            raise _ApiError("hash_conflict")
        view = self._validate_view("views.update", _require(args, "view"))
        self._check_external_id(view, view_id)
        links = {"root_view_id": current["root_view_id"], "previous_view_id": None}
        return {"view": self._render_view(view, view_id, **links)}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(_require(args, "user_id"))
        self._check_user(user_id, missing="user_not_found", deleted="user_not_found")
        view = self._validate_view("views.publish", _require(args, "view"))
        if view.get("type") != "home":
            raise _ApiError("invalid_arguments", messages=["[ERROR] views.publish needs home"])
        view_id = self._home_view_ids.setdefault(user_id, self._next_id("V"))
        expected_hash = args.get("hash")
        current = self._views.get(view_id)
        if expected_hash and current is not None and expected_hash != current["hash"]:
            raise _ApiError("hash_conflict")
        rendered = self._render_view(view, view_id)
        self.published_home_views[user_id] = rendered
        return {"view": rendered}

    # ------------------------------------------------------------------ users & groups

    @staticmethod
    def _wire_user(user: dict[str, Any]) -> dict[str, Any]:
        profile = {
            "email": user["email"],
            "real_name": user["real_name"],
            "real_name_normalized": user["real_name"],
            "display_name": user["name"],
            "display_name_normalized": user["name"],
            "team": TEAM_ID,
        }
        return {
            "id": user["id"],
            "team_id": TEAM_ID,
            "name": user["name"],
            "real_name": user["real_name"],
            "tz": user["tz"],
            "tz_label": user["tz"],
            "tz_offset": user["tz_offset"],
            "is_bot": user["is_bot"],
            "is_app_user": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "deleted": user["deleted"],
            "profile": profile,
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(str(_require(args, "user")))
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": self._wire_user(user)}

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        """Deactivated users are returned with ``deleted: true`` so callers must check it."""
        user_id = self._user_by_email.get(str(_require(args, "email")).strip().lower())
        if user_id is None:
            raise _ApiError("users_not_found")
        return {"user": self._wire_user(self._users[user_id])}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        limit = _int_arg(args, "limit", DEFAULT_USERS_LIMIT, low=1, high=1000)
        start = _decode_cursor(args.get("cursor"))
        users = list(self._users.values())
        page = users[start : start + limit]
        more = start + limit < len(users)
        return {
            "members": [self._wire_user(u) for u in page],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": _encode_cursor(start + limit) if more else ""},
        }

    def _usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        include_users = _truthy(args.get("include_users"))
        groups = []
        for group in self._usergroups.values():
            wire = {
                "id": group["id"],
                "team_id": TEAM_ID,
                "is_usergroup": True,
                "handle": group["handle"],
                "name": group["name"],
                "description": "",
                "date_delete": 0,
                "user_count": len(group["users"]),
            }
            if include_users:
                wire["users"] = list(group["users"])
            groups.append(wire)
        return {"usergroups": groups}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self._usergroups.get(str(_require(args, "usergroup")))
        if group is None:
            raise _ApiError("no_such_subteam")
        return {"users": list(group["users"])}

    # ------------------------------------------------------------------ files

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(_require(args, "filename"))
        length = _int_arg(args, "length", 0, low=0, high=MAX_BODY_BYTES)
        file_id = self._next_id("F")
        self._pending_files[file_id] = {
            "filename": filename,
            "length": length,
            "alt_txt": args.get("alt_txt"),
            "content": None,
        }
        return {"upload_url": f"{self._origin}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = _require(args, "files")
        if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
            raise _ApiError("invalid_arguments", messages=["[ERROR] files must be a list"])
        pending = [self._pending_files.get(str(f.get("id"))) for f in files]
        if any(p is None or p["content"] is None for p in pending):
            raise _ApiError("file_not_found")
        channels = self._upload_channels(args)
        completed = []
        for spec in files:
            completed.append(self._complete_one(spec, channels, args))
        return {"files": completed}

    def _upload_channels(self, args: dict[str, Any]) -> list[str]:
        raw = args.get("channels") or args.get("channel_id") or ""
        channels = raw if isinstance(raw, list) else str(raw).split(",")
        resolved = []
        for channel in (c.strip() for c in channels if c and c.strip()):
            resolved.append(self._resolve_channel(channel)[0])
        return resolved

    def _complete_one(
        self, spec: dict[str, Any], channels: list[str], args: dict[str, Any]
    ) -> dict[str, Any]:
        file_id = str(spec["id"])
        pending = self._pending_files.pop(file_id)
        content: bytes = pending["content"]
        title = spec.get("title") or pending["filename"]
        self.uploads.append(
            {
                "file_id": file_id,
                "filename": pending["filename"],
                "title": title,
                "channel_id": channels[0] if channels else None,
                "channels": channels,
                "initial_comment": args.get("initial_comment"),
                "thread_ts": args.get("thread_ts"),
                "length": len(content),
                "content": content,
            }
        )
        return {
            "id": file_id,
            "name": pending["filename"],
            "title": title,
            "size": len(content),
            "channels": channels,
            "permalink": f"{WORKSPACE_URL}files/{BOT_USER_ID}/{file_id}",
            "url_private": f"{self._origin}/files/{file_id}",
        }
