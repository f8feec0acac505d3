"""Quarter labels and the campaign calendar: when to ask, and when it is polite to ask.

The seed article's question is asked once a quarter, close to the quarterly review, so the
default campaign opens on the second Tuesday of the quarter's last month. Each person is then
asked at a humane local hour on a weekday: a prompt that lands at 3 a.m. or on a Sunday is
a prompt that gets ignored, and it tells people the organisation does not care when they rest.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_LABEL = re.compile(r"^(\d{4})Q([1-4])$")
TUESDAY = 1
SATURDAY = 5


def quarter_of(moment: datetime | date) -> str:
    """`2026Q4` for any moment in October to December 2026 (UTC for datetimes)."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def parse_quarter(label: str) -> tuple[int, int]:
    """(year, quarter) from `2026Q4`; ValueError with a readable message otherwise."""
    match = _LABEL.match(label.strip().upper())
    if not match:
        raise ValueError(f"{label!r} is not a quarter; write it like 2026Q4")
    return int(match.group(1)), int(match.group(2))


def quarter_label(label: str) -> str:
    """`Q3 2026` for `2026Q3`: how people read a quarter (the compact form stays the key).

    Anything that is not a quarter comes back unchanged, so a caller never has to check first.
    """
    match = _LABEL.match(str(label).strip().upper())
    return f"Q{match.group(2)} {match.group(1)}" if match else str(label)


def is_quarter(label: str) -> bool:
    return bool(_LABEL.match(label.strip().upper()))


def normalise_quarter(label: str) -> str:
    year, number = parse_quarter(label)
    return f"{year}Q{number}"


def next_quarter(label: str) -> str:
    year, number = parse_quarter(label)
    return f"{year + 1}Q1" if number == 4 else f"{year}Q{number + 1}"


def quarter_end(label: str) -> datetime:
    """The first instant after the quarter (UTC)."""
    year, number = parse_quarter(label)
    if number == 4:
        return datetime(year + 1, 1, 1, tzinfo=UTC)
    return datetime(year, number * 3 + 1, 1, tzinfo=UTC)


def open_day(label: str) -> date:
    """The default campaign day: the second Tuesday of the quarter's last month."""
    year, number = parse_quarter(label)
    first = date(year, number * 3, 1)
    first_tuesday = first + timedelta(days=(TUESDAY - first.weekday()) % 7)
    return first_tuesday + timedelta(days=7)


def is_open_day(day: date) -> bool:
    return open_day(quarter_of(day)) == day


def next_open_day(after: date) -> date:
    """The next default campaign day on or after `after` (for 'the next one opens on…')."""
    label = quarter_of(after)
    day = open_day(label)
    return day if day >= after else open_day(next_quarter(label))


def resolve_tz(name: str | None, default: str) -> ZoneInfo:
    """The person's zone, else the configured default, else UTC: a bad zone never stops a send."""
    for candidate in (name, default):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def humane_send_time(after: datetime, tz: ZoneInfo, hour: int) -> datetime:
    """The first weekday `hour`:00 local time at or after `after`, returned in UTC.

    Built from the local calendar date, so DST changes keep the wall-clock hour (10:00 stays
    10:00 in March and in October) instead of drifting by an hour as UTC arithmetic would.
    """
    local = after.astimezone(tz)
    day = local.date()
    while True:
        candidate = datetime.combine(day, time(hour), tzinfo=tz)
        if candidate.weekday() < SATURDAY and candidate >= local:
            return candidate.astimezone(UTC)
        day += timedelta(days=1)


def window_close(opens_at: datetime, window_days: int) -> datetime:
    return opens_at + timedelta(days=window_days)


def reminder_start(opens_at: datetime, offset_days: int) -> datetime:
    """From when the n-th reminder may go out; each person then gets it at a humane hour."""
    return opens_at + timedelta(days=offset_days)
