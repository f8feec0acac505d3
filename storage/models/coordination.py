"""State that every replica must share, kept in the database because replicas share nothing else.

- `DataVersion`: one row whose counter moves whenever data that feeds a view changes, in the
  same transaction as the change; views cached under an older number are stale everywhere.
- `RateLimitState`: per Slack method, the pause Slack asked for (`Retry-After`) and the send
  rate last found to work, so that one replica's 429 slows every replica down.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime

DATA_VERSION_ROW = 1


class DataVersion(SQLModel, table=True):
    __tablename__ = "data_version"

    id: int = Field(default=DATA_VERSION_ROW, primary_key=True)
    # A bare counter, no timestamp: comparing two copies of the database learns only that
    # something was written in between, never when.
    version: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))


class RateLimitState(SQLModel, table=True):
    __tablename__ = "rate_limit_state"

    method: str = Field(primary_key=True, max_length=64)
    paused_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    rate: float | None = Field(default=None)
