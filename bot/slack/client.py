"""Slack's HTTP clients, each connecting to the proxy `NO_PROXY` allows for its target.

- the Web API client: Slack's own retry handlers, pointed at `SLACK_API_URL`;
- file uploads (`files_upload_v2` posts the bytes to a second host, `files.slack.com`);
- `respond()` (posts to each request's `response_url`, `hooks.slack.com`);
- Socket Mode (a websocket to the URL `apps.connections.open` hands out).

slack_sdk falls back to `HTTPS_PROXY`/`HTTP_PROXY` whenever it is given no proxy and ignores
`NO_PROXY`, so each client here sets its `proxy` attribute *after* construction from
`bot.http_proxy.proxy_for(url)`, None meaning a direct connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.config import Settings
from bot.http_proxy import proxy_for
from bot.slack.observability import ApiCallObserver
from bot.slack.rate import GovernedRateLimitRetryHandler, RateGovernor


class ProxiedWebClient(AsyncWebClient):
    """The Web API client, proxied per target (`base_url` for API calls, each upload URL for
    the bytes of `files_upload_v2`) and, given the process's `RateGovernor`, paced by it."""

    def __init__(self, *, governor: RateGovernor | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.governor = governor
        if kwargs.get("proxy") is None:
            self.proxy = proxy_for(self.base_url)
        self._pooled: tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession] | None = None
        self._pool_users = 0

    @asynccontextmanager
    async def pooled(self) -> AsyncIterator[None]:
        """Calls made meanwhile share one HTTP session and its kept-alive connections.

        slack_sdk opens (and closes) a session, so a TCP connection, for every call unless it
        is given one; a fan-out of thousands of messages spends more on that than on sending.
        Overlapping users (two fan-outs in one process) share the session; the last one out
        closes it, on every path. A client handed a session of its own keeps it."""
        loop = asyncio.get_running_loop()
        if self._pool_users == 0 and self.session is None:
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self._pooled, self.session = (loop, session), session
        self._pool_users += 1
        try:
            yield
        finally:
            self._pool_users -= 1
            if self._pool_users == 0 and self._pooled is not None:
                owner, session = self._pooled
                self._pooled = None
                if self.session is session:
                    self.session = None
                if owner is loop:
                    await session.close()

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:  # type: ignore[override]
        if self.governor is not None:
            await self.governor.acquire(api_method, _channel(kwargs))
        return await super().api_call(api_method, **kwargs)

    async def _upload_file(self, *, url: str, proxy: str | None, **kwargs: Any) -> Any:
        return await super()._upload_file(url=url, proxy=proxy_for(url), **kwargs)


def _channel(call: dict[str, Any]) -> str | None:
    for part in ("json", "data", "params"):
        body = call.get(part)
        if isinstance(body, dict) and body.get("channel"):
            return str(body["channel"])
    return None


def make_web_client(
    settings: Settings, *, safe_to_repeat: bool = True, governor: RateGovernor | None = None
) -> AsyncWebClient:
    """A client that waits out 429s (always safe: Slack did nothing) and, when the caller says
    repeating is harmless, also retries 5xx and dropped connections.

    Message sends pass `safe_to_repeat=False`: a 500 after Slack already posted would make a
    retry post twice, so the delivery outbox reconciles such sends instead of retrying blindly.

    With a `governor` (bot.slack.rate) the client finds and keeps Slack's rate limits: calls
    wait their turn, and a 429 pauses every sender of that method, on every replica.
    """
    handlers: list[AsyncRetryHandler] = [
        ApiCallObserver(),  # first: it sees every attempt (counts calls and 429s by method)
        GovernedRateLimitRetryHandler(governor)
        if governor is not None
        else AsyncRateLimitErrorRetryHandler(max_retry_count=8),
    ]
    if safe_to_repeat:
        handlers += [
            AsyncServerErrorRetryHandler(max_retry_count=2),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ]
    return ProxiedWebClient(
        token=settings.slack_bot_token.get_secret_value() or None,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=handlers,
        governor=governor,
    )


class ProxiedRespond(AsyncRespond):
    """Bolt's `respond()`, posting to the `response_url` through the proxy meant for it (Bolt's
    own uses the Web API client's proxy, decided for another host)."""

    async def __call__(  # type: ignore[override]
        self, text: str | dict[str, Any] = "", **fields: Any
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        client = AsyncWebhookClient(url=self.response_url, ssl=self.ssl)
        client.proxy = proxy_for(self.response_url)
        message = (
            _build_message(**text) if isinstance(text, dict) else _build_message(text, **fields)
        )
        return await client.send_dict(message)


class ProxiedAsyncApp(AsyncApp):
    """Bolt's app whose per-request `client` and `respond` honour `NO_PROXY`.

    Bolt builds a plain client for every request before any middleware runs (its own
    authorization middleware calls `auth.test` with it), taking the proxy from the environment
    again; and its `respond` reuses that client's proxy for the `response_url`, another host.
    """

    def _init_context(self, req: AsyncBoltRequest) -> None:
        super()._init_context(req)
        client: AsyncWebClient = req.context["client"]
        req.context["client"] = ProxiedWebClient(
            token=client.token, base_url=client.base_url, timeout=client.timeout,
            ssl=client.ssl, session=client.session,
            trust_env_in_session=client.trust_env_in_session, headers=client.headers,
            team_id=req.context.team_id, logger=client.logger,
            retry_handlers=client.retry_handlers,
            governor=getattr(self._async_client, "governor", None),
        )  # fmt: skip
        if req.context.response_url:
            req.context["respond"] = ProxiedRespond(
                response_url=req.context.response_url, ssl=client.ssl
            )


class ProxiedSocketModeClient(SocketModeClient):
    """Socket Mode whose websocket uses the proxy meant for the URL Slack hands out."""

    async def issue_new_wss_url(self) -> str:
        url = await super().issue_new_wss_url()
        self.proxy = proxy_for(url)
        return url


class ProxiedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode adapter over `ProxiedSocketModeClient`."""

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self.app = app  # type: ignore[assignment]
        self.app_token = app_token
        self.client = ProxiedSocketModeClient(
            app_token=app_token,
            logger=app.logger if isinstance(app.logger, logging.Logger) else None,
            web_client=app.client,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
