"""Blameless disclosures. The `disclosure` table is built to be unlinkable.

It has no user column, no timestamp finer than the quarter, and a random primary key; on
SQLite it is a WITHOUT ROWID table so that no hidden rowid records insertion order (on
PostgreSQL the service rewrites a quarter's rows after each insert, see
`storage.queries.disclosures`). Identity exists only when the person asked to be contacted,
in `disclosure_contact`, reached through a random reference.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Column, Field, SQLModel

from bot.core.vocabulary import COVERT_REASONS
from storage.types import UTCDateTime, utcnow


class Disclosure(SQLModel, table=True):
    __table_args__ = (
        Index("ix_disclosure_quarter_team", "quarter", "team_id"),
        # Covers the gate counts; it orders by content only, never by time of arrival.
        Index(
            "ix_disclosure_quarter_team_reasons",
            "quarter",
            "team_id",
            *(f"reason_{key}" for key in COVERT_REASONS),
        ),
        {"sqlite_with_rowid": False},
    )

    id: str = Field(primary_key=True, max_length=32)  # random, never sequential
    quarter: str = Field(max_length=16)
    team_id: int | None = Field(default=None, foreign_key="team.id")  # only for teams >= K
    tool: str = Field(max_length=200)
    tool_key: str = Field(max_length=200, index=True)  # normalised, for catalog matching
    tool_kind: str = Field(max_length=32)
    work_kind: str = Field(max_length=32)
    frequency: str = Field(max_length=16)
    data_class: str = Field(max_length=32)
    reason_no_approved_tool: bool = Field(default=False)
    reason_procurement: bool = Field(default=False)
    reason_review_slow: bool = Field(default=False)
    reason_rules_unclear: bool = Field(default=False)
    reason_fear_of_blame: bool = Field(default=False)
    reason_did_not_matter: bool = Field(default=False)
    make_it_easy: str | None = Field(default=None, max_length=2000)
    claim_hash: str = Field(unique=True, max_length=64)
    contact_ref: str | None = Field(default=None, unique=True, max_length=32)
    # Counted and listed only once released, in batches of at least K (or at campaign close):
    # two readings never differ by one disclosure (`bot.core.disclosures.release`).
    released: bool = Field(default=False)


class DisclosureContact(SQLModel, table=True):
    """Only for people who chose "you may contact me"; linked by a random reference.

    WITHOUT ROWID too: the order in which people opted in is nobody's business.
    """

    __table_args__ = ({"sqlite_with_rowid": False},)

    ref: str = Field(primary_key=True, max_length=32)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    slack_user_id: str | None = Field(default=None, max_length=32)


class DisclosureReply(SQLModel, table=True):
    """An admin's answer to one disclosure, readable by whoever holds its claim code."""

    id: int | None = Field(default=None, primary_key=True)
    disclosure_id: str = Field(foreign_key="disclosure.id", index=True, max_length=32)
    body: str = Field(max_length=3000)
    author: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class QuarterNote(SQLModel, table=True):
    """The published "you said, we did" note for a quarter."""

    quarter: str = Field(primary_key=True, max_length=16)
    body: str = Field(max_length=3000)
    author: str = Field(max_length=64)
    published_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class SubmissionGuard(SQLModel, table=True):
    """Keyed hashes of form nonces already accepted: stops a double submit from storing twice.

    It holds no reference to the disclosure it guarded, and one expiry for a whole quarter
    (its end plus two days), so no row dates its submission. A guard is written in the
    submitting transaction, so its physical trace would: a PostgreSQL row keeps that
    transaction's `xmin` in heap order, a SQLite cell sits below the earlier ones on its page
    (WITHOUT ROWID does not change that). The table is therefore anonymous data like
    `disclosure` (`ANONYMOUS_TABLES`): rewritten in random order by every submission
    (`storage.queries.disclosures.shuffle_guards`, one `xmin` for all) and erased after the
    commit (`storage.erasure`).
    """

    __table_args__ = ({"sqlite_with_rowid": False},)

    token_hash: str = Field(primary_key=True, max_length=64)
    expires_on: date


class ApprovedTool(SQLModel, table=True):
    """The organisation's catalog of approved AI tools; a disclosed tool outside it is demand."""

    tool_key: str = Field(primary_key=True, max_length=200)
    label: str = Field(max_length=200)
