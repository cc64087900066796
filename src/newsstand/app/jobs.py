"""The scheduled jobs: mail delivery, trial reminders and daily digests.

The service loop runs ``run_due`` every ``jobs_seconds``; each job is a method of its own so a
queue worker can run one alone. Every job is safe to run often and from two processes at
once: reminders and editions are queued under keys (a second run queues nothing again) and
mail is claimed with a lease before it is sent (nobody sends it twice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from newsstand.app.digest import DigestService
from newsstand.app.mailing import MailService
from newsstand.app.membership import MembershipService
from newsstand.errors import NewsstandError
from newsstand.mail import DeliveryReport
from newsstand.model import utc

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class JobsReport:
    reminders: int = 0
    digests: int = 0
    mail: DeliveryReport = field(default_factory=DeliveryReport)
    errors: tuple[str, ...] = ()


class Jobs:
    def __init__(
        self,
        mail: MailService,
        membership: MembershipService,
        digests: DigestService,
        clock: Callable[[], datetime],
    ) -> None:
        self.mail = mail
        self.membership = membership
        self.digests = digests
        self.clock = clock

    def trial_reminders(self, now: datetime | None = None) -> int:
        """Queue the trial-ending reminders due now; how many are due."""
        return self.membership.send_trial_reminders(now)

    def send_digests(self, now: datetime | None = None) -> int:
        """Queue the morning editions due now; how many were queued."""
        return self.digests.send_due(now)

    def deliver_mail(self, now: datetime | None = None) -> DeliveryReport:
        """Send the queued mail that is due."""
        return self.mail.deliver(now)

    def run_due(self, now: datetime | None = None) -> JobsReport:
        """Every job once, at ``now`` (default: the clock): reminders and editions are queued
        first, so this round delivers them. One job's failure is logged and reported and never
        stops the others."""
        at = utc(now) if now is not None else utc(self.clock())
        errors: list[str] = []
        reminders = _guard(lambda: self.trial_reminders(at), "trial reminders", errors, 0)
        digests = _guard(lambda: self.send_digests(at), "daily digests", errors, 0)
        report = _guard(lambda: self.deliver_mail(at), "mail delivery", errors, DeliveryReport())
        return JobsReport(reminders, digests, report, tuple(errors))


def _guard(job: Callable[[], T], what: str, errors: list[str], fallback: T) -> T:
    try:
        return job()
    except NewsstandError as exc:
        log.warning("%s failed: %s", what, exc)
        errors.append(f"{what} failed: {exc}")
        return fallback
