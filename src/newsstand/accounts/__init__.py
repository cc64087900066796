"""Readers, sessions, memberships with a free trial, the paywall decision, reading
records and editors' picks.

``Accounts`` is the service; ``decide_access``, ``preview_html`` and the membership
transitions in ``membership`` are pure functions usable on their own.
"""

from newsstand.accounts.library import month_bounds, report_csv
from newsstand.accounts.members import ManualProvider, PaymentProvider
from newsstand.accounts.membership import cancel, effective_state, extend, grant, has_full_access, start_trial
from newsstand.accounts.paywall import decide_access, preview_html
from newsstand.accounts.service import Accounts
from newsstand.model import (
    Access,
    AccessReason,
    ArticleAt,
    MemberRow,
    Pick,
    ReportRow,
    SessionGrant,
)

__all__ = [
    "Access",
    "AccessReason",
    "Accounts",
    "ArticleAt",
    "ManualProvider",
    "MemberRow",
    "PaymentProvider",
    "Pick",
    "ReportRow",
    "SessionGrant",
    "cancel",
    "decide_access",
    "effective_state",
    "extend",
    "grant",
    "has_full_access",
    "month_bounds",
    "preview_html",
    "report_csv",
    "start_trial",
]
