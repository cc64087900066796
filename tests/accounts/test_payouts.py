"""Payouts by reading: only paying members' reads count, and the statement adds up exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsstand.accounts.payouts import PaidSpan, Read, allocate, paying_reads, shares, statement
from newsstand.errors import InvalidDataError
from newsstand.model import Money

NOV = datetime(2026, 11, 1, tzinfo=UTC)
DEC = datetime(2026, 12, 1, tzinfo=UTC)


def at(day: int, hour: int = 12) -> datetime:
    return NOV + timedelta(days=day - 1, hours=hour)


def test_trial_readers_and_lapsed_members_earn_publishers_nothing() -> None:
    paid = [PaidSpan("reader:1", NOV, DEC), PaidSpan("reader:2", at(15), DEC)]  # 2 paid from the 15th
    reads = [
        Read("reader:1", "daily", at(3), 300),
        Read("reader:2", "daily", at(10), 300),  # still on trial
        Read("reader:2", "weekly", at(20), 300),
        Read("reader:3", "weekly", at(5), 300),  # never paid
        Read("reader:1", "daily", DEC, 300),  # next month
    ]
    assert [(r.reader_ref, r.at.day) for r in paying_reads(reads, paid, NOV, DEC)] == [
        ("reader:1", 3),
        ("reader:2", 20),
    ]


def test_reads_and_reading_time_count_alike_and_long_reads_are_capped() -> None:
    paid = [PaidSpan("r", NOV, DEC)]
    reads = [Read("r", "daily", at(1), 60)] * 3 + [Read("r", "weekly", at(2), 10 * 3600)]  # a tab left open
    result = statement(Money(10_000, "EUR"), reads, paid, NOV, DEC)
    lines = {line.publisher_id: line for line in result.lines}
    assert (lines["daily"].reads, lines["daily"].seconds) == (3, 180)
    assert lines["weekly"].seconds == 1800  # capped at 30 minutes
    # daily: (3/4 + 180/1980) / 2; weekly: (1/4 + 1800/1980) / 2
    assert lines["daily"].share == (Fraction(3, 4) + Fraction(180, 1980)) / 2
    assert sum(line.amount.amount for line in result.lines) == 10_000
    assert result.undistributed == Money(0, "EUR")


def test_remainders_go_to_the_largest_fractions_then_by_publisher_id() -> None:
    thirds = {"c": Fraction(1, 3), "a": Fraction(1, 3), "b": Fraction(1, 3)}
    assert allocate(100, thirds) == {"a": 34, "b": 33, "c": 33}
    assert allocate(2, {"x": Fraction(1, 10), "y": Fraction(9, 10)}) == {"x": 0, "y": 2}
    assert allocate(0, thirds) == {"a": 0, "b": 0, "c": 0}


def test_no_paying_reading_leaves_the_revenue_undistributed() -> None:
    result = statement(Money(500, "EUR"), [Read("r", "daily", at(1), 60)], [], NOV, DEC)
    assert result.lines == () and result.undistributed == Money(500, "EUR")
    assert shares({}) == {}


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidDataError):
        allocate(-1, {"a": Fraction(1)})
    with pytest.raises(InvalidDataError):
        allocate(10, {"a": Fraction(1, 2)})
    with pytest.raises(InvalidDataError):
        statement(Money(1, "EUR"), [], [], NOV, DEC, time_weight=Fraction(3, 2))
    with pytest.raises(InvalidDataError):
        statement(Money(1, "EUR"), [Read("r", "p", at(1), -5)], [PaidSpan("r", NOV, DEC)], NOV, DEC)


_reads = st.lists(
    st.builds(
        Read,
        reader_ref=st.sampled_from(["reader:1", "reader:2", "reader:3", "reader:4"]),
        publisher_id=st.sampled_from(["alpha", "beta", "gamma", "delta", "epsilon"]),
        at=st.integers(0, 29 * 24).map(lambda h: NOV + timedelta(hours=h)),
        seconds=st.integers(0, 7200),
    ),
    max_size=60,
)
_spans = st.lists(
    st.builds(
        lambda reader, first, days: PaidSpan(
            reader, NOV + timedelta(days=first), NOV + timedelta(days=first + days)
        ),
        st.sampled_from(["reader:1", "reader:2", "reader:3"]),
        st.integers(0, 29),
        st.integers(1, 30),
    ),
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**9), _reads, _spans, st.fractions(0, 1))
def test_the_statement_adds_up_exactly_and_is_deterministic(
    revenue: int, reads: list[Read], spans: list[PaidSpan], weight: Fraction
) -> None:
    result = statement(Money(revenue, "EUR"), reads, spans, NOV, DEC, time_weight=weight)
    total = sum(line.amount.amount for line in result.lines) + result.undistributed.amount
    assert total == revenue
    assert all(line.amount.amount >= 0 for line in result.lines)
    assert sum((line.share for line in result.lines), Fraction(0)) in (0, 1)
    for line in result.lines:  # nobody is more than one minor unit away from their exact share
        assert abs(line.amount.amount - revenue * line.share) < 1
    again = statement(
        Money(revenue, "EUR"), list(reversed(reads)), list(reversed(spans)), NOV, DEC, time_weight=weight
    )
    assert again == result


# --- reading time reported by the page, revenue recognised per month ------------------------------


def test_a_page_is_credited_no_more_reading_time_than_has_passed() -> None:
    from newsstand.accounts.payouts import CLOCK_SLACK_SECONDS, credited_seconds

    read_at = at(3)
    assert credited_seconds(0, 50, read_at, read_at + timedelta(seconds=60)) == 50
    assert credited_seconds(50, 500, read_at, read_at + timedelta(seconds=60)) == 60 + CLOCK_SLACK_SECONDS
    assert credited_seconds(200, -5, read_at, read_at + timedelta(seconds=60)) == 200  # never less
    assert credited_seconds(1700, 600, read_at, read_at + timedelta(hours=2)) == 30 * 60  # capped


@settings(max_examples=150, deadline=None)
@given(
    amount=st.integers(min_value=0, max_value=10**9),
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    days=st.integers(min_value=1, max_value=400),
    cuts=st.lists(st.integers(min_value=0, max_value=600 * 86400), max_size=20),
)
def test_a_payment_is_recognised_in_parts_that_add_up_exactly(
    amount: int, start: datetime, days: int, cuts: list[int]
) -> None:
    from newsstand.accounts.payouts import recognised

    begin = start.replace(tzinfo=UTC)
    end = begin + timedelta(days=days)
    edges = sorted(
        {begin - timedelta(days=30), *(begin + timedelta(seconds=c) for c in cuts), end + timedelta(days=1)}
    )
    parts = [recognised(amount, begin, end, a, b) for a, b in pairwise(edges)]
    assert all(p >= 0 for p in parts) and sum(parts) == amount


def test_a_yearly_payment_is_spread_over_its_months() -> None:
    from newsstand.accounts.payouts import recognised

    year = (NOV, NOV.replace(year=2027))
    november = recognised(9000, *year, NOV, DEC)
    assert november == 9000 * 30 // 365 and recognised(9000, *year, NOV - timedelta(days=31), NOV) == 0
