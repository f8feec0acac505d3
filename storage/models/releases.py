"""Team views published in releases, so that one new answer never shows as a difference.

A manager who reads their team's view before and after one known person answers could see
that person's answer in the difference (a "not approved" count that turns to "withheld" next
to a count of answers that grows by one). So a team's figures are released in batches: the
stored, already-suppressed view is served until at least K of the team's answers are new,
edited or gone since it was released, or the campaign has closed (`bot.core.team_summary`).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime


class TeamRelease(SQLModel, table=True):
    quarter: str = Field(primary_key=True, max_length=16)
    team_id: int = Field(primary_key=True)
    k: int  # the minimum group size it was suppressed with: another K releases again
    answers: int  # the team's answers in the quarter when released
    # The newest `answer.updated_at` among them (a time the answer rows hold anyway): answers
    # changed later are the new ones.
    as_of: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    final: bool = Field(default=False)  # released after the quarter's campaign closed
    figures: str  # the team's public signals (`bot.core.signals.Signals`), as JSON
