"""What forgiving search costs: articles with and without their search keys on SQLite.

    python bench/search_keys.py [--articles 20000] [--per-group 20]

Loads the same invented articles (bench/search.py's generator) into two SQLite stores:
one as the store writes them since migration 0013, with ``search_keys`` (the stems of
their words, accents folded), and one without, as before. Prints the time to compute
the keys per article, the load time, the full-text index and database sizes, and the
query latencies of bench/search.py's query groups on both, so the cost of the keys on
writing, on disk and on reading is measured on one machine in one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import Corpus, index_size, load, make_queries, pct, run_queries

from newsstand.store import open_url
from newsstand.store.sql.searchwords import text_keys


def keys_cost(corpus: Corpus, count: int) -> float:
    """Microseconds to compute one article's keys (title, standfirst, authors, body)."""
    rows = [corpus.article(n, count)[0] for n in range(count)]
    started = time.perf_counter()
    for r in rows:
        text_keys(r["language"], r["title"], r["standfirst"], r["authors"], r["body_text"])
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--per-group", type=int, default=20)
    args = parser.parse_args()
    print(f"keys: {keys_cost(Corpus(seed=99, keys=False), 2000):.0f} us per article (2,000 articles)")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, keys in (("with keys", True), ("without keys", False)):
            corpus = Corpus(keys=keys)
            store = open_url(f"sqlite:///{Path(tmp) / label.replace(' ', '-')}.db")
            try:
                seconds = load(store, corpus, args.articles)
                fts, whole = index_size(store)
                latencies = run_queries(store, make_queries(corpus, args.per_group))
            finally:
                store.close()
            results[label] = (seconds, fts, whole, latencies)
    print(f"\n{args.articles:,} articles   load s   index MB   database MB")
    for label, (seconds, fts, whole, _) in results.items():
        print(f"{label:>14}   {seconds:6.1f}   {fts / 1e6:8.1f}   {whole / 1e6:11.1f}")
    print("\nquery group               p50 / p99 ms with keys    without keys")
    with_keys, without = results["with keys"][3], results["without keys"][3]
    for group in with_keys:
        a, b = with_keys[group], without[group]
        print(f"{group:<24} {pct(a, 50):7.1f} / {pct(a, 99):7.1f}   {pct(b, 50):7.1f} / {pct(b, 99):7.1f}")


if __name__ == "__main__":
    main()
