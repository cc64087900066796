"""Memberships as a service: the free trial, grants and renewals, the payment provider seam,
and the monthly reading report publishers are paid by.

The state machine itself is pure (``newsstand.accounts.membership``); this module
reads the current row, applies one transition and stores the result.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from newsstand.accounts import membership as ms
from newsstand.config import Settings
from newsstand.errors import InvalidDataError, MembershipError
from newsstand.model import MemberRow, Membership, MembershipState, Reader, ReportRow, utc
from newsstand.store.base import CatalogStore, LibraryStore, MembershipStore, ReaderStore


class PaymentProvider(Protocol):
    """Where money comes from. A provider that takes payments sends the reader to its
    checkout and, when it confirms a payment, calls ``MembershipService.grant``/``extend``
    with its own ``name`` as provider."""

    name: str

    def checkout_url(self, reader: Reader, return_url: str) -> str | None:
        """Where to send a reader who wants to pay; None when readers cannot pay online."""


class ManualProvider:
    """The built-in provider: no online payment; operators grant, extend and end
    memberships from the CLI or the admin pages."""

    name = "manual"

    def checkout_url(self, reader: Reader, return_url: str) -> str | None:
        del reader, return_url
        return None


class MembersStore(ReaderStore, MembershipStore, LibraryStore, CatalogStore, Protocol):
    """What the membership service reads and writes."""


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a month given as "YYYY-MM", in UTC. Raises InvalidDataError."""
    try:
        start = datetime.strptime(month.strip(), "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidDataError(f"month must look like 2026-11, got {month!r}") from exc
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def report_csv(rows: list[ReportRow]) -> str:
    """The report as CSV text with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["publisher_id", "publisher", "reads", "unique_readers"])
    for row in rows:
        writer.writerow([row.publisher_id, _csv_safe(row.publisher_name), row.reads, row.unique_readers])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets; publisher
    # names come from catalog files we do not fully control.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


class MembershipService:
    """Trials, grants, renewals and endings, and the reading report."""

    def __init__(
        self,
        store: MembersStore,
        settings: Settings,
        clock: Callable[[], datetime],
        provider: PaymentProvider | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.provider = provider or ManualProvider()
        # Told after every change, so what signed-in requests remember of memberships is dropped.
        self.on_change = on_change or (lambda: None)

    def _put(self, membership: Membership) -> Membership:
        self.store.put_membership(membership)
        self.on_change()
        return membership

    def now(self) -> datetime:
        return utc(self.clock())

    @property
    def trial_days(self) -> int:
        return self.settings.trial_days

    def membership(self, reader_id: int) -> Membership | None:
        return self.store.get_membership(reader_id)

    def membership_state(self, reader_id: int) -> MembershipState | None:
        """The effective state now (a trial past its end is lapsed), None without one."""
        current = self.store.get_membership(reader_id)
        return None if current is None else ms.effective_state(current, self.now())

    def states(self) -> dict[int, MembershipState]:
        """Every reader's effective membership state now, by reader id (one query)."""
        now = self.now()
        return {m.reader_id: ms.effective_state(m, now) for m in self.store.list_memberships()}

    def can_start_trial(self, reader_id: int) -> bool:
        return ms.can_start_trial(self.store.get_membership(reader_id))

    def start_trial(self, reader_id: int) -> Membership:
        """Start the free trial. Raises MembershipError when the reader had one (or any
        membership) before, NotFoundError for an unknown reader."""
        self.store.get_reader(reader_id)
        started = ms.start_trial(self.store.get_membership(reader_id), reader_id, self.now(), self.trial_days)
        return self._put(started)

    def grant(
        self,
        reader_id: int,
        *,
        days: int | None = None,
        until: datetime | None = None,
        note: str = "",
        provider: str | None = None,
    ) -> Membership:
        """Make the reader an active member for ``days`` days or until ``until``
        (neither: open-ended). Raises InvalidDataError for both or a past end."""
        if days is not None and until is not None:
            raise InvalidDataError("give either days or until, not both")
        if days is not None and days <= 0:
            raise InvalidDataError(f"days must be positive, got {days}")
        self.store.get_reader(reader_id)
        now = self.now()
        end = now + timedelta(days=days) if days is not None else until
        granted = ms.grant(
            self.store.get_membership(reader_id),
            reader_id,
            now,
            end,
            provider=provider or self.provider.name,
            note=note,
        )
        return self._put(granted)

    def extend(self, reader_id: int, days: int) -> Membership:
        """Add days to the current trial or period (or start a new period when lapsed)."""
        self.store.get_reader(reader_id)
        extended = ms.extend(self.store.get_membership(reader_id), reader_id, self.now(), days)
        return self._put(extended)

    def end(self, reader_id: int) -> Membership:
        """Cancel the membership now. Raises MembershipError when there is none."""
        current = self.store.get_membership(reader_id)
        if current is None:
            raise MembershipError("This reader has no membership to end.")
        ended = ms.cancel(current, self.now())
        return self._put(ended)

    def list_members(self) -> list[MemberRow]:
        """Every reader with a membership, ordered by email."""
        now = self.now()
        readers = {r.id: r for r in self.store.list_readers()}
        rows = [
            MemberRow(readers[m.reader_id], m, ms.effective_state(m, now))
            for m in self.store.list_memberships()
            if m.reader_id in readers
        ]
        return sorted(rows, key=lambda row: row.reader.email)

    def reading_report(self, month: str) -> list[ReportRow]:
        """Full reads per publisher in a month (UTC), most read first."""
        start, end = month_bounds(month)
        names = {p.id: p.name for p in self.store.list_publishers()}
        rows = [
            ReportRow(pid, names.get(pid, pid), reads, unique)
            for pid, reads, unique in self.store.reading_counts(start, end)
        ]
        return sorted(rows, key=lambda r: (-r.reads, r.publisher_id))
