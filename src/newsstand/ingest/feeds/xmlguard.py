"""Hostile-XML checks run before any XML parser sees a feed.

Feeds never need entity declarations, so a document type that declares
entities (the vehicle of XXE and of "billion laughs" expansion) is refused
outright, whatever parser comes after. UTF-16/32 and EBCDIC documents are decoded
first (each way they may be read) so the check cannot be sidestepped by re-encoding.
"""

from __future__ import annotations

import codecs
import re

from newsstand.errors import FeedParseError

_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_SUBSET_OR_END = re.compile(r"[\[>]")
_SUBSET_END = re.compile(r"\]\s*>")
_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_NO_BOM = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)


def wide_encoding(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    for head, name in _NO_BOM:
        if data.startswith(head):
            return name
    return None


_EBCDIC_SPACE = b"\x40\x25\x15\x05\x0d"
# "<" then "?", "!" (code pages 037 and 500 differ here) or a letter's high nibble.
_EBCDIC_START = re.compile(rb"\x4c[\x6f\x5a\x4f\x81-\xe9]")
_EBCDIC = ("cp037", "cp500")
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def prolog_text(data: bytes) -> str:
    """The document as text for the checks (decoded as far as the checks need)."""
    wide = wide_encoding(data)
    # latin-1 maps every byte to one character, so ASCII markup is found in any
    # ASCII-compatible encoding without decoding errors.
    return data.decode(wide, "replace") if wide else data.decode("latin-1")


def readings(data: bytes) -> list[str]:
    """Every way a parser might read the document: as detected, and besides as EBCDIC when
    it starts like EBCDIC markup, or as each wide encoding when NULs appear among its first
    bytes without a recognised start (leading white space hides the start)."""
    texts = [prolog_text(data)]
    if _EBCDIC_START.match(data.lstrip(_EBCDIC_SPACE)):
        texts.extend(data.decode(name, "replace") for name in _EBCDIC)
    if wide_encoding(data) is None and b"\x00" in data[:16]:
        texts.extend(data.decode(name, "replace") for name in _WIDE)
    return texts


def check_xml(data: bytes, url: str = "") -> None:
    """Raise FeedParseError when the document declares entities in its DTD."""
    for text in readings(data):
        _check_text(text, url)


def _check_text(text: str, url: str) -> None:
    doctype = _DOCTYPE.search(text)
    if doctype is None:
        return
    # Entities can only be declared in the internal subset, "[...]" before the
    # doctype's closing ">"; a doctype without one ("<!DOCTYPE rss PUBLIC ...>") is harmless.
    opened = _SUBSET_OR_END.search(text, doctype.end())
    if opened is None or opened.group() == ">":
        return
    closed = _SUBSET_END.search(text, opened.end())
    subset = text[opened.end() : closed.start() if closed else len(text)]
    if _ENTITY_DECL.search(subset):
        raise FeedParseError("feed declares XML entities in its DTD; refused", url)
