"""Canonical article URLs.

Two links to the same article must compare equal: the scheme and host are
lower-cased, default ports and fragments dropped, tracking parameters removed and
the remaining query sorted, so the store's canonical-URL match finds the article
again whichever newsletter or social post the link came through.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that say where a click came from, never what was asked for.
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ocid",
        "cmpid",
        "ito",
        "at_medium",
        "at_campaign",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "ref_src",
        "ref_url",
        "smid",
        "cmp",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "__twitter_", "_ga", "ga_")
_WS = re.compile(r"\s+")


def is_tracking_param(name: str) -> bool:
    """True when a query parameter only tracks the click (utm_*, fbclid, ...)."""
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str, base: str = "") -> str:
    """Return the canonical form of ``url`` (made absolute against ``base`` first).

    Never raises: a value that is not a parseable URL comes back stripped, so a
    feed with a broken link still stores its article.
    """
    text = _WS.sub("", url or "")
    if base:
        try:
            text = urljoin(base, text)
        except ValueError:
            return text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return text
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = _clean_query(parts.query)
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def _clean_query(query: str) -> str:
    if not query:
        return ""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not is_tracking_param(k)]
    pairs.sort()
    return urlencode(pairs)


def absolute_url(url: str, base: str) -> str:
    """``url`` resolved against ``base``; ``url`` unchanged if either is malformed."""
    url = url.strip()
    if not base or url.startswith(("https://", "http://")):
        return url  # already absolute: the common case, and urljoin is slow
    try:
        return urljoin(base, url)
    except ValueError:
        return url
