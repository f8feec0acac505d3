"""Data retention: people's free text is kept for `LEVERAGE_RETENTION_QUARTERS` quarters.

After that, the words are removed (an answer's example and measurement note, a disclosure's
"what would make it easy" and the replies to it), while every figure stays: the answer and
disclosure rows, their kinds, flags and hours, so stage history and trends do not change.
A coordinated scheduler job (`bot.scheduler`) purges daily; `retention_state` is what an
audit reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core import quarters
from bot.core.services import Services
from storage.queries import retention as q
from storage.queries import scheduler as jobs

JOB_NAME = "retention"


@dataclass
class RetentionState:
    quarters: int  # 0: free text is kept forever
    oldest_kept: str | None  # the oldest quarter whose free text is still kept
    text_past_retention: int  # free-text values still stored from before it (0 once purged)
    last_purge_at: datetime | None
    last_outcome: str | None
    last_detail: str | None

    def to_dict(self) -> dict[str, object]:
        """For `privacy audit --json`: the setting, what is kept and the last purge."""
        return {
            "quarters": self.quarters,
            "oldest_kept": self.oldest_kept,
            "text_past_retention": self.text_past_retention,
            "last_purge_at": self.last_purge_at.isoformat() if self.last_purge_at else None,
            "last_outcome": self.last_outcome,
            "last_detail": self.last_detail,
        }

    def describe(self) -> str:
        if not self.quarters:
            return "Retention: off (LEVERAGE_RETENTION_QUARTERS=0); free text is kept forever."
        last = (
            f"last purge {self.last_purge_at:%Y-%m-%d %H:%M} UTC ({self.last_outcome}: "
            f"{self.last_detail or 'nothing to remove'})"
            if self.last_purge_at
            else "no purge has run yet"
        )
        return (
            f"Retention: free text kept for {self.quarters} quarters (from {self.oldest_kept} "
            f"on); {self.text_past_retention} older values still stored; {last}."
        )


def oldest_kept(moment: datetime, keep: int) -> str:
    """With `keep` = 4 in 2026Q4, text from 2025Q4 on is kept and older text removed."""
    year, number = quarters.parse_quarter(quarters.quarter_of(moment))
    index = year * 4 + (number - 1) - keep
    return f"{index // 4}Q{index % 4 + 1}"


async def purge_expired_text(services: Services) -> str:
    """Remove the free text older than the retention period; a summary of what changed."""
    keep = services.settings.retention_quarters
    if not keep:
        return "retention off"
    before = oldest_kept(services.clock(), keep)
    async with services.db.session() as s:
        changed = await q.purge_before(s, before)
    return f"before {before}: " + ", ".join(f"{n} {kind}" for kind, n in changed.items())


async def retention_state(services: Services) -> RetentionState:
    keep = services.settings.retention_quarters
    before = oldest_kept(services.clock(), keep) if keep else None
    async with services.db.session() as s:
        left = await q.text_left_before(s, before) if before else 0
        row = await jobs.get(s, JOB_NAME)
    return RetentionState(
        quarters=keep,
        oldest_kept=before,
        text_past_retention=left,
        last_purge_at=row.last_finished_at if row else None,
        last_outcome=row.last_outcome if row else None,
        last_detail=row.last_detail if row else None,
    )
