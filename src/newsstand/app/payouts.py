"""The monthly payout statement: members' revenue for a month shared among publishers by the
reading paying members gave them (``accounts.payouts`` decides; this module reads and writes).

A month's revenue is the part of every payment that falls in the month: a monthly payment
from the 15th counts half in each month, a yearly one a twelfth (or so, by the second) in
each. Only reads made while their reader was paying count; trial readers pay nobody.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Protocol

from newsstand.accounts.payouts import PaidSpan, recognised, statement
from newsstand.model import Money
from newsstand.store.base import BillingStore, LibraryStore


class PayoutStore(BillingStore, LibraryStore, Protocol):
    """What the statement reads."""


@dataclass(frozen=True, slots=True)
class PayoutRow:
    publisher_id: str
    publisher_name: str
    reads: int
    seconds: int  # reading time counted (each read capped)
    share: Fraction
    amount: Money

    @property
    def percent(self) -> float:
        return float(self.share * 100)


@dataclass(frozen=True, slots=True)
class PayoutStatement:
    """What each publisher is paid for a month; ``rows`` add up to ``revenue`` exactly, or
    ``undistributed`` holds it all when no paying member read anything."""

    month: str
    start: datetime
    end: datetime
    revenue: Money
    rows: tuple[PayoutRow, ...]
    undistributed: Money
    payments: int  # payments with a part in the month
    other_currencies: tuple[Money, ...]  # revenue in currencies other than the statement's, not shared

    @property
    def paid_out(self) -> Money:
        return Money(sum(r.amount.amount for r in self.rows), self.revenue.currency)


def payout_statement(
    store: PayoutStore, month: str, start: datetime, end: datetime, currency: str, names: Mapping[str, str]
) -> PayoutStatement:
    """The statement for ``[start, end)`` in ``currency`` (publisher names from ``names``)."""
    found = store.payments_between(start, end)
    revenue = 0
    others: dict[str, int] = {}
    for payment in found:
        part = recognised(payment.amount.amount, payment.period_start, payment.period_end, start, end)
        if payment.amount.currency == currency:
            revenue += part
        else:
            others[payment.amount.currency] = others.get(payment.amount.currency, 0) + part
    spans = [PaidSpan(p.reader_ref, p.period_start, p.period_end) for p in found]
    result = statement(Money(revenue, currency), store.paid_reads(start, end), spans, start, end)
    ordered = sorted(result.lines, key=lambda line: (-line.amount.amount, line.publisher_id))
    rows = tuple(
        PayoutRow(
            line.publisher_id,
            names.get(line.publisher_id, line.publisher_id),
            line.reads,
            line.seconds,
            line.share,
            line.amount,
        )
        for line in ordered
    )
    other = tuple(Money(amount, code) for code, amount in sorted(others.items()) if amount)
    return PayoutStatement(month, start, end, result.revenue, rows, result.undistributed, len(found), other)


CSV_HEADER = ("month", "publisher_id", "publisher", "reads", "reading_seconds", "share", "amount", "currency")


def payouts_csv(result: PayoutStatement, publisher_id: str | None = None) -> str:
    """The statement as CSV (one publisher's line alone when ``publisher_id`` is given), with
    a total line; amounts in major units of the currency."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    rows = [r for r in result.rows if publisher_id is None or r.publisher_id == publisher_id]
    month, currency = result.month, result.revenue.currency
    for row in rows:
        name = csv_safe(row.publisher_name)
        share = f"{float(row.share):.6f}"
        writer.writerow(
            [month, row.publisher_id, name, row.reads, row.seconds, share, _major(row.amount), currency]
        )
    if publisher_id is None:
        writer.writerow([month, "", "undistributed", "", "", "", _major(result.undistributed), currency])
        reads, seconds = sum(r.reads for r in rows), sum(r.seconds for r in rows)
        writer.writerow([month, "", "revenue", reads, seconds, "1.000000", _major(result.revenue), currency])
    return out.getvalue()


def _major(money: Money) -> str:
    return str(money).rsplit(" ", 1)[0]


def csv_safe(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows as text."""
    # A cell starting with = + - @ runs as a formula in spreadsheets.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
