"""The demo's Teams side: some of the organisation use Microsoft Teams, through the real path.

They install the app (signed activities to `/api/messages`, matched to the directory by
e-mail), are prompted in their personal chat by the same outbox, and answer in the Adaptive
Card, all against the local Bot Connector double. Everyone else stays on Slack; the stage and
the team summaries count both.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from bot.config import Settings
from bot.teams.double import BotConnectorDouble, TeamsSender, TeamsUser
from handlers.teams import cards

EVERY = 7  # one person in seven uses Teams


def teams_settings(settings: Settings, connector: BotConnectorDouble) -> Settings:
    """Teams on, with the double's keys and tokens; people on both are asked in Teams."""
    return settings.model_copy(update={
        "teams_app_id": connector.app_id,
        "teams_app_password": SecretStr(connector.app_password),
        "teams_tenant_id": connector.tenant_id,
        "teams_jwks_url": connector.jwks_url,
        "teams_token_url": connector.token_url,
        "default_platform": "teams",
    })  # fmt: skip


SEAM_WARNINGS = ("TEAMS_JWKS_URL is set", "TEAMS_TOKEN_URL is set")


class _SeamWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(SEAM_WARNINGS)


@contextmanager
def doubles_expected() -> Iterator[None]:
    """The demo points Teams at its own local Bot Connector double on purpose: the warning that
    TEAMS_JWKS_URL and TEAMS_TOKEN_URL are set is for a deployment that left them set by
    mistake, and would only alarm whoever runs the demo."""
    hosting, quiet = logging.getLogger("leverage.teams"), _SeamWarnings()
    hosting.addFilter(quiet)
    try:
        yield
    finally:
        hosting.removeFilter(quiet)


@dataclass
class TeamsSide:
    connector: BotConnectorDouble
    sender: TeamsSender | None = None
    users: dict[str, TeamsUser] = field(default_factory=dict)  # by e-mail
    answered: int = 0

    async def install(self, app_url: str, people: list[Any]) -> int:
        """Every EVERY-th person adds the app in Teams (no Teams id in the CSV: by e-mail)."""
        self.sender = TeamsSender(app_url, self.connector)
        for person in people[::EVERY]:
            user = self.connector.add_user(person.name, person.email)
            status = await self.sender.install(user)
            assert status in (200, 201, 202), status
            self.users[person.email] = user
        return len(self.users)

    def uses_teams(self, email: str) -> bool:
        return email in self.users

    async def answer(self, email: str, label: str, fields: dict[str, Any]) -> None:
        """The card's two steps, as Teams sends them: Action.Execute invokes."""
        assert self.sender is not None
        user = self.users[email]
        data = {"campaign": label, **{k: _card_value(v) for k, v in fields.items()}}
        status, body = await self.sender.action(user, cards.SAVE_ANSWER, data)
        assert status == 200 and "Please check" not in str(body), body
        status, body = await self.sender.action(user, cards.SAVE_DETAILS, data)
        assert status == 200 and "Please check" not in str(body), body
        self.answered += 1

    async def decline(self, email: str, label: str) -> None:
        assert self.sender is not None
        user = self.users[email]
        status, _ = await self.sender.action(user, cards.NOT_THIS_QUARTER, {"campaign": label})
        assert status == 200
        self.answered += 1

    def report(self) -> str:
        prompts = sum(
            1 for u in self.users.values() for c in self.connector.cards_to(u)
            if cards.QUESTION in str(c)
        )  # fmt: skip
        return (
            f"Teams (Bot Connector double): {len(self.users)} people installed the app, "
            f"{prompts} prompts and reminders delivered in Teams, {self.answered} answered "
            f"in Adaptive Cards, {len(self.connector.refused)} card validation errors"
        )

    async def close(self) -> None:
        if self.sender is not None:
            await self.sender.close()


def _card_value(value: Any) -> Any:
    """A card sends every input as a string; multi-selects as comma-separated values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)
