"""A local Bot Connector for tests and the demo: keys, tokens, conversations, over real HTTP.

It plays every Microsoft part the Teams adapter talks to, on loopback:
- the Bot Framework's signing keys (`/keys`, a JWKS) and a signer for incoming activities,
  RS256 with the issuer and audience the real Bot Connector sets (`TEAMS_JWKS_URL`);
- a client-credentials token endpoint (`/token`, for `TEAMS_TOKEN_URL`);
- the Bot Connector REST API under its own `serviceUrl` (`/v3/conversations/...`): sends,
  replies, updates, member look-ups; every Adaptive Card is validated against the vendored
  Adaptive Card 1.5 schema and a bad one is refused with 400, as Teams would;
- faults (a 429 with `Retry-After`, a 5xx) on demand, and `TeamsSender` to post signed
  activities (install, message, card action) to the bot as Teams does.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiohttp
import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas/adaptive-card/adaptive-card.1.5.json"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
APP_ID = "00000000-0000-4000-8000-00000000b07a"
APP_PASSWORD = "double-app-password"
BOT_ID = f"28:{APP_ID}"
BOT_NAME = "AI Leverage"


@lru_cache(maxsize=1)
def _card_validator() -> Any:
    from jsonschema import Draft6Validator

    return Draft6Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def card_problems(content: Any) -> list[str]:
    """Why an Adaptive Card is invalid (empty when it is valid), per the 1.5 schema."""
    if not isinstance(content, dict) or content.get("version") != "1.5":
        return ["not an Adaptive Card 1.5"]
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(card)'}: {e.message[:200]}"
        for e in _card_validator().iter_errors(content)
    ]


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class TeamsUser:
    aad_object_id: str
    name: str
    email: str
    user_id: str
    conversation_id: str


@dataclass
class Posted:
    """One activity the bot sent to the double."""

    conversation_id: str
    activity: dict[str, Any]
    id: str
    reply_to: str | None = None
    updated: bool = False
    by_invoke: bool = False  # replaced by an invoke's answer (not by the bot's update call)

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a.get("content") or {}
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == CARD_TYPE
        ]


@dataclass
class _Fault:
    status: int
    retry_after: float | None = None


@dataclass
class BotConnectorDouble:
    app_id: str = APP_ID
    app_password: str = APP_PASSWORD
    tenant_id: str = TENANT_ID
    posted: list[Posted] = field(default_factory=list)
    refused: list[tuple[str, list[str]]] = field(default_factory=list)
    tokens_issued: int = 0

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.users: dict[str, TeamsUser] = {}
        self.faults: list[_Fault] = []
        self._ids = itertools.count(1_700_000_000_000)
        self._valid_tokens: set[str] = set()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/token", self._token)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.base_url = f"http://{host}:{self._runner.addresses[0][1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/keys"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    @property
    def service_url(self) -> str:
        """The `serviceUrl` activities carry: where the bot must send its answers."""
        return f"{self.base_url}/"

    # --- people and faults --------------------------------------------------------------

    def add_user(self, name: str, email: str, aad_object_id: str | None = None) -> TeamsUser:
        aad = aad_object_id or str(uuid.uuid4())
        user = TeamsUser(
            aad, name, email, f"29:{secrets.token_urlsafe(24)}", f"a:{secrets.token_urlsafe(40)}"
        )
        self.users[aad] = user
        return user

    def fail_next(self, status: int, *, times: int = 1, retry_after: float | None = None) -> None:
        self.faults.extend(_Fault(status, retry_after) for _ in range(times))

    def messages_to(self, user: TeamsUser) -> list[Posted]:
        return [p for p in self.posted if p.conversation_id == user.conversation_id]

    def cards_to(self, user: TeamsUser) -> list[dict[str, Any]]:
        return [c for p in self.messages_to(user) for c in p.cards]

    def chat_of(self, user: TeamsUser) -> list[Posted]:
        """The person's chat as Teams shows it now: each message once, as last updated."""
        shown: dict[str, Posted] = {}
        for posted in self.messages_to(user):
            shown[posted.id] = posted
        return list(shown.values())

    def updates_to(self, user: TeamsUser) -> list[Posted]:
        """The bot's update-activity calls in the person's chat."""
        return [p for p in self.messages_to(user) if p.updated and not p.by_invoke]

    # --- signing (what the Bot Connector does to every activity it forwards) -------------

    def sign(self, service_url: str | None = None, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": BOT_FRAMEWORK_ISSUER,
            "aud": self.app_id,
            "serviceurl": service_url or self.service_url,
            "nbf": now - 5,
            "exp": now + 3600,
            **overrides,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def forge(self) -> str:
        """A well-formed token signed by a key the JWKS does not hold."""
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = int(time.time())
        claims = {"iss": BOT_FRAMEWORK_ISSUER, "aud": self.app_id,
                  "serviceurl": self.service_url, "nbf": now - 5, "exp": now + 3600}  # fmt: skip
        return jwt.encode(claims, other, algorithm="RS256", headers={"kid": self.kid})

    # --- activities as Teams shapes them --------------------------------------------------

    def activity(self, user: TeamsUser, kind: str, **fields: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "id": str(next(self._ids)),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": user.user_id, "name": user.name, "aadObjectId": user.aad_object_id},
            "conversation": {"id": user.conversation_id, "conversationType": "personal",
                             "tenantId": self.tenant_id},
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "channelData": {"tenant": {"id": self.tenant_id}},
            "locale": "en-GB",
            **fields,
        }  # fmt: skip

    # --- handlers -----------------------------------------------------------------------

    async def _keys(self, request: web.Request) -> web.Response:
        public = self.key.public_key().public_numbers()
        jwk = {"kty": "RSA", "use": "sig", "kid": self.kid, "n": _b64(public.n),
               "e": _b64(public.e), "endorsements": ["msteams"]}  # fmt: skip
        return web.json_response({"keys": [jwk]})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return web.json_response({"error": "invalid_client"}, status=401)
        token = secrets.token_urlsafe(24)
        self._valid_tokens.add(token)
        self.tokens_issued += 1
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": token}
        )

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self._valid_tokens

    def _fault(self) -> web.Response | None:
        if not self.faults:
            return None
        fault = self.faults.pop(0)
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        return web.json_response(
            {"error": {"code": "Throttled" if fault.status == 429 else "ServiceError"}},
            status=fault.status,
            headers=headers,
        )

    async def _read_activity(self, request: web.Request) -> tuple[dict[str, Any], list[str]]:
        try:
            activity = json.loads(await request.read())
        except ValueError:
            return {}, ["body is not JSON"]
        problems = []
        for attachment in activity.get("attachments") or []:
            if attachment.get("contentType") == CARD_TYPE:
                problems += card_problems(attachment.get("content"))
        return activity, problems

    async def _send(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        fault = self._fault()
        if fault is not None:
            return fault
        cid = request.match_info["cid"]
        if not any(u.conversation_id == cid for u in self.users.values()):
            return web.json_response({"error": {"code": "ConversationNotFound"}}, status=404)
        activity, problems = await self._read_activity(request)
        if problems:
            self.refused.append((cid, problems))
            error = {"code": "BadArgument", "message": "; ".join(problems)}
            return web.json_response({"error": error}, status=400)
        posted = Posted(cid, activity, str(next(self._ids)), request.match_info.get("aid"))
        self.posted.append(posted)
        return web.json_response({"id": posted.id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        activity, problems = await self._read_activity(request)
        if problems:
            self.refused.append((request.match_info["cid"], problems))
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        if not any(p.conversation_id == cid and p.id == aid for p in self.posted):
            return web.json_response({"error": {"code": "ActivityNotFound"}}, status=404)
        self.posted.append(Posted(cid, activity, aid, updated=True))
        return web.json_response({"id": aid})

    async def _member(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        uid = request.match_info["uid"]
        user = next((u for u in self.users.values() if u.user_id == uid), None)
        if user is None or user.conversation_id != request.match_info["cid"]:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response({
            "id": user.user_id, "name": user.name, "aadObjectId": user.aad_object_id,
            "email": user.email, "userPrincipalName": user.email, "tenantId": self.tenant_id,
            "userRole": "user",
        })  # fmt: skip


class TeamsSender:
    """Posts activities to the bot's `/api/messages` exactly as the Bot Connector does."""

    def __init__(self, app_url: str, connector: BotConnectorDouble) -> None:
        self.url = app_url.rstrip("/") + "/api/messages"
        self.connector = connector
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.session.close()

    async def post(
        self, activity: dict[str, Any], *, token: str | None = None, signed: bool = True
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["Authorization"] = f"Bearer {token or self.connector.sign()}"
        async with self.session.post(self.url, json=activity, headers=headers) as response:
            text = await response.text()
            return response.status, (json.loads(text) if text.strip() else None)

    async def install(self, user: TeamsUser) -> int:
        """What Teams sends when someone adds the app in personal scope."""
        c = self.connector
        update = c.activity(user, "conversationUpdate", membersAdded=[{"id": BOT_ID}])
        status, _ = await self.post(update)
        assert status in (200, 201, 202), status
        status, _ = await self.post(c.activity(user, "installationUpdate", action="add"))
        return status

    async def message(self, user: TeamsUser, text: str) -> int:
        status, _ = await self.post(self.connector.activity(user, "message", text=text))
        return status

    async def invoke(self, user: TeamsUser, name: str, data: dict[str, Any]) -> tuple[int, Any]:
        """A dialog invoke (`task/fetch` when a dialog button is clicked, `task/submit` when
        the dialog's form is sent): the answer is the dialog to show next."""
        value = {"data": data, "context": {"theme": "default"}}
        return await self.post(self.connector.activity(user, "invoke", name=name, value=value))

    async def action(
        self, user: TeamsUser, verb: str, data: dict[str, Any] | None = None, *,
        on: str | None = None,
    ) -> tuple[int, Any]:  # fmt: skip
        """An Action.Execute click: an `adaptiveCard/action` invoke; the answer is the new card.

        `on` is the id of the message whose card was clicked: Teams sends it as `replyToId`,
        and puts the invoke's answer in that message's place (recorded here as an update)."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data or {}},
                 "trigger": "manual"}  # fmt: skip
        fields: dict[str, Any] = {"name": "adaptiveCard/action", "value": value}
        if on is not None:
            fields["replyToId"] = on
        status, body = await self.post(self.connector.activity(user, "invoke", **fields))
        card = (
            body.get("value") if isinstance(body, dict) and body.get("type") == CARD_TYPE else None
        )
        if card is not None:
            problems = card_problems(card)
            if problems:  # Teams would show an error instead of this card
                self.connector.refused.append((user.conversation_id, problems))
        if on is not None and status == 200 and isinstance(card, dict):
            shown = {
                "type": "message",
                "attachments": [{"contentType": CARD_TYPE, "content": card}],
            }
            self.connector.posted.append(
                Posted(user.conversation_id, shown, on, updated=True, by_invoke=True)
            )
        return status, body
