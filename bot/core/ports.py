"""What the core needs from a chat platform, described without naming one.

Slack implements these in `bot.slack`, Teams in `bot.teams`; `bot.core.routing` picks one per
recipient.
Messages are neutral descriptions (what to say), and the adapter decides how it looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Recipient:
    """Who to message, and where: `chat_user_id` is the person's id on `platform`.

    `elsewhere` lists (platform, id) pairs where the person is also reachable, so that a
    reconciliation can look for an earlier send on every platform, not just today's choice.
    """

    person_id: int
    chat_user_id: str
    name: str
    tz: str | None = None
    platform: str = "slack"
    elsewhere: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PromptMessage:
    """The quarterly question (reminder=0) or its n-th reminder. `answered` (and `has_example`)
    when the person answered before it went out: it then shows where they stand, not buttons."""

    campaign_id: str
    closes_at: datetime
    reminder: int = 0
    answered: bool = False
    has_example: bool = False


@dataclass(frozen=True)
class SummaryMessage:
    """A manager's team summary, sent when a campaign closes."""

    campaign_id: str
    manager_person_id: int


@dataclass(frozen=True)
class GateMessage:
    """A review-gate notice: a review request, reminder, decision or what the clock decided.

    `kind` is one of `bot.core.review.NOTICE_KINDS`; the adapter loads the use case and review
    to render it, so a notice sent late still shows their current state.
    """

    kind: str
    use_case_id: int
    review_id: int | None = None


OutgoingMessage = PromptMessage | SummaryMessage | GateMessage


@dataclass(frozen=True)
class Sent:
    channel_id: str
    message_ts: str


class DeliveryFailed(Exception):
    """A send that did not happen. `permanent` failures are not retried (user gone, DMs closed)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Messenger(Protocol):
    async def send(self, recipient: Recipient, message: OutgoingMessage, key: str) -> Sent:
        """Send once; `key` is stored with the message so that `find_sent` can recognise it."""
        ...

    async def find_sent(self, recipient: Recipient, key: str, since: datetime) -> Sent | None:
        """Find a message sent with `key` since `since`: how a crashed send is reconciled."""
        ...


@dataclass(frozen=True)
class ChatUser:
    chat_user_id: str
    email: str | None
    name: str
    tz: str | None
    active: bool = True


@dataclass(frozen=True)
class ChatGroup:
    group_id: str
    name: str
    member_ids: tuple[str, ...]


class ChatDirectory(Protocol):
    async def lookup_by_email(self, email: str) -> ChatUser | None: ...

    async def user_info(self, chat_user_id: str) -> ChatUser | None: ...

    async def list_groups(self) -> list[ChatGroup]: ...
