"""Coordinated jobs: which replica runs a scheduled job now, and when it is next due."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime


class ScheduledJob(SQLModel, table=True):
    """One row per job that must run once across all replicas (open, housekeeping, retention).

    APScheduler 3 cannot share a job store between processes, so each replica's scheduler only
    ticks; whether a job is due and who runs it is decided by a conditional UPDATE of this row
    (a short lease the runner renews, so a dead runner's job is taken over within one lease).
    """

    name: str = Field(primary_key=True, max_length=64)
    schedule: str = Field(max_length=200)  # the trigger as text: a changed schedule re-plans
    next_run_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    last_started_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    last_finished_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    last_outcome: str | None = Field(default=None, max_length=16)  # ok | error | missed
    last_detail: str | None = Field(default=None, max_length=500)  # counts, or an error's type
