"""One person, several platforms: each message goes to exactly one of them.

The outbox holds one row per person and message (its unique key), so a person known to both
Slack and Teams can never be prompted twice; this module decides *where* that one message goes:
the platform they last answered on, else the configured default, else wherever they are
reachable. `PlatformRouter` is the `Messenger` the outbox sees when several are configured.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, nullcontext
from datetime import datetime
from typing import Any

from bot.core.ports import DeliveryFailed, Messenger, OutgoingMessage, Recipient, Sent
from storage.queries.campaigns import Claimed

SLACK = "slack"
TEAMS = "teams"
PLATFORMS = (SLACK, TEAMS)
# The `Sent.channel_id` the Teams messenger records (Slack's are channel ids such as `D0…`).
TEAMS_CHANNEL = "msteams"


# A Teams user's id in the core is their Entra ID object id, a GUID; a Slack id never is one.
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def platform_of_user(chat_user_id: str) -> str:
    """The platform a chat user id belongs to (a proposer or reviewer stored by the registry)."""
    return TEAMS if _GUID.match(chat_user_id or "") else SLACK


def platform_of_sent(channel_id: str) -> str:
    """The platform an outbox message went to, from the channel its send recorded."""
    return TEAMS if channel_id == TEAMS_CHANNEL else SLACK


def reachable_on(row: Claimed) -> dict[str, str]:
    """{platform: the person's id there} for every platform that can reach the person."""
    found: dict[str, str] = {}
    if row.chat_user_id:
        found[SLACK] = row.chat_user_id
    if row.aad_object_id and row.on_teams:
        found[TEAMS] = row.aad_object_id
    return found


def choose(options: Mapping[str, str], last: str | None, default: str) -> str | None:
    """The platform to use among `options`: last answered on, else default, else the first."""
    if not options:
        return None
    for wanted in (last, default):
        if wanted in options:
            return wanted
    return next(iter(options))


def recipient_for(row: Claimed, platforms: tuple[str, ...], default: str) -> Recipient | None:
    """The recipient of a claimed delivery, on one of the configured `platforms` (None if none)."""
    options = {p: uid for p, uid in reachable_on(row).items() if p in platforms}
    platform = choose(options, row.last_platform, default)
    if platform is None:
        return None
    elsewhere = tuple((p, uid) for p, uid in options.items() if p != platform)
    return Recipient(row.person_id, options[platform], row.name, row.tz, platform, elsewhere)


def sending(messenger: object) -> AbstractAsyncContextManager[None]:
    """A run of sends (a fan-out) is about to start: a messenger may keep connections open
    for it (`sending()`, optional); closed when the run ends, whatever way it ends."""
    begin = getattr(messenger, "sending", None)
    return begin() if begin is not None else nullcontext()


def platforms_of(messenger: object) -> tuple[str, ...]:
    """Which platforms a messenger can reach; a plain (single) messenger is Slack's."""
    return tuple(getattr(messenger, "platforms", (SLACK,)))


class PlatformRouter:
    """A `Messenger` that hands each send to the recipient's platform's messenger."""

    def __init__(self, messengers: Mapping[str, Messenger]) -> None:
        self.messengers = dict(messengers)
        self.platforms = tuple(p for p in PLATFORMS if p in self.messengers)

    async def send(self, recipient: Recipient, message: OutgoingMessage, key: str) -> Sent:
        messenger = self.messengers.get(recipient.platform)
        if messenger is None:  # e.g. a Teams proposer after Teams was switched off
            raise DeliveryFailed(f"{recipient.platform}_not_configured", permanent=True)
        return await messenger.send(recipient, message, key)

    @asynccontextmanager
    async def sending(self) -> AsyncIterator[None]:
        """A run of sends, announced to every platform's messenger (see `sending`)."""
        async with AsyncExitStack() as stack:
            for messenger in self.messengers.values():
                await stack.enter_async_context(sending(messenger))
            yield

    async def find_sent(self, recipient: Recipient, key: str, since: datetime) -> Sent | None:
        """Look on every platform the person is reachable on: an earlier attempt may have
        gone to another one (their last-answered platform changed since)."""
        for platform, chat_user_id in ((recipient.platform, recipient.chat_user_id),
                                       *recipient.elsewhere):  # fmt: skip
            messenger = self.messengers.get(platform)
            if messenger is None:
                continue
            there = Recipient(recipient.person_id, chat_user_id, recipient.name, recipient.tz,
                              platform)  # fmt: skip
            found = await messenger.find_sent(there, key, since)
            if found is not None:
                return found
        return None

    async def show_state(self, state: Any, *, besides: str | None = None) -> int:
        """Let each platform's messenger rewrite the campaign messages it sent the person
        into where they stand (after an answer on any platform); `besides` is the platform
        whose listener already did its own. Returns how many messages were updated."""
        updated = 0
        for platform, messenger in self.messengers.items():
            show = getattr(messenger, "show_state", None)
            if platform != besides and show is not None:
                updated += await show(state)
        return updated
