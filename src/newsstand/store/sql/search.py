"""Full-text search: the query language, cursors and snippets (pure), and the
paging loop shared by the SQLite and PostgreSQL back ends.

The query language is a small, forgiving subset of web search syntax: words
(all must match), ``"quoted phrases"``, ``-excluded`` words or phrases, and
``OR`` between groups. Anything else is read as words; punctuation splits
words the way the index does, so no input can cause a syntax error.

Ranking works on a window: the newest ``search_window`` matching articles
(after filters) are ranked by relevance; a query matching more pages on into
the next window of older matches. Ranking is exact whenever a query matches
fewer articles than the window, and the cost of a query stays bounded however
common its words are (see store/README.md, "Search").
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsstand.errors import SearchQueryError
from newsstand.model import Article, SearchHit, SearchPage, SearchQuery
from newsstand.store.sql.articles import filter_clauses, load_articles
from newsstand.store.sql.engine import SqlBase, among
from newsstand.store.sql.schema import articles
from newsstand.store.sql.searchwords import key_of_text_word, query_keys

MARK_START = "\ue000"  # private-use characters: never in real text, safe to escape around
MARK_END = "\ue001"
MAX_LIMIT = 100
DEFAULT_WINDOW = 1000
SPARE_WINDOWS = 3

_WORD = re.compile(r"[^\W_]+")
_ITEM = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True, slots=True)
class Clause:
    words: tuple[str, ...]  # one word, or a phrase
    negated: bool = False
    # An unquoted single word also matches articles holding one of these keys
    # (stemmed, accents folded: searchwords.py); quoted words and phrases are exact.
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    groups: tuple[tuple[Clause, ...], ...]  # OR of groups; each an AND of clauses


def words_of(text: str) -> tuple[str, ...]:
    """Split text into index words: runs of letters and digits, lower-cased."""
    return tuple(w.lower() for w in _WORD.findall(text))


def parse_query(text: str, languages: tuple[str, ...] = ()) -> ParsedQuery:
    """Read user input as a query; unquoted single words also match their stems in
    ``languages`` (every catalog language when empty). Raises SearchQueryError when
    nothing is left to search for (empty input, only punctuation, or only excluded words)."""
    groups: list[tuple[Clause, ...]] = []
    current: list[Clause] = []
    for m in _ITEM.finditer(text.replace("\x00", " ")):
        if m.group(3) == "OR":
            groups.append(tuple(current))
            current = []
            continue
        quoted = m.group(3) is None
        if not quoted:
            raw, negated = m.group(3), m.group(3).startswith("-") and len(m.group(3)) > 1
        else:
            raw, negated = m.group(2), m.group(1) == "-"
        words = words_of(raw)
        if len(words) == 1 and not quoted:
            current.append(Clause(words, negated, query_keys(words[0], languages)))
        elif words:
            current.append(Clause(words, negated))
    groups.append(tuple(current))
    kept = tuple(g for g in groups if any(not c.negated for c in g))
    if not kept:
        raise SearchQueryError(f"nothing to search for in {text!r}")
    return ParsedQuery(kept)


TEXT_COLUMNS = "{title standfirst body_text authors}"  # the FTS5 columns of the article's text


def to_fts5(q: ParsedQuery) -> str:
    """The query as an FTS5 MATCH expression; every word is a quoted string and every
    clause names its columns (the text, or the keys), so the expression takes no outer
    column filter (FTS5 would intersect the two)."""
    parts = []
    for group in q.groups:
        pos = " AND ".join(fts5_clause(c) for c in group if not c.negated)
        neg = " OR ".join(fts5_clause(c) for c in group if c.negated)
        parts.append(f"(({pos}) NOT ({neg}))" if neg else f"({pos})")
    return " OR ".join(parts)


def fts5_clause(c: Clause) -> str:
    """One clause as FTS5 MATCH text: the exact words in the text, or one of the keys."""
    exact = f'{TEXT_COLUMNS} : "' + " ".join(c.words) + '"'
    if not c.keys:
        return exact
    return "(" + exact + " OR search_keys : (" + " OR ".join(f'"{k}"' for k in c.keys) + "))"


def to_tsquery_text(q: ParsedQuery) -> str:
    """The query as to_tsquery input with the same meaning: exact words carry the text's
    weights (A, B, D), keys the keys' weight (C)."""
    return " | ".join(
        "(" + " & ".join(("!" if c.negated else "") + _ts_clause(c) for c in group) + ")"
        for group in q.groups
    )


def _ts_clause(c: Clause) -> str:
    exact = " <-> ".join(f"'{w}':ABD" for w in c.words)
    return "(" + " | ".join([exact, *(f"'{k}':C" for k in c.keys)]) + ")"


def marked_html(raw: str) -> str:
    """HTML-escape a snippet and turn the match sentinels into <mark> elements."""
    text = html.escape(raw, quote=False)
    return text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def plain_snippet(text: str, words: int = 30) -> str:
    """The first words of a text, escaped, for hits whose match is not in the body."""
    parts = text.split()
    head = " ".join(parts[:words]) + (" …" if len(parts) > words else "")
    return html.escape(head, quote=False)


SNIPPET_WORDS = 30  # words per fragment
SNIPPET_LEAD = 5  # words shown before a fragment's first match
SNIPPET_FRAGMENTS = 2


def highlight(parsed: ParsedQuery, *texts: str, language: str = "") -> str | None:
    """A raw snippet of the first text holding a query word or one of its keys (in
    ``language``, the article's): up to two fragments of about 30 words around matches,
    matches between the sentinels, fragments joined by " … ". None when no text holds
    one. Words are compared as the index splits and folds them, so what is marked is
    what matched."""
    positive = [c for group in parsed.groups for c in group if not c.negated]
    wanted = frozenset(w for c in positive for w in c.words)
    keys = frozenset(k for c in positive for k in c.keys)
    for text in texts:
        first = _first_match(text, wanted) or _first_key_match(text, keys, language)
        if first is None:
            continue
        start = max(0, first[0] - _SNIPPET_BACK)  # far enough back for the lead words
        end = first[1] + _SNIPPET_AHEAD
        # One C-speed split into gaps and words (gap, word, gap, ..., gap) rather than
        # a Python step per word: with the first-match regex, snippets cost 2.4 ms a page.
        pieces = _WORD_SPLIT.split(text[start:end])
        # A cut inside a word leaves a piece of it at either edge: not a word, never marked.
        if len(pieces) > 1 and not pieces[0] and start > 0 and _WORD.match(text, start - 1):
            pieces[0:3] = ["".join(pieces[0:3])]
        if len(pieces) > 1 and not pieces[-1] and end < len(text) and _WORD.match(text, end):
            pieces[-3:] = ["".join(pieces[-3:])]
        words = pieces[1::2]
        folded = list(map(str.lower, words))
        hits = {i for w in wanted.intersection(folded) for i in _positions(folded, w)}
        if keys:
            hits.update(i for i, w in enumerate(folded) if key_of_text_word(w, language) in keys)
        if hits:
            return " … ".join(_fragments(words, pieces[0::2], hits))
    return None


_KEY_SCAN = 20_000  # characters of a text searched for a word matching by its key only


def _first_key_match(text: str, keys: frozenset[str], language: str) -> tuple[int, int] | None:
    """Where the first word whose key is one of ``keys`` stands in ``text``'s opening."""
    if not keys:
        return None
    for m in _WORD.finditer(text, 0, _KEY_SCAN):
        if key_of_text_word(m.group(), language) in keys:
            return m.span()
    return None


def _positions(items: list[str], value: str) -> Iterator[int]:
    """Every index of ``value`` in ``items`` (list.index runs in C)."""
    i = -1
    while True:
        try:
            i = items.index(value, i + 1)
        except ValueError:
            return
        yield i


def _first_match(text: str, words: frozenset[str]) -> tuple[int, int] | None:
    """Where the first of ``words`` stands in ``text`` as a whole word, compared
    lower-cased. str.find on the lower-cased text runs at memory speed; a
    case-insensitive regex with word-boundary lookarounds took 50 us per body."""
    folded = text.lower()
    if len(folded) != len(text):  # a letter lower-cased into two: offsets would shift
        found = _finder(words).search(text)
        return None if found is None else found.span()
    best: tuple[int, int] | None = None
    for word in words:
        i = folded.find(word)
        while i != -1 and (best is None or i < best[0]):
            j = i + len(word)
            if not (i > 0 and _WORD.match(folded, i - 1)) and not _WORD.match(folded, j):
                best = (i, j)
                break
            i = folded.find(word, i + 1)
    return best


@functools.lru_cache(maxsize=64)
def _finder(words: frozenset[str]) -> re.Pattern[str]:
    """The first match by regex, for texts whose lower-casing changes their length."""
    return re.compile("|".join(rf"(?<![^\W_]){re.escape(w)}(?![^\W_])" for w in sorted(words)), re.I)


_WORD_SPLIT = re.compile(r"([^\W_]+)")  # _WORD, captured: split keeps the words
_SPACE_RUN = re.compile(r"\s+")
_SNIPPET_BACK = 200  # characters searched for words before the first match
_SNIPPET_AHEAD = 1500  # and after it: room for both fragments in all but rare texts


def _fragments(words: list[str], gaps: list[str], hits: set[int]) -> list[str]:
    """Up to SNIPPET_FRAGMENTS runs of words around hits; ``gaps[i]`` precedes ``words[i]``."""
    out: list[str] = []
    start_after = -1
    for first in sorted(hits):
        if first <= start_after or len(out) == SNIPPET_FRAGMENTS:
            continue
        lo = max(0, first - SNIPPET_LEAD, start_after + 1)
        hi = min(len(words), lo + SNIPPET_WORDS)
        parts: list[str] = []
        for i in range(lo, hi):
            word = words[i]
            parts.append(f"{MARK_START}{word}{MARK_END}" if i in hits else word)
            if i + 1 < hi:
                parts.append(_SPACE_RUN.sub(" ", gaps[i + 1]))
        out.append("".join(parts).strip())
        start_after = hi - 1
    return out


@dataclass(frozen=True, slots=True)
class Cursor:
    fingerprint: str
    high: int | None  # the window is the newest matches with id <= high
    # Hits of that window already shown. A position rather than the last rank: on
    # SQLite bm25 values drift as articles arrive, while the order within a window
    # (fixed ids, fixed content) stays put.
    offset: int = 0


def fingerprint(query: SearchQuery, parsed: ParsedQuery) -> str:
    """A short hash of what a cursor belongs to, so a cursor cannot be reused on another query."""
    key = repr(
        (parsed, query.publisher_ids, query.sections, query.languages, query.since, query.until, query.sort)
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def encode_cursor(c: Cursor) -> str:
    data = {"f": c.fingerprint, "h": c.high, "o": c.offset}
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str, expected_fingerprint: str) -> Cursor:
    """Raises SearchQueryError for a malformed cursor or one from another query."""
    try:
        data: Any = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        high = data["h"]
        cursor = Cursor(str(data["f"]), None if high is None else int(high), int(data["o"]))
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error) as e:
        raise SearchQueryError("not a search cursor") from e
    if cursor.offset < 0:
        raise SearchQueryError("not a search cursor")
    if cursor.fingerprint != expected_fingerprint:
        raise SearchQueryError("the cursor belongs to another search")
    return cursor


@dataclass(frozen=True, slots=True)
class Window:
    """One ranking window: the matches among the newest candidates with id <= high.

    A back end may look at candidates that turn out not to match (PostgreSQL
    checks phrases only on the newest articles holding all their words), so a
    window can hold fewer hits than its size without being the last one.
    """

    hits: list[tuple[int, float]]  # (id, rank), any order; a higher rank is more relevant
    top: int | None  # the highest candidate id looked at; None when there was none
    bottom: int | None  # the lowest; the next window starts below it
    last: bool  # no candidates below ``bottom``


def full_window(hits: list[tuple[int, float]], size: int) -> Window:
    """The window of a back end whose candidates all match: the last when not full."""
    ids = [i for i, _ in hits]
    return Window(hits, max(ids, default=None), min(ids, default=None), len(hits) < size)


class Backend(Protocol):
    def candidates(
        self, conn: Connection, parsed: ParsedQuery, query: SearchQuery, high: int | None, window: int
    ) -> Window:
        """The matches (filters applied) among the newest ``window`` candidates with
        id <= high; every match is a candidate, and candidates are taken in id order."""
        ...

    def snippets(self, conn: Connection, parsed: ParsedQuery, hits: list[Article]) -> dict[int, str]:
        """Raw snippets (match sentinels, not yet escaped) per article id; may omit ids."""
        ...


def _ranked(window: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Best first: rank down, then newest first so that ties keep a fixed order."""
    return sorted(window, key=lambda h: (-h[1], -h[0]))


def _newest(conn: Connection, window: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Newest published first within a window. Windows hold the newest stored matches, so
    across windows the order is by storing, which follows publication but for articles
    imported late; within the first window (every query matching fewer than
    ``search_window`` articles) it is exact."""
    if not window:
        return []
    ids = [i for i, _ in window]
    stmt = sa.select(articles.c.id, articles.c.published).where(among(articles.c.id, ids))
    published = {int(i): p for i, p in conn.execute(stmt)}
    return sorted(window, key=lambda h: (published[h[0]], h[0]), reverse=True)


SORTS = ("relevance", "newest")
BROWSE_MAX = 1000  # results a filter-only search pages through


def has_filters(query: SearchQuery) -> bool:
    return bool(query.publisher_ids or query.sections or query.languages or query.since or query.until)


class SearchMixin(SqlBase):
    search_window = DEFAULT_WINDOW

    def _search_backend(self) -> Backend:
        if self.is_sqlite:
            from newsstand.store.sql.search_sqlite import SqliteSearch

            return SqliteSearch()
        from newsstand.store.sql.search_pg import PostgresSearch

        return PostgresSearch()

    def search(self, query: SearchQuery) -> SearchPage:
        """As the Protocol says. Raises SearchQueryError for an empty query without
        filters, a limit outside 1..100, an unknown sort or a cursor that is malformed or
        from another search."""
        if not 1 <= query.limit <= MAX_LIMIT:
            raise SearchQueryError(f"limit must be 1..{MAX_LIMIT}, got {query.limit}")
        if query.sort not in SORTS:
            raise SearchQueryError(f"sort must be one of {', '.join(SORTS)}")
        try:
            parsed = parse_query(query.text, query.languages)
        except SearchQueryError:
            if not has_filters(query):
                raise
            return self._browse(query)
        fp = fingerprint(query, parsed)
        cursor = decode_cursor(query.cursor, fp) if query.cursor else Cursor(fp, None)
        backend = self._search_backend()
        with self._read() as conn:
            picked, next_cursor, total = self._page(conn, backend, parsed, query, cursor)
            found = load_articles_by_id(conn, [i for i, _ in picked])
            raw = backend.snippets(conn, parsed, found)
            by_id = {a.id: a for a in found}
        hits = []
        for aid, rank in picked:
            article = by_id[aid]
            snippet = raw.get(aid)
            text = marked_html(snippet) if snippet else plain_snippet(article.standfirst or article.body_text)
            hits.append(SearchHit(article=article, rank=rank, snippet=text))
        return SearchPage(tuple(hits), encode_cursor(next_cursor) if next_cursor else None, total)

    def _browse(self, query: SearchQuery) -> SearchPage:
        """A search with filters and no words: the filters' articles, newest first, paged
        by position (at most BROWSE_MAX deep)."""
        fp = fingerprint(query, ParsedQuery(()))
        offset = decode_cursor(query.cursor, fp).offset if query.cursor else 0
        clauses = filter_clauses(
            query.publisher_ids, query.sections, query.languages, query.since, query.until
        )
        stmt = (
            sa.select(articles.c.id)
            .where(*clauses)
            .order_by(articles.c.published.desc(), articles.c.id.desc())
            .offset(offset)
            .limit(query.limit + 1)
        )
        with self._read() as conn:
            ids = [int(i) for i in conn.execute(stmt).scalars()]
            by_id = {a.id: a for a in load_articles_by_id(conn, ids[: query.limit])}
        hits = tuple(
            SearchHit(article=a, rank=0.0, snippet=plain_snippet(a.standfirst or a.body_text))
            for a in (by_id[i] for i in ids[: query.limit])
        )
        more = len(ids) > query.limit and offset + query.limit < BROWSE_MAX
        next_cursor = encode_cursor(Cursor(fp, None, offset + query.limit)) if more else None
        return SearchPage(hits, next_cursor, None)

    def _page(
        self, conn: Connection, backend: Backend, parsed: ParsedQuery, query: SearchQuery, cursor: Cursor
    ) -> tuple[list[tuple[int, float]], Cursor | None, int | None]:
        """Walk windows from the cursor until the page is full; return the hits,
        the cursor for the next page and, when one window held every match, the total."""
        picked: list[tuple[int, float]] = []
        high, offset = cursor.high, cursor.offset
        window_size = max(1, self.search_window)
        # Windows looked at beyond those a full page needs: bounds the work for a query
        # whose windows hold few matches (a rare phrase of common words on PostgreSQL).
        budget = -(-query.limit // window_size) + SPARE_WINDOWS
        while True:
            window = backend.candidates(conn, parsed, query, high, window_size)
            budget -= 1
            if high is None and window.top is not None:
                high = window.top  # pin the first window: later inserts do not shift it
            total = len(window.hits) if window.last and cursor.high is None and not picked else None
            ranked = (_newest(conn, window.hits) if query.sort == "newest" else _ranked(window.hits))[offset:]
            take = ranked[: query.limit - len(picked)]
            picked.extend(take)
            if len(ranked) > len(take):
                return picked, Cursor(cursor.fingerprint, high, offset + len(take)), total
            if window.last or window.bottom is None:
                return picked, None, total
            high, offset = window.bottom - 1, 0
            if len(picked) == query.limit or budget <= 0:
                return picked, Cursor(cursor.fingerprint, high), total


def load_articles_by_id(conn: Connection, ids: list[int]) -> list[Article]:
    if not ids:
        return []
    return load_articles(conn, list(conn.execute(sa.select(articles).where(among(articles.c.id, ids)))))


def snippet_html(text: str, languages: tuple[str, ...], language: str, *texts: str) -> str:
    """A search snippet of ``texts`` alone (escaped, matches in <mark>): what a reader
    without access is shown, from the paywall's preview. The plain opening when no
    query word is in them; "" for a query with no words."""
    try:
        parsed = parse_query(text, languages)
    except SearchQueryError:
        return plain_snippet(" ".join(t for t in texts if t))
    raw = highlight(parsed, *texts, language=language)
    return marked_html(raw) if raw else plain_snippet(" ".join(t for t in texts if t))
