"""Memberships as a service: trials, manual grants, and the payment provider seam."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from newsstand.accounts import membership as ms
from newsstand.accounts._base import ServiceBase
from newsstand.errors import InvalidDataError, MembershipError
from newsstand.model import MemberRow, Membership, MembershipState, Reader


class PaymentProvider(Protocol):
    """Where money comes from. A provider that takes payments sends the reader to its
    checkout and, when it confirms a payment, calls ``Accounts.grant``/``extend`` with
    its own ``name`` as provider."""

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


class MembersMixin(ServiceBase):
    provider: PaymentProvider

    @property
    def trial_days(self) -> int:
        return self.settings.trial_days

    def membership(self, reader_id: int) -> Membership | None:
        return self.store.get_membership(reader_id)

    def membership_state(self, reader_id: int) -> MembershipState | None:
        """The effective state now (a trial past its end is lapsed), None without one."""
        current = self.store.get_membership(reader_id)
        return None if current is None else ms.effective_state(current, self.now())

    def can_start_trial(self, reader_id: int) -> bool:
        return ms.can_start_trial(self.store.get_membership(reader_id))

    def start_trial(self, reader_id: int) -> Membership:
        """Start the free trial. Raises MembershipError when the reader had one (or any
        membership) before, NotFoundError for an unknown reader."""
        self.store.get_reader(reader_id)
        started = ms.start_trial(self.store.get_membership(reader_id), reader_id, self.now(), self.trial_days)
        self.store.put_membership(started)
        return started

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
        self.store.put_membership(granted)
        return granted

    def extend(self, reader_id: int, days: int) -> Membership:
        """Add days to the current trial or period (or start a new period when lapsed)."""
        self.store.get_reader(reader_id)
        extended = ms.extend(self.store.get_membership(reader_id), reader_id, self.now(), days)
        self.store.put_membership(extended)
        return extended

    def end(self, reader_id: int) -> Membership:
        """Cancel the membership now. Raises MembershipError when there is none."""
        current = self.store.get_membership(reader_id)
        if current is None:
            raise MembershipError("This reader has no membership to end.")
        ended = ms.cancel(current, self.now())
        self.store.put_membership(ended)
        return ended

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
