"""What the Teams adapter must remember: how to reach a person, and what it already sent.

Teams lets a bot message someone only in a conversation the person opened by installing the
app, so the conversation reference captured then is kept here. Neither table is touched by a
disclosure: the reference is written when the app is installed or a command is typed, and only
when it changed, so no row records when anyone submitted anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime, utcnow


class TeamsConversation(SQLModel, table=True):
    """The personal-chat conversation reference of one Teams user (from the install)."""

    aad_object_id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(max_length=256)  # the Teams user id in this app, `29:…`
    conversation_id: str = Field(max_length=512)
    service_url: str = Field(max_length=512)
    tenant_id: str | None = Field(default=None, max_length=64)
    bot_id: str = Field(max_length=256)
    bot_name: str | None = Field(default=None, max_length=200)
    captured_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class TeamsSent(SQLModel, table=True):
    """A proactive message Teams accepted, recorded the moment its id came back.

    The Bot Connector cannot list a conversation's past messages, so this journal is how a
    delivery interrupted after the send (a crash before the outbox recorded it) is recognised
    instead of sent twice.
    """

    key: str = Field(primary_key=True, max_length=128)
    conversation_id: str = Field(max_length=512)
    activity_id: str = Field(max_length=256)
    sent_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
