"""Payouts by reading: a month's member revenue shared among publishers. Pure.

Each publisher's share is the mean of two fractions of the month's paying reading: its
share of full reads and its share of reading time (each read's time capped, so a page left
open all night counts as one long read, not as a night). Only reads by paying members
count: a read is paid reading when its reader was paying at that moment (inside one of
their paid spans); trial readers and lapsed members read on the publishers' goodwill.

Amounts are integers in the currency's minor unit and add up exactly to the revenue:
each publisher gets the floor of its exact share (computed with fractions, never floats),
and the cents left over go one by one to the largest remainders, ties broken by publisher
id, so the same input always gives the same statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from newsstand.errors import InvalidDataError
from newsstand.model import Money, PaidRead

MAX_SECONDS_PER_READ = 30 * 60
TIME_WEIGHT = Fraction(1, 2)  # reads and reading time count alike


# One full read: who (``reader_ref``, a stable reference such as "reader:12"), of which
# publisher, when, and for how many seconds the article was read; as the store hands it out.
Read = PaidRead


@dataclass(frozen=True, slots=True)
class PaidSpan:
    """A time ``[start, end)`` during which ``reader`` was a paying member (not on trial)."""

    reader: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class PayoutLine:
    publisher_id: str
    reads: int
    seconds: int  # capped reading time
    share: Fraction  # of the revenue, exact
    amount: Money


@dataclass(frozen=True, slots=True)
class Statement:
    """What each publisher is paid for ``[start, end)``; the amounts add up to ``revenue``
    exactly, or, when no paying member read anything, ``undistributed`` is all of it."""

    start: datetime
    end: datetime
    revenue: Money
    lines: tuple[PayoutLine, ...]
    undistributed: Money


def paying_reads(
    reads: Iterable[Read], paid: Iterable[PaidSpan], start: datetime, end: datetime
) -> list[Read]:
    """The reads in ``[start, end)`` made while their reader was paying."""
    spans: dict[str, list[PaidSpan]] = defaultdict(list)
    for span in paid:
        spans[span.reader].append(span)
    return [
        r
        for r in reads
        if start <= r.at < end and any(s.start <= r.at < s.end for s in spans.get(r.reader_ref, ()))
    ]


def shares(counts: Mapping[str, tuple[int, int]], time_weight: Fraction = TIME_WEIGHT) -> dict[str, Fraction]:
    """Each publisher's exact share from its (reads, seconds); the shares add up to 1 (or
    the mapping is empty when nothing was read). Without any reading time, reads alone decide."""
    total_reads = sum(reads for reads, _ in counts.values())
    total_seconds = sum(seconds for _, seconds in counts.values())
    if total_reads == 0:
        return {}
    weight = time_weight if total_seconds else Fraction(0)
    return {
        pid: (1 - weight) * Fraction(reads, total_reads)
        + (weight * Fraction(seconds, total_seconds) if total_seconds else 0)
        for pid, (reads, seconds) in counts.items()
    }


def allocate(total: int, weights: Mapping[str, Fraction]) -> dict[str, int]:
    """Split ``total`` minor units by ``weights`` (which add up to 1) into integers that add
    up to ``total`` exactly: floors first, then one unit each to the largest remainders,
    ties by key. Raises InvalidDataError for a negative total or weights not adding to 1."""
    if total < 0:
        raise InvalidDataError(f"cannot share a negative amount ({total})")
    if sum(weights.values(), Fraction(0)) != 1:
        raise InvalidDataError("shares must add up to exactly 1")
    exact = {key: total * weight for key, weight in weights.items()}
    amounts = {key: int(value) for key, value in exact.items()}  # Fractions >= 0: int() floors
    left = total - sum(amounts.values())
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - amounts[key]), key))
    for key in by_remainder[:left]:
        amounts[key] += 1
    return amounts


def statement(
    revenue: Money,
    reads: Sequence[Read],
    paid: Sequence[PaidSpan],
    start: datetime,
    end: datetime,
    *,
    max_seconds_per_read: int = MAX_SECONDS_PER_READ,
    time_weight: Fraction = TIME_WEIGHT,
) -> Statement:
    """The month's payout statement: ``revenue`` (members' payments for ``[start, end)``)
    shared by paying reading in that span, publishers by id. Raises InvalidDataError for a
    negative revenue or reading time, or a time weight outside [0, 1]."""
    if not 0 <= time_weight <= 1:
        raise InvalidDataError(f"time weight must be between 0 and 1, got {time_weight}")
    counts: dict[str, tuple[int, int]] = {}
    for read in paying_reads(reads, paid, start, end):
        if read.seconds < 0:
            raise InvalidDataError(f"negative reading time in a read of {read.publisher_id}")
        n, seconds = counts.get(read.publisher_id, (0, 0))
        counts[read.publisher_id] = (n + 1, seconds + min(read.seconds, max_seconds_per_read))
    weights = shares(counts, time_weight)
    if not weights:
        return Statement(start, end, revenue, (), revenue)
    amounts = allocate(revenue.amount, weights)
    lines = tuple(
        PayoutLine(pid, counts[pid][0], counts[pid][1], weights[pid], Money(amounts[pid], revenue.currency))
        for pid in sorted(counts)
    )
    return Statement(start, end, revenue, lines, Money(0, revenue.currency))


# --- reading time and revenue -------------------------------------------------------------------

# A page reports its reading time a little after the server noted the read; this much is allowed
# beyond the time since then, for the delay between the two.
CLOCK_SLACK_SECONDS = 5


def credited_seconds(
    current: int, reported: int, read_at: datetime, now: datetime, cap: int = MAX_SECONDS_PER_READ
) -> int:
    """A read's reading time after its page reports ``reported`` more seconds: never more than
    the time since the read began (no page can have been open longer, whatever it reports),
    never more than ``cap``, and never less than before."""
    if reported <= 0:
        return current
    elapsed = max(0, int((now - read_at).total_seconds()) + CLOCK_SLACK_SECONDS)
    return max(current, min(current + reported, elapsed, cap))


def recognised(
    amount: int, period_start: datetime, period_end: datetime, start: datetime, end: datetime
) -> int:
    """The part of a payment of ``amount`` (minor units) for ``[period_start, period_end)`` that
    falls in ``[start, end)``: the payment spread evenly over its period, second by second.
    Each part is a difference of floors of the running share, so the parts of consecutive
    spans add up exactly to ``amount`` (a yearly plan's twelve months give its whole price).
    Raises InvalidDataError for an empty period."""
    length = int((period_end - period_start).total_seconds())
    if length <= 0:
        raise InvalidDataError("a payment's period must end after it starts")

    def upto(moment: datetime) -> int:
        clamped = min(max(moment, period_start), period_end)
        return amount * int((clamped - period_start).total_seconds()) // length

    return upto(end) - upto(start) if end > start else 0
