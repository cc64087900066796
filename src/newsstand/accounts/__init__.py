"""The rules of accounts, as pure functions: email and password policy, tokens, rate limits,
the membership state machine with its free trial, and the paywall decision.

The services that apply them to a store (sign-up, sessions, memberships, reading) are in
``newsstand.app``.
"""

from newsstand.accounts.membership import cancel, effective_state, extend, grant, has_full_access, start_trial
from newsstand.accounts.paywall import decide_access, preview_html
from newsstand.model import Access, AccessReason

__all__ = [
    "Access",
    "AccessReason",
    "cancel",
    "decide_access",
    "effective_state",
    "extend",
    "grant",
    "has_full_access",
    "preview_html",
    "start_trial",
]
