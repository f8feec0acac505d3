"""`/api/messages` accepts only what the Bot Connector signed; everything else is 401, unseen."""

from __future__ import annotations

import time

from bot.core.services import Services
from bot.teams.double import BotConnectorDouble, TeamsSender
from tests.teams_fixtures import references


async def _refused(teams: TeamsSender, connector: BotConnectorDouble, **post: object) -> None:
    user = connector.add_user("Mallory", "mallory@example.com")
    activity = connector.activity(user, "message", text="help")
    status, body = await teams.post(activity, **post)  # type: ignore[arg-type]
    assert status == 401, (status, body)


async def test_unsigned_activity_is_401_and_not_processed(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    await _refused(teams, connector, signed=False)
    assert connector.posted == [] and await references(teams_services) == []


async def test_forged_signature_is_401(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    await _refused(teams, connector, token=connector.forge())
    assert connector.posted == [] and await references(teams_services) == []


async def test_wrong_audience_issuer_or_expired_token_is_401(
    teams: TeamsSender, connector: BotConnectorDouble
) -> None:
    await _refused(teams, connector, token=connector.sign(aud="someone-elses-bot"))
    await _refused(teams, connector, token=connector.sign(iss="https://evil.example.com"))
    past = int(time.time()) - 7200
    await _refused(teams, connector, token=connector.sign(exp=past, nbf=past - 60))
    await _refused(teams, connector, token="not-a-jwt")
    assert connector.posted == []


async def test_token_for_another_service_url_is_401(
    teams: TeamsSender, connector: BotConnectorDouble
) -> None:
    """A valid token replayed with a different serviceUrl would send our replies elsewhere."""
    await _refused(teams, connector, token=connector.sign(service_url="https://elsewhere.test/"))
    assert connector.posted == []


async def test_signed_activity_is_processed_and_answered_at_its_service_url(
    teams: TeamsSender, connector: BotConnectorDouble
) -> None:
    user = connector.add_user("Ada", "ada@example.com")
    assert await teams.message(user, "help") in (200, 201, 202)
    assert len(connector.messages_to(user)) == 1
    assert connector.tokens_issued >= 1  # the reply carried a token from TEAMS_TOKEN_URL


async def test_signed_garbage_is_400(teams: TeamsSender, connector: BotConnectorDouble) -> None:
    async with teams.session.post(
        teams.url,
        data=b"{not json",
        headers={"Authorization": f"Bearer {connector.sign()}",
                 "Content-Type": "application/json"},
    ) as response:  # fmt: skip
        assert response.status == 400
    status, _ = await teams.post({"type": 3, "serviceUrl": connector.service_url})
    assert status == 400
