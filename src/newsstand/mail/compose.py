"""The mail Newsstand sends, each kind in plain text and HTML from the templates beside it.

Every function here is pure: it takes what the message says (links, times, amounts) and the
recipient, and returns a ``Composed`` message; nothing is sent. Times are shown in the
recipient's time zone with the zone named (``newsstand.timezones``). Links come from the
caller, built on the ``base_url`` setting, never from a request's Host header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import jinja2

from newsstand.mail.message import build_message
from newsstand.model import Money
from newsstand.timezones import DEFAULT_ZONE, local_day, local_time, zone

_LOADER = jinja2.PackageLoader("newsstand.mail", "templates")
# Plain-text bodies are not HTML: escaping would put "&amp;" into links and names.
_TEXT = jinja2.Environment(
    loader=_LOADER,
    autoescape=False,  # noqa: S701
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_HTML = jinja2.Environment(loader=_LOADER, autoescape=True, undefined=jinja2.StrictUndefined)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message is for: the address, the name to greet, their IANA time zone."""

    email: str
    name: str = ""
    time_zone: str = DEFAULT_ZONE

    def __post_init__(self) -> None:
        zone(self.time_zone)  # an unknown zone is the caller's error, found here and not mid-render


@dataclass(frozen=True, slots=True)
class Composed:
    """A message ready to build: what kind it is, to whom, its subject, both bodies, headers."""

    kind: str
    to: Recipient
    subject: str
    text: str
    html: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def message(self, sender: str, now: datetime | None = None) -> EmailMessage:
        """The email, from ``sender``. Raises MailError for a header with a line break."""
        return build_message(
            sender, self.to.email, self.subject, self.text, now, html=self.html, headers=self.headers
        )


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One story or article in the daily digest."""

    title: str
    url: str
    publisher: str
    published: datetime
    summary: str = ""


def _compose(
    kind: str, to: Recipient, subject: str, site: str, context: Mapping[str, Any], **headers: str
) -> Composed:
    values = {
        **context,
        "site": site,
        "greeting": f"Hello {to.name}," if to.name else "Hello,",
        "when": lambda moment: local_time(moment, to.time_zone),
        "day": lambda moment: local_day(moment, to.time_zone),
    }
    text = _TEXT.get_template(f"{kind}.txt.j2").render(values)
    html = _HTML.get_template(f"{kind}.html.j2").render(values)
    fixed = {"Auto-Submitted": "auto-generated", **{k.replace("_", "-"): v for k, v in headers.items()}}
    return Composed(kind, to, subject, text, html, fixed)


def email_verification(to: Recipient, link: str, expires: datetime, *, site: str = "Newsstand") -> Composed:
    """Confirm the address given at sign-up; the link works until ``expires``."""
    return _compose(
        "verify_email", to, f"Confirm your email address for {site}", site, {"link": link, "expires": expires}
    )


def signup_attempt(to: Recipient, signin_link: str, reset_link: str, *, site: str = "Newsstand") -> Composed:
    """To the owner of an address someone tried to sign up with: sign in, or reset the password.
    (The sign-up page answers the same either way, so it cannot tell who has an account.)"""
    context = {"signin_link": signin_link, "reset_link": reset_link}
    return _compose("signup_attempt", to, f"Your {site} account", site, context)


def password_reset(to: Recipient, link: str, expires: datetime, *, site: str = "Newsstand") -> Composed:
    """A single-use link to choose a new password, valid until ``expires``."""
    return _compose("password_reset", to, "Reset your password", site, {"link": link, "expires": expires})


def trial_ending(
    to: Recipient,
    ends: datetime,
    days_left: int,
    plans_url: str,
    plans: Sequence[tuple[str, Money]],
    *,
    site: str = "Newsstand",
) -> Composed:
    """The reminder ``days_left`` days (3, then 1) before the free trial ends at ``ends``,
    listing the plans (name, price) with a link to choose one."""
    when = "tomorrow" if days_left == 1 else f"in {days_left} days"
    subject = f"Your free trial ends {when}"
    context = {"ends": ends, "days_left": days_left, "plans_url": plans_url, "plans": plans}
    return _compose("trial_ending", to, subject, site, context)


def receipt(
    to: Recipient,
    amount: Money,
    plan_name: str,
    paid: datetime,
    period_end: datetime,
    reference: str,
    account_url: str,
    *,
    site: str = "Newsstand",
) -> Composed:
    """A receipt for a payment: what was paid, for which plan, until when it runs."""
    context = {
        "amount": str(amount),
        "plan_name": plan_name,
        "paid": paid,
        "period_end": period_end,
        "reference": reference,
        "account_url": account_url,
    }
    return _compose("receipt", to, f"Your {site} receipt: {amount}", site, context)


def payment_failed(
    to: Recipient, amount: Money, reads_until: datetime, update_url: str, *, site: str = "Newsstand"
) -> Composed:
    """A renewal payment failed: the member keeps reading until ``reads_until`` (the grace
    period) and can change their card at ``update_url``."""
    context = {"amount": str(amount), "reads_until": reads_until, "update_url": update_url}
    return _compose("payment_failed", to, "Your membership payment did not go through", site, context)


def daily_digest(
    to: Recipient,
    edition: datetime,
    top: Sequence[DigestItem],
    for_you: Sequence[DigestItem],
    unsubscribe_url: str,
    *,
    site: str = "Newsstand",
) -> Composed:
    """The morning edition: Top stories and For you, with one-click unsubscribe (RFC 8058:
    mail clients POST ``List-Unsubscribe=One-Click`` to ``unsubscribe_url``)."""
    context = {"edition": edition, "top": top, "for_you": for_you, "unsubscribe_url": unsubscribe_url}
    subject = f"{site} for {local_day(edition, to.time_zone)}"
    return _compose(
        "daily_digest",
        to,
        subject,
        site,
        context,
        List_Unsubscribe=f"<{unsubscribe_url}>",
        List_Unsubscribe_Post="List-Unsubscribe=One-Click",
    )
