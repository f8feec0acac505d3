"""The token for the bot's outgoing calls (the Bot Connector API).

By default the SDK's MSAL provider obtains it from Microsoft Entra ID with the app's id and
password. `TEAMS_TOKEN_URL` replaces that with a plain OAuth 2.0 client-credentials request to
the given address, for local development and tests (MSAL only talks to real authorities).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from bot.config import Settings

REFRESH_MARGIN_SECONDS = 120


class ClientCredentialsTokens:
    """Fetch and cache a client-credentials token from `TEAMS_TOKEN_URL`.

    Implements the part of the SDK's `AccessTokenProviderBase` the connector factory uses.
    """

    def __init__(self, settings: Settings) -> None:
        self.url = settings.teams_token_url
        self.client_id = settings.teams_app_id
        self.secret = settings.teams_app_password
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        scope = scopes[0] if scopes else f"{resource_url}/.default"
        async with self._lock:
            cached = self._cache.get(scope)
            if cached and not force_refresh and cached[1] > time.monotonic():
                return cached[0]
            token, lifetime = await self._fetch(scope)
            self._cache[scope] = (token, time.monotonic() + lifetime - REFRESH_MARGIN_SECONDS)
            return token

    async def _fetch(self, scope: str) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.secret.get_secret_value(),
            "scope": scope,
        }
        timeout = aiohttp.ClientTimeout(total=15)
        async with (
            aiohttp.ClientSession(trust_env=True, timeout=timeout) as session,
            session.post(self.url, data=form) as response,
        ):
            response.raise_for_status()
            body: dict[str, Any] = await response.json()
        return str(body["access_token"]), float(body.get("expires_in") or 3600)


def make_token_provider(settings: Settings, config: Any) -> Any:
    if settings.teams_token_url:
        return ClientCredentialsTokens(settings)
    from microsoft_agents.authentication.msal import MsalAuth

    return MsalAuth(config)
