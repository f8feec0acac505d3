"""Signed requests already acted on, so that a replay within Slack's window does nothing.

Slack signs `v0:timestamp:body` and the bot accepts a signature for five minutes; within that
window anyone who captured a request (a proxy log, a leaked HAR file) could send it again and
the bot would act again. Each accepted signature is remembered here until its timestamp can no
longer pass verification. The key is a hash of the signature (never the body) and the row
carries only its expiry, rounded up to a ten-minute boundary. A row still records that some
request arrived in that bucket (and, on PostgreSQL, its claim transaction's `xmin`), so rows are
swept every minute by a coordinated job and their bytes erased (`bot.slack.gate`). It lives in
the database so that every replica shares it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime


class SeenRequest(SQLModel, table=True):
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: str = Field(primary_key=True, max_length=64)  # sha256 of the request's signature
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
