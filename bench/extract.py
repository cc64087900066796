"""Extraction speed: Newsstand's extract_page against plain trafilatura.extract.

Runs both over the same publisher pages (../shared/data/publisher-pages, or
--pages DIR), interleaved page by page so machine load hits both alike, and
prints pages/s, median and p95 ms per page, the ratio, and body F1 of each.

    python bench/extract.py [--rounds 3] [--pages DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import trafilatura

from newsstand.extract import extract_page
from newsstand.extract.quality import expected_body_text, mean, token_f1

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "publisher-pages"


def load(root: Path) -> list[tuple[bytes, str, str]]:
    records = json.loads((root / "index.json").read_text())
    pages = []
    for rec in records:
        expected = json.loads((root / rec["expected"]).read_text())[rec["version"]]
        pages.append(
            (
                gzip.decompress((root / rec["page"]).read_bytes()),
                rec["url"],
                expected_body_text(expected["body"]),
            )
        )
    return pages


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not (args.pages / "index.json").is_file():
        print(f"no publisher pages at {args.pages}", file=sys.stderr)
        return 2
    pages = load(args.pages)
    ours: list[float] = []
    plain: list[float] = []
    f1_ours: list[float] = []
    f1_plain: list[float] = []
    for round_no in range(args.rounds):
        for raw, url, want in pages:
            start = time.perf_counter()
            page = extract_page(raw, url)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            text = trafilatura.extract(raw.decode("utf-8", "replace")) or ""
            plain.append(time.perf_counter() - start)
            if round_no == 0:
                f1_ours.append(token_f1(page.body_text, want)[2])
                f1_plain.append(token_f1(text, want)[2])
    rows = [("newsstand extract_page", ours, f1_ours), ("plain trafilatura.extract", plain, f1_plain)]
    print(f"{len(pages)} pages x {args.rounds} rounds")
    print(f"{'extractor':28} {'pages/s':>8} {'median ms':>10} {'p95 ms':>8} {'body F1':>8}")
    for name, times, f1 in rows:
        print(
            f"{name:28} {len(times) / sum(times):8.1f} {statistics.median(times) * 1000:10.1f} "
            f"{pct(times, 0.95) * 1000:8.1f} {mean(f1):8.4f}"
        )
    print(
        f"time ratio (ours / plain): {sum(ours) / sum(plain):.2f}x; "
        f"body F1 margin: {mean(f1_ours) - mean(f1_plain):+.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
