"""The double-submit guard keeps no date finer than the quarter."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.core import disclosures
from bot.core.services import Services
from tests.test_disclosure_helpers import form


async def test_guards_of_one_quarter_all_expire_on_the_same_day(services: Services) -> None:
    for day in (2, 19, 30):
        services.clock = lambda day=day: datetime(2026, 11, day, 15, 0, tzinfo=UTC)
        await disclosures.submit(services, form(f"Tool {day}"), chat_user_id=None)
    async with services.db.session() as session:
        rows = (await session.execute(text("SELECT expires_on FROM submissionguard"))).all()
    assert len(rows) == 3
    assert len({str(r[0]) for r in rows}) == 1
    assert str(rows[0][0]).startswith("2027-01")  # after the quarter ends, never earlier
