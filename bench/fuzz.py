"""Coverage-guided fuzzing of everything that reads outside input (atheris, libFuzzer's engine).

    python bench/fuzz.py [--seconds 600] [--targets feed,sanitize,...] [--shared ../shared]
                         [--workdir fuzz-work] [--jobs 1]

Targets: ``feed`` (RSS, Atom, RDF and JSON Feed parsing), ``sanitize`` (the nh3 allow-list
and the plain text derived from it), ``page`` (article page extraction), ``opml`` (catalog
import), ``text`` (plain-text article import) and ``search`` (the search query parser). Each
runs in a process of its own for ``--seconds`` with Newsstand's modules instrumented for
coverage, its corpus seeded from the shared test data when present (``--shared``, else
``NEWSSTAND_SHARED_DIR``, else ``../shared``) and from a few inputs written here.

A crash is any exception other than the error the target documents (FeedParseError for
feeds, and so on) or a broken promise (sanitized markup that still carries a script); a
hang is one input taking longer than ``--timeout`` seconds. The report lists per target the
executions, executions per second, coverage, crashes and hangs; crashing inputs are kept in
the work folder as ``crash-*`` and ``timeout-*`` files. Exit status 1 when any target
crashed or hung.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

TARGETS = ("feed", "sanitize", "page", "opml", "text", "search")
ROOT = Path(__file__).resolve().parents[1]
MAX_SEED_BYTES = 200_000
SEEDS_PER_TARGET = 150


# --- the targets (run inside the fuzzing process) --------------------------------------------


def _target(name: str):  # type: ignore[no-untyped-def]
    """The one-input function of target ``name``, with Newsstand imported under instrumentation."""
    import atheris

    with atheris.instrument_imports(include=["newsstand"]):
        from newsstand.catalog.opml import parse_opml, read_subscriptions
        from newsstand.errors import NewsstandError
        from newsstand.extract.page import extract_page
        from newsstand.extract.textimport import parse_text_article
        from newsstand.ingest.feeds import parse_feed
        from newsstand.markup.sanitize import html_to_text, sanitize_html
        from newsstand.store.sql.search import parse_query, to_fts5, to_tsquery_text

    url_attributes = {"href", "src", "cite", "poster", "srcset", "action", "formaction", "xlink:href"}

    class Checker(HTMLParser):
        """Reads sanitized markup the way a browser's tokenizer would and fails on anything
        that could run: script-like elements, event handlers, script URLs, data: URLs
        outside images."""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "style", "object", "embed", "form", "base", "meta", "link", "svg", "math"):
                raise AssertionError(f"unsafe element kept: <{tag}>")
            for name, value in attrs:
                if name.startswith("on") or name == "style":
                    raise AssertionError(f"unsafe attribute kept: <{tag} {name}>")
                url = re.sub(r"[\x00-\x20]", "", value or "").lower()
                if name in url_attributes and url.startswith(("javascript:", "vbscript:")):
                    raise AssertionError(f"script URL kept: <{tag} {name}={value!r}>")
                if name in url_attributes and url.startswith("data:") and (tag, name) != ("img", "src"):
                    raise AssertionError(f"data: URL kept: <{tag} {name}={value!r}>")

        handle_startendtag = handle_starttag

    def check(cleaned: str) -> None:
        checker = Checker(convert_charrefs=True)
        checker.feed(cleaned)
        checker.close()

    def feed(data: bytes) -> None:
        try:
            parsed = parse_feed(data, "https://feed.example/rss")
        except NewsstandError:
            return
        for entry in parsed.entries:  # what the pipeline does next with each entry
            check(sanitize_html(entry.content or entry.summary, entry.base or entry.url))

    def sanitize(data: bytes) -> None:
        text = data.decode("utf-8", "replace")
        cleaned = sanitize_html(text, "https://site.example/a/")
        check(cleaned)
        html_to_text(cleaned)
        html_to_text(text)

    def page(data: bytes) -> None:
        try:
            extract_page(data, "https://site.example/article")
        except NewsstandError:
            return

    def opml(data: bytes) -> None:
        for read in (parse_opml, read_subscriptions):  # the catalog's import, and a reader's
            try:
                read(data)
            except NewsstandError:
                continue

    def text(data: bytes) -> None:
        try:
            parse_text_article(data.decode("utf-8", "replace"), url="https://site.example/t")
        except NewsstandError:
            return

    def search(data: bytes) -> None:
        try:
            query = parse_query(data.decode("utf-8", "replace"))
        except NewsstandError:
            return
        to_fts5(query)
        to_tsquery_text(query)

    return {"feed": feed, "sanitize": sanitize, "page": page, "opml": opml, "text": text, "search": search}[
        name
    ]


def run_target(name: str, libfuzzer_args: list[str]) -> None:
    import atheris

    one = _target(name)
    atheris.Setup([sys.argv[0], *libfuzzer_args], one)
    atheris.Fuzz()


# --- seeding ---------------------------------------------------------------------------------

HAND_SEEDS: dict[str, list[bytes]] = {
    "feed": [
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>A</title>'
        b"<link>https://x.example/a</link><description>&lt;p&gt;Hi&lt;/p&gt;</description></item></channel></rss>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>1</id><title>A</title>'
        b'<content type="html">&lt;b&gt;x&lt;/b&gt;</content></entry></feed>',
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": [{"id": "1", '
        b'"content_html": "<p>x</p>", "url": "https://x.example/1"}]}',
    ],
    "sanitize": [
        b"<p>Hello <b>world</b> <a href='javascript:alert(1)'>x</a><img src=x onerror=alert(1)></p>",
        b"<svg><script>alert(1)</script></svg><math><mi xlink:href='javascript:1'>x</mi></math>",
        b"<iframe src='https://www.youtube.com/embed/abc'></iframe><div><div><div>deep</div></div></div>",
    ],
    "page": [
        b"<html><head><title>T</title><meta property='og:title' content='A'>"
        b'<script type=\'application/ld+json\'>{"@type": "NewsArticle", "headline": "H"}</script>'
        b"</head><body><article><h1>H</h1><p>By Ann Writer</p><p>Body text here.</p></article></body></html>",
    ],
    "opml": [
        b'<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        b'<outline text="News" title="News"><outline type="rss" text="A" xmlUrl="https://a.example/feed.xml" '
        b'htmlUrl="https://a.example/"/></outline></body></opml>',
    ],
    "text": [
        b"The Coastal Courier\nEnvironment\n\nSeagrass returns to the bay\n\nBy Ann Writer\n\n"
        b"The meadows came back.\n\nMore text follows here.\n",
        b"Live: storm over the bay\n\n12:05\nWinds ease\nThe wind eased.\n\n12:30\nPower back\nLights on.\n",
    ],
    "search": [b'storm -rain OR "harbour cranes"', b"a OR OR b", b'"unclosed', b"-only", b"*"],
}


def _readable(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    return data[:MAX_SEED_BYTES]


def _shared_files(shared: Path | None, name: str) -> list[Path]:
    if shared is None or not (shared / "data").is_dir():
        return []
    data = shared / "data"
    if name == "feed":
        found = sorted((data / "feeds").rglob("*.xml")) + sorted((data / "feeds").rglob("*.gz"))
    elif name in ("sanitize", "page"):
        found = sorted((data / "publisher-pages").rglob("*.html.gz"))
    elif name == "text":
        found = sorted(data.rglob("*.md"))
    else:
        found = []
    step = max(1, len(found) // SEEDS_PER_TARGET)
    return found[::step][:SEEDS_PER_TARGET]


def seed_corpus(name: str, folder: Path, shared: Path | None) -> int:
    """Fill ``folder`` with the target's seeds (kept when it has some from an earlier run)."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = list(HAND_SEEDS[name])
    for path in _shared_files(shared, name):
        data = _readable(path)
        if data:
            seeds.append(data[:20_000] if name == "sanitize" else data)
    if name == "opml":
        sys.path.insert(0, str(ROOT / "src"))
        from newsstand.catalog import load_default_catalog
        from newsstand.catalog.opml import write_opml

        seeds.append(write_opml(load_default_catalog())[:MAX_SEED_BYTES])
    for i, data in enumerate(seeds):
        (folder / f"seed-{i:04d}").write_bytes(data)
    return len(seeds)


# --- running and reporting -------------------------------------------------------------------


@dataclass
class Outcome:
    target: str
    seeds: int
    seconds: float
    executions: int
    coverage: int
    crashes: int
    hangs: int
    exit_code: int

    @property
    def rate(self) -> float:
        return self.executions / self.seconds if self.seconds else 0.0


def fuzz_one(name: str, seconds: int, timeout: int, workdir: Path, shared: Path | None) -> Outcome:
    corpus = workdir / name / "corpus"
    artifacts = workdir / name / "artifacts"
    if artifacts.exists():
        shutil.rmtree(artifacts)
    artifacts.mkdir(parents=True)
    seeds = seed_corpus(name, corpus, shared)
    args = [
        str(corpus),
        f"-max_total_time={seconds}",
        f"-timeout={timeout}",
        "-rss_limit_mb=3072",
        "-max_len=262144",
        "-print_final_stats=1",
        f"-artifact_prefix={artifacts}/",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, __file__, "--run", name, "--", *args],
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=seconds + timeout * 4 + 120,
    )
    elapsed = time.monotonic() - start
    log = done.stderr
    (workdir / name / "last.log").write_text(log[-200_000:], encoding="utf-8")
    executions = _last_int(r"stat::number_of_executed_units:\s*(\d+)", log)
    if executions == 0:
        executions = _last_int(r"#(\d+)\s", log)
    coverage = _last_int(r"cov: (\d+)", log)
    crashes = len(list(artifacts.glob("crash-*"))) + len(list(artifacts.glob("oom-*")))
    hangs = len(list(artifacts.glob("timeout-*")))
    if done.returncode != 0 and crashes + hangs == 0:
        crashes = 1  # died without leaving an input (a Python error before fuzzing started)
    return Outcome(name, seeds, elapsed, executions, coverage, crashes, hangs, done.returncode)


def _last_int(pattern: str, text: str) -> int:
    found = re.findall(pattern, text)
    return int(found[-1]) if found else 0


def report(outcomes: list[Outcome]) -> str:
    lines = [
        f"{'target':<10}{'seeds':>7}{'seconds':>9}{'executions':>12}{'exec/s':>9}{'cov':>7}{'crashes':>9}{'hangs':>7}"
    ]
    for o in outcomes:
        lines.append(
            f"{o.target:<10}{o.seeds:>7}{o.seconds:>9.0f}{o.executions:>12,}{o.rate:>9.0f}{o.coverage:>7}"
            f"{o.crashes:>9}{o.hangs:>7}"
        )
    total = sum(o.executions for o in outcomes)
    lines.append(
        f"total: {total:,} executions, {sum(o.crashes for o in outcomes)} crashes, "
        f"{sum(o.hangs for o in outcomes)} hangs"
    )
    return "\n".join(lines)


def _shared_root(given: str | None) -> Path | None:
    if given:
        return Path(given)
    if os.environ.get("NEWSSTAND_SHARED_DIR"):
        return Path(os.environ["NEWSSTAND_SHARED_DIR"])
    return ROOT.parent / "shared"


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["--run"]:  # the fuzzing process itself
        name, rest = args_in[1], args_in[3:] if args_in[2:3] == ["--"] else args_in[2:]
        run_target(name, rest)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=600, help="Seconds per target.")
    parser.add_argument("--timeout", type=int, default=10, help="Seconds one input may take (a hang).")
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--shared", default=None)
    parser.add_argument("--workdir", default="fuzz-work")
    options = parser.parse_args(args_in)
    names = [t.strip() for t in options.targets.split(",") if t.strip()]
    unknown = sorted(set(names) - set(TARGETS))
    if unknown:
        parser.error(f"unknown targets: {', '.join(unknown)}")
    workdir = Path(options.workdir).resolve()
    shared = _shared_root(options.shared)
    outcomes = []
    for name in names:
        outcome = fuzz_one(name, options.seconds, options.timeout, workdir, shared)
        outcomes.append(outcome)
        print(
            f"{name}: {outcome.executions:,} executions in {outcome.seconds:.0f} s, "
            f"{outcome.crashes} crashes, {outcome.hangs} hangs",
            flush=True,
        )
    print(report(outcomes))
    return 1 if any(o.crashes or o.hangs for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
