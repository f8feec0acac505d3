"""App Home over signed HTTP: your own examples, the blameless button, the org stage."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.core.services import Services
from bot.slack.double import SlackDouble
from bot.slack.simulator import SlackSender
from handlers import ids
from storage.models import Answer, Campaign, Person, Team
from storage.types import utcnow
from tests.conftest import eventually


async def seed_person_with_answer(services: Services) -> None:
    async with services.db.session() as session:
        team = Team(name="Data")
        session.add(team)
        await session.flush()
        person = Person(email="ana@example.com", name="Ana", team_id=team.id, slack_user_id="U0ANA")
        now = utcnow()
        campaign = Campaign(
            id="2026Q4", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=13)
        )
        session.add_all([person, campaign])
        await session.flush()
        session.add(
            Answer(
                campaign_id="2026Q4", quarter="2026Q4", person_id=person.id, team_id=team.id,
                example="Summarised vendor contracts <!channel> before review",
                work_kind="summarising", establishment="team",
            )
        )  # fmt: skip


async def test_home_shows_own_examples_disclosure_button_and_org_stage(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await seed_person_with_answer(services)
    reply = await sender.event({"type": "app_home_opened", "user": "U0ANA", "tab": "home"})
    assert reply.status == 200
    view = await eventually(lambda: slack.published_home_views.get("U0ANA"))
    text = json.dumps(view)
    assert "Summarised vendor contracts" in text
    assert "<!channel>" not in text  # a person's words never ping a channel
    assert ids.OPEN_DISCLOSURE_FORM in text
    assert "Stage" in text or "stage" in text
    assert slack.validation_errors == []


async def test_home_for_someone_outside_the_directory(
    services: Services, sender: SlackSender, slack: SlackDouble
) -> None:
    await sender.event({"type": "app_home_opened", "user": "U0STRANGER", "tab": "home"})
    view = await eventually(lambda: slack.published_home_views.get("U0STRANGER"))
    assert "not in the organisation directory" in json.dumps(view)


async def test_messages_tab_publishes_nothing(sender: SlackSender, slack: SlackDouble) -> None:
    reply = await sender.event({"type": "app_home_opened", "user": "U0ANA", "tab": "messages"})
    assert reply.status == 200
    await sender.event({"type": "app_home_opened", "user": "U0OTHER", "tab": "home"})
    await eventually(lambda: slack.published_home_views.get("U0OTHER"))
    assert "U0ANA" not in slack.published_home_views
