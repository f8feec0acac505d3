"""Quarter labels, the default campaign day and the humane local send time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core import quarters
from bot.core.quarters import humane_send_time, resolve_tz


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_quarter_label_is_what_people_read() -> None:
    assert quarters.quarter_label("2026Q3") == "Q3 2026"
    assert quarters.quarter_label(" 2027q1 ") == "Q1 2027"
    assert quarters.quarter_label("not a quarter") == "not a quarter"


def test_quarter_labels() -> None:
    assert quarters.quarter_of(utc(2026, 12, 31, 23, 59)) == "2026Q4"
    assert quarters.quarter_of(date(2027, 1, 1)) == "2027Q1"
    assert quarters.quarter_of(date(2026, 6, 30)) == "2026Q2"
    assert quarters.normalise_quarter("2026q4") == "2026Q4"
    assert quarters.next_quarter("2026Q4") == "2027Q1"
    assert quarters.quarter_end("2026Q4") == utc(2027, 1, 1)
    for bad in ("2026Q5", "Q4", "2026-10", ""):
        with pytest.raises(ValueError):
            quarters.parse_quarter(bad)


def test_default_open_day_is_second_tuesday_of_last_month() -> None:
    assert quarters.open_day("2026Q4") == date(2026, 12, 8)
    assert quarters.open_day("2027Q1") == date(2027, 3, 9)
    assert quarters.open_day("2027Q2") == date(2027, 6, 8)
    assert quarters.open_day("2027Q3") == date(2027, 9, 14)
    assert quarters.is_open_day(date(2026, 12, 8))
    assert not quarters.is_open_day(date(2026, 12, 1))
    assert quarters.next_open_day(date(2026, 12, 9)) == date(2027, 3, 9)


def test_humane_time_moves_a_friday_afternoon_to_monday_morning() -> None:
    friday = utc(2026, 11, 27, 12)
    sent = humane_send_time(friday, resolve_tz("Europe/London", "UTC"), 10)
    assert sent == utc(2026, 11, 30, 10)


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("Europe/London", utc(2026, 12, 8, 10)),  # 06:00 local: later the same morning
        ("America/Los_Angeles", utc(2026, 12, 8, 18)),  # still Monday night there
        ("Asia/Tokyo", utc(2026, 12, 9, 1)),  # 15:00 there: tomorrow morning
        ("Asia/Kolkata", utc(2026, 12, 9, 4, 30)),  # a half-hour zone
    ],
)
def test_humane_time_per_zone(tz: str, expected: datetime) -> None:
    assert humane_send_time(utc(2026, 12, 8, 6), resolve_tz(tz, "UTC"), 10) == expected


def test_humane_time_keeps_the_local_hour_across_dst() -> None:
    berlin = resolve_tz("Europe/Berlin", "UTC")
    before = humane_send_time(utc(2027, 3, 25, 6), berlin, 10)  # CET, UTC+1
    after = humane_send_time(utc(2027, 3, 26, 12), berlin, 10)  # across the weekend switch
    assert before == utc(2027, 3, 25, 9)
    assert after == utc(2027, 3, 29, 8)  # CEST, UTC+2, Monday
    new_york = resolve_tz("America/New_York", "UTC")
    assert humane_send_time(utc(2026, 10, 30, 20), new_york, 10) == utc(2026, 11, 2, 15)


def test_invalid_zone_falls_back_to_default_then_utc() -> None:
    assert resolve_tz("Mars/Olympus", "Europe/Paris").key == "Europe/Paris"
    assert resolve_tz(None, "Not/AZone").key == "UTC"
    assert resolve_tz("", "").key == "UTC"


@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC", "Europe/Berlin"])
def test_never_at_night_and_never_on_a_weekend(tz: str) -> None:
    zone = resolve_tz(tz, "UTC")
    start = utc(2027, 3, 20)
    for step in range(0, 24 * 14, 5):
        moment = start + timedelta(hours=step)
        sent = humane_send_time(moment, zone, 10)
        local = sent.astimezone(zone)
        assert sent >= moment
        assert (local.hour, local.minute) == (10, 0)
        assert local.weekday() < 5
        assert sent - moment < timedelta(days=4)
