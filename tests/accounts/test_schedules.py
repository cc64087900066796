"""When trial reminders and morning editions are due: pure schedule decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsstand.accounts.digest import (
    edition_due,
    first_edition_skipped,
    parse_time_of_day,
    time_of_day,
)
from newsstand.accounts.reminders import reminder_due, reminder_key
from newsstand.errors import InvalidDataError
from newsstand.model import DigestSubscription

END = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before_end", "expected"),
    [
        (timedelta(days=5), None),
        (timedelta(days=3, seconds=1), None),
        (timedelta(days=3), 3),
        (timedelta(days=1, seconds=1), 3),
        (timedelta(days=1), 1),
        (timedelta(seconds=1), 1),
        (timedelta(0), None),
        (-timedelta(hours=1), None),
    ],
)
def test_trial_reminders_three_days_then_one_day_before(before_end: timedelta, expected: int | None) -> None:
    assert reminder_due(END, END - before_end) == expected


def test_reminder_keys_name_reader_trial_and_reminder() -> None:
    keys = {
        reminder_key(7, END, 3),
        reminder_key(7, END, 1),
        reminder_key(8, END, 3),
        reminder_key(7, END + timedelta(days=1), 3),
    }
    assert len(keys) == 4


def test_times_of_day() -> None:
    assert (
        parse_time_of_day("07:30") == 450 and parse_time_of_day(" 0:05 ") == 5 and time_of_day(450) == "07:30"
    )
    for bad in ("7", "24:00", "07:60", "07:3", "seven", "-1:00"):
        with pytest.raises(InvalidDataError):
            parse_time_of_day(bad)


def sub(minute: int, last: str = "", enabled: bool = True) -> DigestSubscription:
    return DigestSubscription(1, minute, enabled, "token", last)


def test_the_edition_of_a_local_day_is_due_from_the_chosen_local_time() -> None:
    # 05:59 UTC is 06:59 in Berlin and 14:59 in Tokyo, on 20 November in both.
    at = datetime(2026, 11, 20, 5, 59, tzinfo=UTC)
    assert edition_due(sub(7 * 60), "Europe/Berlin", at) is None
    assert edition_due(sub(7 * 60), "Europe/Berlin", at + timedelta(minutes=1)) == "2026-11-20"
    assert edition_due(sub(7 * 60, last="2026-11-20"), "Europe/Berlin", at + timedelta(hours=5)) is None
    assert edition_due(sub(7 * 60), "Asia/Tokyo", at) == "2026-11-20"
    # 16:00 UTC is already the 21st in Tokyo: that day's edition is due once 07:00 there comes.
    late = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)  # 07:00 on the 21st in Tokyo
    assert edition_due(sub(7 * 60, last="2026-11-20"), "Asia/Tokyo", late) == "2026-11-21"
    assert edition_due(sub(7 * 60, enabled=False), "Europe/Berlin", late) is None


def test_turning_the_digest_on_never_sends_at_once() -> None:
    nine_berlin = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert first_edition_skipped(7 * 60, "Europe/Berlin", nine_berlin) == "2026-11-20"  # from tomorrow
    assert first_edition_skipped(10 * 60, "Europe/Berlin", nine_berlin) == ""  # later today
