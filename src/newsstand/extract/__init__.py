"""Reading articles and live blogs properly.

``extract_page`` turns one saved or fetched page into an ``ExtractedPage``
(metadata from the page's structured data, a sanitized body, images with
captions and credits, live-blog entries). ``parse_text_article`` does the same
for an article given as plain text. Both are pure.
"""

from newsstand.extract.page import ExtractedPage, extract_page

__all__ = ["ExtractedPage", "extract_page"]
