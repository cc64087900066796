"""The paywall decision and the preview shown in front of it: pure functions.

The licence rule (also in docs/decisions.md):

* ``open`` publishers: everyone reads whatever we hold (usually the feed's teaser;
  the page links out for the rest). Nothing is withheld and nothing is counted.
* ``partner`` publishers: trial and active members read the full text, and their
  reads are counted for payment; everyone else gets the headline, standfirst and
  the opening ``preview_paragraphs`` paragraphs.
* ``premium`` publishers: as partner, but non-members see a shorter preview: about
  half of ``preview_paragraphs`` (at least one opening paragraph), since these
  publishers license us less of their text for free.

Editors and admins read everything (they curate it); their reads are not counted.
"""

from __future__ import annotations

import html
from datetime import datetime

import lxml.html
import nh3
from lxml import etree

from newsstand.accounts.membership import effective_state
from newsstand.errors import InvalidDataError
from newsstand.model import (
    Access,
    AccessReason,
    Article,
    LicenceTier,
    Membership,
    MembershipState,
    Publisher,
    Reader,
)

_STATE_REASON = {
    MembershipState.TRIAL: AccessReason.TRIAL,
    MembershipState.ACTIVE: AccessReason.MEMBER,
    MembershipState.LAPSED: AccessReason.LAPSED,
    MembershipState.CANCELLED: AccessReason.CANCELLED,
}
# Paragraphs inside these are asides to the text, not its opening.
_NOT_BODY = {"aside", "figure", "figcaption", "table", "nav", "footer"}


def decide_access(
    reader: Reader | None,
    membership: Membership | None,
    article: Article,
    publisher: Publisher,
    now: datetime,
    preview_paragraphs: int = 3,
) -> Access:
    """Whether ``reader`` may read all of ``article`` at ``now``, and why.

    Raises InvalidDataError when the membership is not the reader's or the article
    is not the publisher's: both are caller bugs that must not decide access.
    """
    if article.publisher_id != publisher.id:
        raise InvalidDataError(f"article {article.id} is not from publisher {publisher.id}")
    if membership is not None and (reader is None or membership.reader_id != reader.id):
        raise InvalidDataError("membership does not belong to the reader")
    tier = publisher.licence_tier
    teaser = (
        premium_preview(preview_paragraphs) if tier is LicenceTier.PREMIUM else max(preview_paragraphs, 0)
    )
    if tier is LicenceTier.OPEN:
        return Access(True, AccessReason.OPEN_LICENCE, 0)
    if reader is None:
        return Access(False, AccessReason.ANONYMOUS, teaser)
    if reader.is_editor:
        return Access(True, AccessReason.STAFF, 0)
    if membership is None:
        return Access(False, AccessReason.NO_MEMBERSHIP, teaser)
    reason = _STATE_REASON[effective_state(membership, now)]
    if reason in (AccessReason.TRIAL, AccessReason.MEMBER):
        return Access(True, reason, 0, counts_for_payment=True)
    return Access(False, reason, teaser)


def premium_preview(preview_paragraphs: int) -> int:
    """Paragraphs a non-member sees of a premium article: half the usual preview, at least one."""
    if preview_paragraphs <= 0:
        return 0
    return max(1, (preview_paragraphs + 1) // 2)


def preview_html(body_html: str, n: int) -> str:
    """The first ``n`` paragraphs of a body as HTML ("" for n <= 0 or no text).

    Paragraphs are ``<p>`` elements with text, in document order, leaving out those
    inside asides, figures and tables. A body without ``<p>`` is split on its text
    blocks. The result is run through the sanitizer again, so even a body that
    skipped sanitizing cannot smuggle markup past the paywall.
    """
    if n <= 0 or not body_html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    # Script and style text is code, not prose, even when no sanitizer ran before us.
    etree.strip_elements(root, "script", "style", "template", with_tail=False)
    parts: list[str] = []
    for p in root.iter("p"):
        if any(a.tag in _NOT_BODY for a in p.iterancestors()) or not p.text_content().strip():
            continue
        if p.find(".//p") is not None:
            continue  # malformed nesting: count the inner paragraphs, never a shell holding several

        p.tail = None
        parts.append(lxml.html.tostring(p, encoding="unicode"))
        if len(parts) == n:
            break
    if not parts:
        blocks = [b.strip() for b in root.text_content().split("\n\n") if b.strip()]
        parts = [f"<p>{html.escape(b, quote=False)}</p>" for b in blocks[:n]]
    return nh3.clean("".join(parts))
