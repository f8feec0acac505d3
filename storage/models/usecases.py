"""The use-case registry: proposals, their review gates, owners, outcomes and the audit trail.

Exactly-once rests on these tables, not on timers: a gate review changes state only through a
conditional UPDATE (`WHERE state = 'pending' AND due_at <= now`), each notice to a person has a
unique key in the `gatenotice` outbox, and the audit trail is a hash chain whose head row is
locked by every append, so concurrent writers line up instead of forking the chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _at(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable)


class ReviewGate(SQLModel, table=True):
    """A review gate an admin configured (legal, security, procurement…)."""

    name: str = Field(primary_key=True, max_length=64)
    reviewers: str = Field(max_length=1000)  # comma-separated Slack user or user-group IDs
    sla_days: int = Field(default=14)
    on_timeout: str = Field(default="approve", max_length=16)  # approve | escalate
    escalate_to: str | None = Field(default=None, max_length=64)
    applies_to: str = Field(default="all", max_length=16)  # all | new_tool
    remind_days: int = Field(default=3)  # days before the deadline that reviewers are reminded
    active: bool = Field(default=True)
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class UseCase(SQLModel, table=True):
    """A team use case (kind `use_case`) or a request to add a tool (kind `tool_request`)."""

    __table_args__ = (Index("ix_usecase_kind_state", "kind", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="use_case", max_length=16)
    name: str = Field(max_length=200)
    team: str = Field(max_length=200)
    tool: str = Field(max_length=200)
    tool_key: str = Field(max_length=200)
    new_tool: bool = Field(default=False)
    data_class: str = Field(max_length=32)
    description: str = Field(max_length=3000)
    expected_outcome: str = Field(default="", max_length=1000)
    measurement: str = Field(default="", max_length=1000)
    # proposed | in_review | pilot | production | retired (tool requests: approved | rejected)
    state: str = Field(default="proposed", max_length=16)
    proposer: str = Field(max_length=64)  # a chat user id: Slack, or a Teams aad_object_id
    source_answer_id: int | None = Field(default=None)  # not a foreign key: answers can be erased
    process_url: str | None = Field(default=None, max_length=500)
    retired_reason: str | None = Field(default=None, max_length=1000)
    survived_rotation: bool = Field(default=False)
    revision: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    pilot_at: datetime | None = Field(default=None, sa_column=_at(True))
    production_at: datetime | None = Field(default=None, sa_column=_at(True))
    retired_at: datetime | None = Field(default=None, sa_column=_at(True))


class UseCaseOwner(SQLModel, table=True):
    """Who owns a use case; rows are deactivated, not deleted, so rotation stays visible."""

    use_case_id: int = Field(foreign_key="usecase.id", primary_key=True)
    user_id: str = Field(primary_key=True, max_length=64)  # Slack or Teams id
    active: bool = Field(default=True)
    added_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    removed_at: datetime | None = Field(default=None, sa_column=_at(True))


class UseCaseOutcome(SQLModel, table=True):
    """What a use case achieved in a quarter (one per quarter, edited in place, audited)."""

    use_case_id: int = Field(foreign_key="usecase.id", primary_key=True)
    quarter: str = Field(primary_key=True, max_length=16)
    summary: str = Field(max_length=1000)
    metric: str | None = Field(default=None, max_length=300)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class GateReview(SQLModel, table=True):
    """One gate's review of one revision of a proposal; its state changes only conditionally."""

    __table_args__ = (
        UniqueConstraint("use_case_id", "gate", "revision", name="uq_gatereview_once"),
        Index("ix_gatereview_state_due", "state", "due_at"),
        Index("ix_gatereview_state_remind", "state", "remind_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    use_case_id: int = Field(foreign_key="usecase.id", index=True)
    gate: str = Field(max_length=64)
    revision: int = Field(default=1)
    # pending | approved | changes_requested | rejected | auto_approved | escalated
    state: str = Field(default="pending", max_length=24)
    reviewers: str = Field(max_length=1000)  # the gate's reviewers when the review opened
    sla_days: int
    on_timeout: str = Field(max_length=16)
    escalate_to: str | None = Field(default=None, max_length=64)
    opened_at: datetime = Field(sa_column=_at())
    due_at: datetime = Field(sa_column=_at())
    remind_at: datetime = Field(sa_column=_at())
    reminded_at: datetime | None = Field(default=None, sa_column=_at(True))
    escalated_at: datetime | None = Field(default=None, sa_column=_at(True))
    decided_at: datetime | None = Field(default=None, sa_column=_at(True))
    decided_by: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=1000)


class GateNotice(SQLModel, table=True):
    """The gates' outbox: one row per person and event, sent once under a lease."""

    __table_args__ = (Index("ix_gatenotice_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=160)
    recipient: str = Field(max_length=64)  # Slack user id, or a Teams aad_object_id
    kind: str = Field(max_length=24)  # request | reminder | auto_approved | escalated | decision…
    use_case_id: int = Field(foreign_key="usecase.id", index=True)
    review_id: int | None = Field(default=None, foreign_key="gatereview.id")
    due_at: datetime = Field(sa_column=_at())
    status: str = Field(default="pending", max_length=16)  # pending | claimed | sent | failed
    attempts: int = Field(default=0)
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=_at(True))
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=_at(True))


class AuditEntry(SQLModel, table=True):
    """One link of the audit chain; `hash` covers every field and the previous entry's hash.

    Append-only: database triggers refuse UPDATE and DELETE, and `leverage-bot audit --verify`
    detects an entry edited or removed by someone who got past them.
    """

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(sa_column=_at())
    actor: str = Field(max_length=64)  # a Slack user ID, "clock", or "cli:<login>"
    action: str = Field(max_length=48)
    use_case_id: int | None = Field(default=None, index=True)
    gate: str | None = Field(default=None, max_length=64)
    detail: str = Field(sa_column=Column(Text(), nullable=False))  # canonical JSON
    prev_hash: str = Field(max_length=64)
    hash: str = Field(unique=True, max_length=64)


class AuditHead(SQLModel, table=True):
    """The chain's newest link (a single row); locking it orders concurrent appends."""

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = Field(default=0)
    hash: str = Field(max_length=64)


class ToolApproval(SQLModel, table=True):
    """What an approved tool may be used for: the catalog's detail beside `approvedtool`."""

    tool_key: str = Field(foreign_key="approvedtool.tool_key", primary_key=True, max_length=200)
    uses: str = Field(default="", max_length=500)  # comma-separated kinds of work
    data_classes: str = Field(default="", max_length=500)  # comma-separated data classes
    approved_by: str = Field(max_length=64)
    approved_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    via: str = Field(default="admin", max_length=32)  # admin | procurement gate (use case id)
