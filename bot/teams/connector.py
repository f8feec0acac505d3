"""The SDK's connector client factory, with our token provider and HTTP session.

The SDK's own factory (`RestChannelServiceClientFactory`) needs an MSAL connection manager and
opens sessions that ignore proxy settings. This one hands the SDK's `TeamsConnectorClient` a
session that honours `HTTPS_PROXY` (`trust_env`), has a timeout, and a token from
`bot.teams.tokens` (MSAL, or `TEAMS_TOKEN_URL`). Every outgoing call goes to the `serviceUrl`
the activity (or the stored conversation reference) names.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from microsoft_agents.hosting.core import ChannelServiceClientFactoryBase, ClaimsIdentity
from microsoft_agents.hosting.core.authorization import AuthenticationConstants
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

TIMEOUT = aiohttp.ClientTimeout(total=15)


def connector_session(service_url: str) -> aiohttp.ClientSession:
    base = service_url if service_url.endswith("/") else service_url + "/"
    return aiohttp.ClientSession(base_url=base, trust_env=True, timeout=TIMEOUT)


class ConnectorFactory(ChannelServiceClientFactoryBase):
    def __init__(self, tokens: Any, app_id: str) -> None:
        self.tokens = tokens
        self.app_id = app_id

    async def create_connector_client(
        self,
        context: Any,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> TeamsConnectorClient:
        if not service_url:
            raise ValueError("an activity without serviceUrl cannot be answered")
        scope = scopes or claims_identity.get_token_scope()
        token = await self.tokens.get_access_token(
            audience or AuthenticationConstants.AGENTS_SDK_SCOPE, scope
        )
        return TeamsConnectorClient(
            endpoint=service_url, token=token, session=connector_session(service_url)
        )

    async def create_user_token_client(
        self, context: Any, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        """The bot signs nobody in (no OAuth prompts), so this client is never called; it is
        built without a token rather than fetching one on every turn for nothing."""
        return UserTokenClient(
            endpoint=AuthenticationConstants.AGENTS_SDK_OAUTH_URL,
            token="",
            app_id=self.app_id,
            session=aiohttp.ClientSession(
                base_url=AuthenticationConstants.AGENTS_SDK_OAUTH_URL.rstrip("/") + "/",
                trust_env=True,
                timeout=TIMEOUT,
            ),
        )
