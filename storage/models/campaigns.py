"""Quarterly campaigns, their delivery outbox and the attributed answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Campaign(SQLModel, table=True):
    """One per quarter; its id is the quarter label, e.g. `2026Q4`."""

    id: str = Field(primary_key=True, max_length=16)
    opens_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default="open", max_length=16)  # open | closed
    deliver_now: bool = Field(default=False)
    reminder_days: str = Field(default="5,10", max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Delivery(SQLModel, table=True):
    """The outbox: one row per person, campaign and kind of message, claimed before sending.

    The unique key is what makes "exactly one prompt per person per campaign" a property of
    the database rather than of the code path that happened to run.
    """

    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", "kind", name="uq_delivery_once"),
        Index("ix_delivery_due", "status", "due_at"),
        Index("ix_delivery_campaign_status", "campaign_id", "status"),
        # Covers the participation counts (prompted, delivered) without touching the table.
        Index("ix_delivery_campaign_kind_status", "campaign_id", "kind", "status", "person_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: str = Field(foreign_key="campaign.id", max_length=16)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=16)  # prompt | reminder1 | reminder2 | summary
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending|claimed|sent|failed|skipped
    attempts: int = Field(default=0)
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Answer(SQLModel, table=True):
    """A person's answer to the quarterly question; one per person and campaign, edited in place."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", name="uq_answer_once"),
        Index("ix_answer_quarter_team", "quarter", "team_id"),
        # Covers the use-case aggregation (repeatable and production use cases per quarter).
        Index(
            "ix_answer_quarter_kind_usecase",
            "quarter",
            "work_kind",
            "team_id",
            "has_example",
            "establishment",
            "continues_without_me",
            "spread",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: str = Field(foreign_key="campaign.id", max_length=16)
    quarter: str = Field(max_length=16)
    person_id: int = Field(foreign_key="person.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")  # team when answered
    has_example: bool = Field(default=True)
    example: str | None = Field(default=None, max_length=3000)
    work_kind: str | None = Field(default=None, max_length=32)
    tool: str | None = Field(default=None, max_length=200)
    tool_approved: str | None = Field(default=None, max_length=16)
    establishment: str | None = Field(default=None, max_length=16)
    spread: str | None = Field(default=None, max_length=16)
    continues_without_me: str | None = Field(default=None, max_length=16)
    hours_saved_per_month: float | None = Field(default=None)
    metric: str | None = Field(default=None, max_length=300)
    obstacle_procurement: bool = Field(default=False)
    obstacle_legal_review: bool = Field(default=False)
    obstacle_security_data: bool = Field(default=False)
    obstacle_no_policy: bool = Field(default=False)
    obstacle_review_credit: bool = Field(default=False)
    obstacle_no_time: bool = Field(default=False)
    obstacle_tool_quality: bool = Field(default=False)
    share_consent: bool = Field(default=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
