"""The organisation directory: people, teams and who manages whom."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    slack_usergroup_id: str | None = Field(default=None, unique=True, max_length=32)


class Person(SQLModel, table=True):
    """One employee. Email is the natural key for imports; chat IDs are filled in when known."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=320)
    name: str = Field(max_length=200)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    slack_user_id: str | None = Field(default=None, unique=True, max_length=32)
    # Microsoft Teams: the person's Entra ID (AAD) object id, a GUID.
    aad_object_id: str | None = Field(default=None, unique=True, max_length=36)
    # "slack" or "teams": where the person last answered, so they are prompted there only.
    last_platform: str | None = Field(default=None, max_length=16)
    tz: str | None = Field(default=None, max_length=64)
    active: bool = Field(default=True)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
