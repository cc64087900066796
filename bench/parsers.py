"""Compare the feed-parser back ends on correctness and throughput.

    python bench/parsers.py [--shared ../shared] [--repeat 3]

Correctness: the feedparser test suite's ``Expect:`` assertions, evaluated against
*our* output (``ParsedFeed``) mapped to the handful of feedparser keys it can
answer (title, link, id, summary, content, author(s), tags, dates, language).
Assertions naming anything else are skipped and counted as such. The
``sanitize`` folder is checked differently: after our sanitizer, no entry body
may keep script, style, event handlers or javascript: URLs.
Throughput: the 200 real-world feeds, parsed from memory (entries/s and MB/s).
"""

from __future__ import annotations

import argparse
import ast
import datetime
import gzip
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from newsstand.errors import NewsstandError
from newsstand.ingest.feeds import ParsedFeed, parse_feed
from newsstand.ingest.feeds.xmlfeed import Backend
from newsstand.markup.sanitize import sanitize_html

BACKENDS: tuple[Backend, ...] = ("fast", "feedparser", "auto")
MAPPED_KEYS = {
    "title", "link", "id", "summary", "content", "value", "author", "authors", "name",
    "published_parsed", "updated_parsed", "tags", "term", "language",
}  # fmt: skip
FEED_KEYS = {"title", "link", "language"}
NAMES = {"feed", "entries", "bozo", "datetime", "True", "False", "None", "len", "time"}
_HEADER = re.compile(r"<!--(.*?)-->", re.DOTALL)
_UNSAFE = re.compile(r"<script|<style|\son[a-z]+\s*=|javascript:|vbscript:|<object|<embed|<form", re.I)


def _decode_head(data: bytes) -> str:
    for enc in ("utf-8", "utf-16", "utf-32"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "Expect:" in text or "Description:" in text:
            return text
    return data.decode("latin-1")


def read_case(path: Path) -> tuple[str, bool] | None:
    """(expression, usable) for a suite file, None without an Expect line."""
    data = path.read_bytes()
    text = _decode_head(data)
    m = _HEADER.search(text) if path.suffix != ".json" else None
    block = m.group(1) if m else text[:2000]
    if "Expect:" not in block:
        return None
    usable = "Header:" not in block and "SkipUnless:" not in block
    expr = block.split("Expect:", 1)[1].strip().split('",', 1)[0].strip()
    return expr, usable


def mappable(expr: str) -> bool:
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return False
    if re.search(r"(?<!not )\bbozo\b", expr):
        return False
    if any(key not in FEED_KEYS for key in re.findall(r"feed\[['\"](\w+)", expr)):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value not in MAPPED_KEYS:
                return False
        elif isinstance(node, ast.Name):
            if node.id not in NAMES:
                return False
        elif isinstance(node, ast.Attribute) and node.attr not in MAPPED_KEYS | {"datetime", "timezone"}:
            return False
    return True


def _tuple(value: datetime.datetime | None) -> Any:
    return value.utctimetuple() if value else None


class _Obj(dict[str, Any]):
    """feedparser's dicts also answer attribute access (entries[0].title)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def namespace(feed: ParsedFeed) -> dict[str, Any]:
    entries = []
    for e in feed.entries:
        entries.append(
            _Obj(
                {
                    "title": e.title,
                    "link": e.url,
                    "id": e.guid,
                    "summary": e.summary or e.content,
                    "content": [{"value": e.content or e.summary}],
                    "author": ", ".join(e.authors),
                    "authors": [_Obj(name=a) for a in e.authors],
                    "published_parsed": _tuple(e.published),
                    "updated_parsed": _tuple(e.updated or e.published),
                    "tags": [_Obj(term=t) for t in e.tags],
                    "language": e.language,
                }
            )
        )
    return {
        "feed": {"title": feed.title, "link": feed.link, "language": feed.language},
        "entries": entries,
        "bozo": False,
        "datetime": datetime,
        "time": time,
    }


def correctness(suite: Path, backend: Backend) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in sorted(suite.rglob("*")):
        if path.suffix not in (".xml", ".json") or "sanitize" in path.parts:
            continue
        case = read_case(path)
        if case is None or not case[1] or not mappable(case[0]):
            counts["skipped"] += 1
            continue
        try:
            parsed = parse_feed(path.read_bytes(), "http://127.0.0.1:8097/" + path.name, backend=backend)
            ok = bool(eval(case[0], {"__builtins__": {"len": len}}, namespace(parsed)))
        except NewsstandError:
            ok = False
            counts["parse_error"] += 1
        except Exception:
            ok = False
        counts["pass" if ok else "fail"] += 1
    return counts


def sanitize_gate(suite: Path, backend: Backend) -> tuple[int, int]:
    checked = unsafe = 0
    for path in sorted((suite / "wellformed" / "sanitize").glob("*.xml")):
        try:
            parsed = parse_feed(path.read_bytes(), "http://example.org/feed", backend=backend)
        except NewsstandError:
            continue
        for e in parsed.entries:
            for html in (e.content, e.summary):
                checked += 1
                if _UNSAFE.search(sanitize_html(html, e.url)):
                    unsafe += 1
    return checked, unsafe


def throughput(docs: list[bytes], backend: Backend, repeat: int) -> dict[str, float]:
    best = float("inf")
    entries = errors = 0
    for _ in range(repeat):
        entries = errors = 0
        start = time.perf_counter()
        for doc in docs:
            try:
                entries += len(parse_feed(doc, "https://example.org/feed", backend=backend).entries)
            except NewsstandError:
                errors += 1
        best = min(best, time.perf_counter() - start)
    megabytes = sum(map(len, docs)) / 1e6
    return {
        "seconds": best,
        "entries": entries,
        "errors": errors,
        "entries_s": entries / best,
        "mb_s": megabytes / best,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    feeds = Path(args.shared) / "data" / "feeds"
    if not feeds.is_dir():
        print(f"shared feed data not found under {feeds}", file=sys.stderr)
        return 1
    docs = [gzip.decompress(p.read_bytes()) for p in sorted((feeds / "real-world").glob("*.gz"))]
    print(f"{'backend':<11} {'pass':>5} {'fail':>5} {'skip':>5} {'pass%':>6} {'unsafe':>7} "
          f"{'feeds err':>9} {'entries':>8} {'entries/s':>10} {'MB/s':>6}")  # fmt: skip
    for backend in BACKENDS:
        c = correctness(feeds / "feedparser-suite", backend)
        checked, unsafe = sanitize_gate(feeds / "feedparser-suite", backend)
        t = throughput(docs, backend, args.repeat)
        rate = 100 * c["pass"] / max(1, c["pass"] + c["fail"])
        print(
            f"{backend:<11} {c['pass']:>5} {c['fail']:>5} {c['skipped']:>5} {rate:>5.1f}% "
            f"{unsafe:>3}/{checked:<4} {t['errors']:>9.0f} {t['entries']:>8.0f} "
            f"{t['entries_s']:>10.0f} {t['mb_s']:>6.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
