"""Incoming activities: authenticated with the Agents SDK's own JWT validator.

The SDK validates the Bot Connector's token (RS256 signature, audience = our app id, issuer,
expiry) but fetches the signing keys from an address it hard-codes. `TEAMS_JWKS_URL` exists so
tests and local tools can sign activities with their own key: when it is set, the same
validator runs with one change, the key lookup.
"""

from __future__ import annotations

import logging
from typing import Any

from jwt import PyJWK, PyJWTError
from microsoft_agents.hosting.core import AgentAuthConfiguration, ClaimsIdentity
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    _JwkClientManager,
)

from bot.config import Settings

logger = logging.getLogger("leverage.teams.auth")
SERVICE_URL_CLAIM = "serviceurl"


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """`TEAMS_APP_ID`, `TEAMS_APP_PASSWORD`, `TEAMS_TENANT_ID` as the SDK's connection settings.

    Issuer checking is switched on (the SDK leaves it opt-in): only the Bot Connector's and
    the tenant's issuers are accepted.
    """
    return AgentAuthConfiguration(
        client_id=settings.teams_app_id,
        tenant_id=settings.teams_tenant_id,
        client_secret=settings.teams_app_password.get_secret_value(),
        anonymous_allowed=False,
        validate_issuer=True,
    )


class _KeysFrom(_JwkClientManager):
    """The SDK's cached key client, always asked at one address."""

    def __init__(self, jwks_url: str) -> None:
        super().__init__()
        self.jwks_url = jwks_url

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        return await super().get_signing_key(self.jwks_url, header)


def make_validator(settings: Settings, config: AgentAuthConfiguration) -> JwtTokenValidator:
    validator = JwtTokenValidator(config)
    if settings.teams_jwks_url:
        validator._jwk_client_manager = _KeysFrom(settings.teams_jwks_url)
    return validator


def bearer_token(header: str | None) -> str | None:
    parts = (header or "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


async def authenticate(validator: JwtTokenValidator, header: str | None) -> ClaimsIdentity | None:
    """The caller's verified claims, or None: then the request gets 401 and is not processed.

    Only the failure's type is logged; a token's claims are nobody's business in a log.
    """
    token = bearer_token(header)
    if token is None:
        return None
    try:
        return await validator.validate_token(token)
    except (PyJWTError, ValueError, KeyError) as error:
        logger.warning("Teams request refused: %s", type(error).__name__)
        return None


def service_url_matches(identity: ClaimsIdentity, service_url: str | None) -> bool:
    """The Bot Connector names, in its token, the service the activity came from; an activity
    claiming another `serviceUrl` would send our replies somewhere the token never vouched for."""
    claimed = identity.get_claim_value(SERVICE_URL_CLAIM)
    return bool(claimed and service_url and claimed.rstrip("/") == service_url.rstrip("/"))
