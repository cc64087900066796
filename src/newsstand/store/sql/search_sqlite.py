"""Search on SQLite: an FTS5 index over the articles table, ranked with bm25.

The FTS table has a fifth column, ``facets``, holding each article's publisher,
language, publication month and sections as single words (migrations 0001 and
0004). Publisher, language and section filters become part of the MATCH
expression, and a date range adds its months, so FTS5 skips non-matching articles
inside its index instead of the store looking up every match's row.

Ranking is done in a second step over the window's id range. bm25 counts, once
per query, every article holding each ranked word; for a word in a large share of
all articles that count alone costs more than the whole rest of the query, and
such a word adds nearly nothing to bm25 (its inverse document frequency is about
zero). So words that are dense among the newest articles are left out of the
bm25 expression; when every word is dense, articles are ranked by which columns
they match in (title, then standfirst and authors, then body), newest first.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsstand.model import Article, SearchQuery, utc, utcnow
from newsstand.store.sql.articles import filter_clauses
from newsstand.store.sql.engine import among
from newsstand.store.sql.schema import articles
from newsstand.store.sql.search import (
    Clause,
    ParsedQuery,
    Window,
    fts5_clause,
    full_window,
    highlight,
    to_fts5,
)

# Column weights for bm25, in the FTS table's column order: a match in the title
# counts most, then standfirst and authors, then the body, then a word's stem
# (search_keys, 0016); facets never count.
WEIGHTS = (10.0, 4.0, 1.0, 4.0, 0.0, 0.5)
PRESENCE_TITLE = 10.0  # rank added for common words in the title (see _presence)
PRESENCE_STANDFIRST = 4.0  # ... and in the standfirst or authors
PRESENCE_SPAN = 32  # ids per window hit up to which FTS5 finds those columns quicker than the rows
MAX_MONTHS = 24  # a longer date range barely narrows the match; filter it by rows alone
DENSE_PROBE = 64  # newest matches looked at to tell whether a word is dense
DENSE_SHARE = 0.02  # a word in more than this share of the newest articles is dense
_FTS = sa.table("articles_fts", sa.column("rowid", sa.Integer))
_MATCH = sa.literal_column("articles_fts").op("MATCH")


def _bm25() -> sa.ColumnElement[float]:
    args: list[sa.ColumnElement[float]] = [sa.literal_column(str(w)) for w in WEIGHTS]
    return sa.func.bm25(sa.literal_column("articles_fts"), *args)


def _facet(prefix: str, value: str) -> str:
    return '"' + prefix + value.encode().hex() + '"'


def _months(since: datetime | None, until: datetime | None) -> list[str]:
    """Month words covering [since, until), or [] when the range is open or too long."""
    if since is None:
        return []
    start = utc(since)
    # An open range ends a month from now: articles dated slightly ahead still count.
    end = utc(until) if until is not None else max(utcnow() + timedelta(days=31), start)
    months: list[str] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) <= MAX_MONTHS:
        months.append(f'"m{year:04d}{month:02d}"')
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months if len(months) <= MAX_MONTHS else []


def facet_filters(query: SearchQuery, *, languages: bool = True) -> list[str]:
    """MATCH terms for the filters that live in the facets column."""
    parts = []
    if query.publisher_ids:
        parts.append("facets : (" + " OR ".join(_facet("p", p) for p in query.publisher_ids) + ")")
    if query.languages and languages:
        parts.append("facets : (" + " OR ".join(_facet("l", x) for x in query.languages) + ")")
    if query.sections:
        parts.append("facets : (" + " OR ".join(_facet("s", x) for x in query.sections) + ")")
    months = _months(query.since, query.until)
    if months:
        parts.append("facets : (" + " OR ".join(months) + ")")
    return parts


def match_expression(parsed: ParsedQuery, query: SearchQuery) -> str:
    """The MATCH text: the words in the text columns, and the facet filters."""
    return " AND ".join([f"({to_fts5(parsed)})", *facet_filters(query)])


def _phrase(c: Clause) -> str:
    return '"' + " ".join(c.words) + '"'


def _rowids(conn: Connection, match: str, low: int | None, high: int | None, limit: int | None) -> list[int]:
    stmt = sa.select(_FTS.c.rowid).select_from(_FTS).where(_MATCH(match))
    if low is not None:
        stmt = stmt.where(_FTS.c.rowid >= low)
    if high is not None:
        stmt = stmt.where(_FTS.c.rowid <= high)
    if limit is not None:
        stmt = stmt.order_by(_FTS.c.rowid.desc()).limit(limit)
    return [int(r) for r in conn.execute(stmt).scalars()]


def _is_dense(conn: Connection, clause: Clause, high: int | None) -> bool:
    """Whether ``clause`` is in more than DENSE_SHARE of the newest articles (up to ``high``)."""
    newest = _rowids(conn, fts5_clause(clause), None, high, DENSE_PROBE)
    return len(newest) == DENSE_PROBE and DENSE_PROBE / (newest[0] - newest[-1] + 1) > DENSE_SHARE


def _clause_pattern(clauses: list[Clause]) -> re.Pattern[str]:
    """A pattern finding any of the words or phrases as whole words, the way the index splits text."""
    alternatives = (r"[\W_]+".join(re.escape(w) for w in c.words) for c in clauses)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])", re.IGNORECASE)


def _presence(conn: Connection, clauses: list[Clause], ids: list[int]) -> dict[int, float]:
    """Ranks for a window whose words are all common: every match scores 1, plus 10
    when a clause is in its title and 4 when one is in its standfirst or authors.

    Read from the window's rows, because asking FTS5 instead means rerunning the
    query over the window's whole id range, which for a rare phrase of common
    words spans most of the index (0.4 s at 1M articles); the body is not read.
    """
    stmt = sa.select(articles.c.id, articles.c.title, articles.c.standfirst, articles.c.authors).where(
        among(articles.c.id, ids)
    )
    found = _clause_pattern(clauses).search
    scores: dict[int, float] = {}
    for aid, title, standfirst, authors in conn.execute(stmt):
        score = 1.0
        if found(title or ""):
            score += PRESENCE_TITLE
        if found(standfirst or "") or found(authors or ""):
            score += PRESENCE_STANDFIRST
        scores[int(aid)] = score
    return scores


def _presence_fts(
    conn: Connection, parsed: ParsedQuery, clauses: list[Clause], narrow: list[str], low: int, high: int
) -> dict[int, float]:
    """The ranks ``_presence`` gives, from FTS5: quicker when the window's ids are
    close together, as they are for common words, since it reads no article rows."""
    scores: dict[int, float] = {}
    any_clause = " OR ".join(_phrase(c) for c in clauses)
    whole = to_fts5(parsed)
    for columns, weight in (("{title}", PRESENCE_TITLE), ("{standfirst authors}", PRESENCE_STANDFIRST)):
        # Repeating the whole query keeps FTS5 on the window's matches (AND seeks).
        match = " AND ".join([f"{columns} : ({any_clause})", f"({whole})", *narrow])
        for i in _rowids(conn, match, low, high, None):
            scores[i] = scores.get(i, 1.0) + weight
    return scores


class SqliteSearch:
    def candidates(
        self, conn: Connection, parsed: ParsedQuery, query: SearchQuery, high: int | None, window: int
    ) -> Window:
        rowid = _FTS.c.rowid
        # FTS5 walks its index in rowid order itself, so "newest first, first N" stops early.
        stmt = sa.select(rowid).select_from(_FTS).where(_MATCH(match_expression(parsed, query)))
        # Publisher, language and sections are exact in the facets; exact times need the row.
        filters = filter_clauses((), (), (), query.since, query.until)
        if filters:
            stmt = stmt.join(articles, articles.c.id == rowid).where(*filters)
        if high is not None:
            stmt = stmt.where(rowid <= high)
        ids = [int(i) for i in conn.execute(stmt.order_by(rowid.desc()).limit(window)).scalars()]
        if not ids:
            return full_window([], window)
        # The ranking queries repeat the selective facet filters so that a filtered
        # window spread over a wide id range does not rank every article in between.
        # (Language rarely narrows much and would only add a large word to bm25.)
        narrow = facet_filters(query, languages=False)
        scores = self._scores(conn, parsed, narrow, ids, high)
        return full_window([(i, scores.get(i, 0.0)) for i in ids], window)

    def _scores(
        self,
        conn: Connection,
        parsed: ParsedQuery,
        narrow: list[str],
        ids: list[int],
        limit_high: int | None,
    ) -> dict[int, float]:
        """Relevance of the articles ``ids``; higher is better."""
        low, high = min(ids), max(ids)
        positive = list(dict.fromkeys(c for g in parsed.groups for c in g if not c.negated))
        # Phrases are ranked by their words: bm25 counts a phrase's articles over the
        # whole index, comparing positions in every article holding all its words (0.5 s
        # and more at 1M articles for two common words); every article of the window
        # holds the words anyway. A single word keeps its keys.
        terms = [c if c.keys else Clause((w,)) for c in positive for w in c.words[: 1 if c.keys else None]]
        dense = {c for c in dict.fromkeys(terms) if _is_dense(conn, c, limit_high)}
        # Each group keeps the AND of its sparse terms, so that FTS5 walks their
        # intersection, not every article holding any one of them.
        ranked = [
            " AND ".join(fts5_clause(c) for c in kept)
            for kept in (
                dict.fromkeys(
                    t
                    for c in g
                    if not c.negated
                    for t in ([c] if c.keys else [Clause((w,)) for w in c.words])
                    if t not in dense
                )
                for g in parsed.groups
            )
            if kept
        ]
        if ranked:
            words = "(" + " OR ".join(f"({r})" for r in ranked) + ")"
            match = " AND ".join([words, *narrow])
            stmt = (
                sa.select(_FTS.c.rowid, _bm25())
                .select_from(_FTS)
                .where(_MATCH(match), _FTS.c.rowid >= low, _FTS.c.rowid <= high)
                # "+rowid" keeps this test out of FTS5 (which would rerun the MATCH
                # once per id) and applies it before bm25 is computed for a row.
                .where(among(sa.literal_column("+articles_fts.rowid", sa.Integer), ids))
            )
            # bm25 is lower for better matches; the store's rank is higher for better.
            return {int(i): -float(score) for i, score in conn.execute(stmt)}
        if high - low + 1 <= PRESENCE_SPAN * len(ids):
            return _presence_fts(conn, parsed, positive, narrow, low, high)
        return _presence(conn, positive, ids)

    def snippets(self, conn: Connection, parsed: ParsedQuery, hits: list[Article]) -> dict[int, str]:
        # In Python from the loaded articles, as on PostgreSQL: FTS5's snippet() cannot
        # mark a word that matched by its key, and the two databases then show the same.
        out: dict[int, str] = {}
        for a in hits:
            snippet = highlight(parsed, a.body_text, a.standfirst, a.title, language=a.language)
            if snippet is not None and a.id is not None:
                out[a.id] = snippet
        return out
