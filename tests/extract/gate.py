"""Quality metrics of extraction over the shared corpora (used by the CI gate test).

Publisher pages (``publisher-pages``): title, author and date accuracy, body
token F1 (ours and plain trafilatura's), live-blog detection. Guardian live
blogs (``liveblogs``): entry boundary F1, time accuracy, flag accuracy.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import trafilatura

from newsstand.extract import extract_page
from newsstand.extract.liveblog import entries_from_dcr
from newsstand.extract.quality import (
    authors_match,
    boundary_f1,
    dates_match,
    expected_body_text,
    mean,
    parse_expected_date,
    titles_match,
    token_f1,
)
from newsstand.model import ArticleKind


def corpus_files(data: Path) -> list[Path]:
    """Every file the metrics read, in a stable order."""
    pages = data / "publisher-pages"
    index = json.loads((pages / "index.json").read_text())
    files = {pages / "index.json"}
    for rec in index:
        files.add(pages / rec["page"])
        files.add(pages / rec["expected"])
    files.update((data / "liveblogs").glob("*.json"))
    return sorted(files)


def corpus_digest(data: Path) -> str:
    digest = hashlib.sha256()
    for path in corpus_files(data):
        digest.update(path.relative_to(data).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def publisher_page_metrics(data: Path) -> dict[str, float]:
    root = data / "publisher-pages"
    titles, authors, dates, f1s, plain_f1s, kinds = [], [], [], [], [], []
    for rec in json.loads((root / "index.json").read_text()):
        expected = json.loads((root / rec["expected"]).read_text())[rec["version"]]
        raw = gzip.decompress((root / rec["page"]).read_bytes())
        page = extract_page(raw, rec["url"])
        want = expected_body_text(expected["body"])
        titles.append(float(titles_match(page.headline, expected["title"])))
        if "authors" in expected:
            authors.append(float(authors_match(page.authors, expected["authors"])))
        dates.append(float(dates_match(page.published, parse_expected_date(expected["publishing_date"]))))
        f1s.append(token_f1(page.body_text, want)[2])
        plain_f1s.append(token_f1(trafilatura.extract(raw.decode("utf-8", "replace")) or "", want)[2])
        kinds.append(float((page.kind is ArticleKind.LIVEBLOG) == bool(rec["liveblog"])))
    return {
        "title_accuracy": mean(titles),
        "author_accuracy": mean(authors),
        "date_accuracy": mean(dates),
        "body_f1": mean(f1s),
        "body_f1_plain_trafilatura": mean(plain_f1s),
        "kind_accuracy": mean(kinds),
    }


def liveblog_metrics(data: Path) -> dict[str, float]:
    boundaries, times, flags, texts = [], [], [], []
    for fixture in sorted((data / "liveblogs").glob("*.fixture.json")):
        gold_path = fixture.with_name(fixture.name.replace(".fixture.json", ".gold.json"))
        payload = json.loads(fixture.read_text())
        gold = json.loads(gold_path.read_text())
        expected: dict[str, dict[str, Any]] = {b["id"]: b for b in gold["blocks"]}
        if gold.get("pinnedPost"):  # the page shows the pinned post above the blocks
            expected.setdefault(gold["pinnedPost"]["id"], {**gold["pinnedPost"], "pinned": True})
        entries = entries_from_dcr(payload)
        boundaries.append(boundary_f1([e.entry_id for e in entries], list(expected)))
        for entry in entries:
            block = expected.get(entry.entry_id)
            if block is None:
                continue
            posted = entry.posted.isoformat().replace("+00:00", "Z")
            times.append(float(posted == block["blockFirstPublished"]))
            want = (bool(block["keyEvent"]), bool(block["summary"]), bool(block["pinned"]))
            flags.append(float((entry.key_event, entry.summary, entry.pinned) == want))
            texts.append(token_f1(entry.body_text, block["text"])[2])
    return {
        "entry_boundary_f1": mean(boundaries),
        "entry_time_accuracy": mean(times),
        "entry_flag_accuracy": mean(flags),
        "entry_text_f1": mean(texts),
    }
