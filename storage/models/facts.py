"""Organisation process facts (policy, review SLA, procurement default) and their history."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime, utcnow


class OrgFact(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=500)
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class FactChange(SQLModel, table=True):
    """Every change to a fact, with who and when: the stage rests on facts, so they are audited."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, index=True)
    old_value: str | None = Field(default=None, max_length=500)
    new_value: str = Field(max_length=500)
    changed_by: str = Field(max_length=64)
    source: str = Field(max_length=16)  # cli | slack
    changed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
