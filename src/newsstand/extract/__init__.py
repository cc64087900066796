"""Reading articles and live blogs properly.

``extract_page`` turns one saved or fetched page into an ``ExtractedPage``
(metadata from the page's structured data, a sanitized body, images with
captions and credits kept apart, live-blog entries). ``parse_text_article``
does the same for an article given as plain text, and ``entries_from_dcr``
reads a Guardian DCR payload's blocks; ``article.article_from_page`` makes the
Article. All of it is pure: nothing here fetches or stores. Storing a page is
``newsstand.ingest.pages.save_page``; the full-text fill-in for teaser-only feeds is
``newsstand.ingest.pages.fill_full_text``.
"""

from newsstand.extract.liveblog import entries_from_dcr
from newsstand.extract.page import ExtractedPage, extract_page
from newsstand.extract.textimport import parse_text_article

__all__ = ["ExtractedPage", "entries_from_dcr", "extract_page", "parse_text_article"]
