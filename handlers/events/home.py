"""`app_home_opened`: publish the person's App Home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.core.answers import my_history
from bot.core.cache import cached
from bot.core.stage import assess, view_key
from handlers.blocks.home import home_view
from handlers.blocks.my_examples import my_examples_blocks
from handlers.blocks.org_home import org_home_blocks
from handlers.context import services_of
from storage.queries.org import person_by_slack_id


async def publish_home(event: dict[str, Any], client: Any, context: Any) -> None:
    """Only the Home tab is drawn; opening the Messages tab needs nothing from us."""
    if event.get("tab", "home") != "home":
        return
    services = services_of(context)
    user_id = event["user"]
    async with services.db.session() as session:
        person = await person_by_slack_id(session, user_id)
    personal = None
    if person is not None and person.id is not None:
        personal = my_examples_blocks(await my_history(services, person.id))
    organisation = await cached(
        services, ("home", *view_key(services)), lambda: _organisation(services)
    )
    view = home_view(personal, organisation, min_group_size=services.min_group_size)
    await client.views_publish(user_id=user_id, view=view)


async def _organisation(services: Any) -> list[Block]:
    """The organisation's part of every Home tab: rendered once per data version, shared."""
    return org_home_blocks(await assess(services))
