"""One outbox, two platforms: each person prompted once, where they answered last; Teams' 429s
waited out; a send interrupted after Teams accepted it is recognised, not repeated."""

from __future__ import annotations

from datetime import timedelta

from bot.core import campaigns
from bot.core.delivery import delivery_key, run_due_deliveries
from bot.core.ports import PromptMessage, Recipient
from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.teams.double import BotConnectorDouble, TeamsSender, TeamsUser
from handlers.teams import cards
from storage.queries import campaigns as q
from storage.types import utcnow
from tests.teams_fixtures import add_person, person
from tests.test_campaign_fixtures import deliveries

QUARTER = campaigns.quarters.quarter_of(utcnow())


async def _both(
    services: Services, teams: TeamsSender, connector: BotConnectorDouble, slack: SlackDouble
):
    """Three people: Slack only, Teams only, and one on both platforms."""
    slack.add_user("USLACK1", email="sam@example.com")
    slack.add_user("UBOTH1", email="bo@example.com")
    tess = connector.add_user("Tess", "tess@example.com")
    bo = connector.add_user("Bo", "bo@example.com")
    await add_person(services, "Sam", "sam@example.com", slack_user_id="USLACK1")
    await add_person(services, "Tess", "tess@example.com", aad_object_id=tess.aad_object_id)
    await add_person(services, "Bo", "bo@example.com", slack_user_id="UBOTH1")
    await teams.install(tess)
    await teams.install(bo)  # matched by e-mail: Bo now has both ids
    return tess, bo


async def _tess_started(
    services: Services, teams: TeamsSender, connector: BotConnectorDouble
) -> TeamsUser:
    """A Teams-only person who installed the app, with this quarter's campaign started."""
    user = connector.add_user("Tess", "tess@example.com")
    await add_person(services, "Tess", "tess@example.com", aad_object_id=user.aad_object_id)
    await teams.install(user)
    await campaigns.start_campaign(services, QUARTER, now=True)
    return user


def slack_prompts(slack: SlackDouble, user_id: str) -> int:
    return len([m for m in slack.messages_to(user_id) if not m["ephemeral"]])


async def test_each_person_is_prompted_once_on_one_platform(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services,
    slack: SlackDouble,
) -> None:  # fmt: skip
    tess, bo = await _both(teams_services, teams, connector, slack)
    assert (await person(teams_services, "bo@example.com")).aad_object_id == bo.aad_object_id
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    report = await run_due_deliveries(teams_services)
    again = await run_due_deliveries(teams_services)
    assert report.sent == 3 and again.handled == 0
    assert slack_prompts(slack, "USLACK1") == 1
    assert len(connector.cards_to(tess)) == 2  # welcome + prompt
    # Bo is on both and has never answered: the default platform (Slack) only.
    assert slack_prompts(slack, "UBOTH1") == 1
    assert len(connector.cards_to(bo)) == 1  # the welcome only
    assert len(await deliveries(teams_services, kind="prompt")) == 3


async def test_next_prompt_goes_where_the_person_last_answered(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services,
    slack: SlackDouble,
) -> None:  # fmt: skip
    _, bo = await _both(teams_services, teams, connector, slack)
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    await run_due_deliveries(teams_services)
    assert slack_prompts(slack, "UBOTH1") == 1
    # Bo answers on Teams (from the command, not the Slack prompt): Teams is now Bo's platform.
    status, _ = await teams.action(bo, cards.NOT_THIS_QUARTER, {"campaign": QUARTER})
    assert status == 200
    assert (await person(teams_services, "bo@example.com")).last_platform == "teams"
    await campaigns.close_campaign(teams_services, QUARTER)
    following = campaigns.quarters.next_quarter(QUARTER)
    await campaigns.start_campaign(teams_services, following, now=True)
    await run_due_deliveries(teams_services)
    assert slack_prompts(slack, "UBOTH1") == 1  # still only last quarter's
    assert cards.QUESTION in str(connector.cards_to(bo)[-1])
    assert following in str(connector.cards_to(bo)[-1])


async def test_default_platform_setting_sends_people_on_both_to_teams(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services,
    slack: SlackDouble,
) -> None:  # fmt: skip
    _, bo = await _both(teams_services, teams, connector, slack)
    teams_services.settings = teams_services.settings.model_copy(
        update={"default_platform": "teams"}
    )
    await campaigns.start_campaign(teams_services, QUARTER, now=True)
    await run_due_deliveries(teams_services)
    assert slack_prompts(slack, "UBOTH1") == 0
    assert cards.QUESTION in str(connector.cards_to(bo)[-1])


async def test_429_is_waited_out_and_the_prompt_sent_once(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = await _tess_started(teams_services, teams, connector)
    connector.fail_next(429, times=2, retry_after=0)
    report = await run_due_deliveries(teams_services)
    assert report.sent == 1 and report.retried == 0
    assert len(connector.cards_to(user)) == 2  # welcome + exactly one prompt


async def test_5xx_is_retried_later_and_a_removed_app_is_permanent(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = await _tess_started(teams_services, teams, connector)
    connector.fail_next(503)
    report = await run_due_deliveries(teams_services)
    assert report.retried == 1
    [row] = await deliveries(teams_services, kind="prompt")
    assert row.status == "pending" and "teams_http_503" in (row.error or "")

    messenger = teams_services.messenger
    assert messenger is not None
    del connector.users[user.aad_object_id]  # the person removed the app: 404 from Teams
    recipient = Recipient(row.person_id, user.aad_object_id, "Tess", platform="teams")
    message = PromptMessage(QUARTER, utcnow() + timedelta(days=3))
    try:
        await messenger.send(recipient, message, "leverage:x:prompt:1")
    except Exception as failure:
        assert getattr(failure, "permanent", None) is True
    else:
        raise AssertionError("a send to a removed app must fail permanently")


async def test_send_interrupted_after_teams_accepted_it_is_reconciled_not_repeated(
    teams: TeamsSender, connector: BotConnectorDouble, teams_services: Services
) -> None:
    user = await _tess_started(teams_services, teams, connector)
    [row] = await deliveries(teams_services, kind="prompt")
    messenger = teams_services.messenger
    assert messenger is not None
    recipient = Recipient(row.person_id, user.aad_object_id, "Tess", platform="teams")
    async with teams_services.db.session() as s:  # the "crash": claimed, sent, never recorded
        [claimed] = await q.claim(s, "dead-worker", utcnow(), utcnow(), 1)
    await messenger.send(
        recipient, PromptMessage(QUARTER, claimed.closes_at), delivery_key(claimed)
    )
    report = await run_due_deliveries(teams_services)  # the lease has expired: taken over
    assert report.reconciled == 1 and report.sent == 0
    assert len(connector.cards_to(user)) == 2  # welcome + the one prompt
