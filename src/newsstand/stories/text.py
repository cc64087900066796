"""Turning an article into what story clustering compares: weighted terms.

Pure functions only. An article is reduced to the words of its title, standfirst
and opening paragraphs, because that is where a news report names its event; the
rest of a body drifts into background that many different events share.

Capitalised words inside a sentence and numbers are kept as "entity" terms and
weighted up: names of people, places and organisations, and figures such as
death tolls or prices, are what distinguishes one event from the next.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from newsstand.model import ArticleText
from newsstand.stories.entities import entities, name_term
from newsstand.stories.prior import PRIOR_DOCUMENTS, STORE_EVIDENCE, general_df

# How much of the body is read: the opening paragraphs carry the news.
LEAD_CHARS = 600
# The title is the densest statement of the event, so its words count more.
TITLE_WEIGHT = 2.0
# Names and figures separate events better than common words.
ENTITY_WEIGHT = 1.0
# A story or article keeps only its strongest terms: enough to recognise the
# event, few enough that comparing thousands of stories stays cheap.
MAX_TERMS = 80
# Multi-word names become terms of their own.
NAME_TERMS = False

# A word, and whatever ends a sentence (or a line) right after it: the next
# word then opens a sentence, so its capital says nothing.
_WORD = re.compile(r"([^\W_]+(?:['’.][^\W_]+)*)([ \t\"'”’)]*[.!?:;\n])?", re.UNICODE)
# The words alone: where no sentence boundary matters (the same words as ``_WORD`` finds).
_WORD_ONLY = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*", re.UNICODE)

# Function words of English (most of our publishers) and of German; they say
# nothing about which event an article reports.
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are around as at be because been
    before being below between both but by can could did do does doing down during each even
    ever every few for from further get gets got had has have having he her here hers herself
    him himself his how however i if in into is it its itself just like made make many may me
    might more most much must my myself new news no nor not now of off on once one only or
    other our ours ourselves out over own per said same says say she should since so some still
    such than that the their theirs them themselves then there these they this those though
    through to too under until up upon us very via was we were what when where whether which
    while who whom whose why will with within without would year years yet you your yours
    yourself yourselves told according including across already among another back become
    came come could day days early first going know last later least less made man men
    monday tuesday wednesday thursday friday saturday sunday week weeks today tomorrow
    yesterday time times two three well way ago near next people reported report reports
    der die das den dem des ein eine einer eines einem einen und oder aber nicht ist sind war
    waren wird werden wurde wurden hat haben hatte mit von vom zu zum zur im in am an auf aus
    bei nach für über unter vor durch als auch noch nur sich sie er es wir ihr ich
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    """An article as a unit-length vector of weighted terms, with its time and publisher."""

    article_id: int
    publisher_id: str
    published: datetime
    vector: Mapping[str, float]


@functools.lru_cache(maxsize=65536)
def _normalise(token: str) -> str:
    """Fold case, possessives and simple plurals so "Tesla's"/"Teslas" meet "Tesla"."""
    word = token.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


@functools.lru_cache(maxsize=131_072)
def _token(token: str) -> tuple[str, bool, bool]:
    """A token's term ("" when it is none: too short, a stopword), whether it reads as a name
    wherever it stands (a figure, an acronym: NASA, FBI, UN) and whether it is capitalised (a
    name unless it opens a sentence). Cached: a round reads the same words thousands of times."""
    word = _normalise(token)
    if len(word) <= 1 or word in STOPWORDS:
        return "", False, False
    always = token[0].isdigit() or (len(token) > 1 and token.isupper())
    return word, always, token[0].isupper()


def term_counts(text: str, weight: float = 1.0) -> dict[str, float]:
    """Weighted counts of the meaningful terms of ``text`` (stopwords dropped)."""
    counts: dict[str, float] = {}
    get = counts.get
    if ENTITY_WEIGHT == 1.0:
        # Names weigh as other words: where sentences end does not matter.
        for token in _WORD_ONLY.findall(text):
            word = _token(token)[0]
            if word:
                counts[word] = get(word, 0.0) + weight
    else:
        boosted = weight * ENTITY_WEIGHT
        sentence_start = True
        for token, ending in _WORD.findall(text):
            word, always, capital = _token(token)
            if word:
                named = always or (capital and not sentence_start)
                counts[word] = get(word, 0.0) + (boosted if named else weight)
            sentence_start = bool(ending)
    if NAME_TERMS:
        # A name of several words is a term of its own: "New York" is not "new" and "york".
        for name in entities(text):
            if " " in name:
                term = name_term(name)
                counts[term] = get(term, 0.0) + weight * ENTITY_WEIGHT
    return counts


def _add(total: dict[str, float], more: Mapping[str, float]) -> None:
    for term, count in more.items():
        total[term] = total.get(term, 0.0) + count


def article_terms(article: ArticleText) -> Mapping[str, float]:
    """Weighted term counts of an article's title, standfirst and opening paragraphs.

    Not cached: a round reads each pending article once and passes its counts along
    (``plan.read``). A cache kept the last 8,192 articles' texts and counts alive between
    rounds, tens of MB that a long-running process held for nothing (docs/decisions.md).
    """
    counts = term_counts(article.title, TITLE_WEIGHT)
    lead = article.body_text[:LEAD_CHARS]
    # A standfirst often repeats the first paragraph; reading both would count twice.
    if article.standfirst and article.standfirst[:80] not in lead:
        _add(counts, term_counts(article.standfirst))
    _add(counts, term_counts(lead))
    return counts


# Related stories compares each article read with the same few hundred recent story leads:
# their counts are kept for the next page (callers must not change the mapping returned).
_recent_terms = functools.lru_cache(maxsize=4096)(article_terms)


def document_frequencies(term_sets: Iterable[Iterable[str]]) -> tuple[Counter[str], int]:
    """How many documents contain each term, and how many documents there were."""
    df: Counter[str] = Counter()
    n = 0
    for terms in term_sets:
        df.update(set(terms))
        n += 1
    return df, n


def idf(df: Mapping[str, int], n: int, term: str) -> float:
    """Smoothed inverse document frequency: rare terms weigh more, unseen ones most."""
    return math.log((n + 1) / (df.get(term, 0) + 1)) + 1.0


def heaviest(weights: Mapping[str, float]) -> list[tuple[str, float]]:
    """The items of ``weights`` heaviest first, ties in the order of their terms.

    Two sorts with keys in C (by term, then stably by weight, descending) instead of one
    with a key built per item in Python: the same order at a third of the cost.
    """
    return sorted(sorted(weights.items()), key=_WEIGHT, reverse=True)


_WEIGHT = operator.itemgetter(1)


def top_terms(weights: Mapping[str, float], limit: int | None = None) -> dict[str, float]:
    """The ``limit`` (default MAX_TERMS) heaviest terms, scaled to unit length (empty stays empty)."""
    return unit(heaviest(weights)[: limit or MAX_TERMS])


def unit(best: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Weighted terms scaled to unit length, in the order given (empty stays empty)."""
    norm = math.sqrt(sum(w * w for _, w in best))
    if norm == 0.0:
        return {}
    return {term: w / norm for term, w in best}


def features(
    article: ArticleText, counts: Mapping[str, float], rarities: Mapping[str, float]
) -> ArticleFeatures:
    """TF-IDF features of an article whose ``counts`` came from ``article_terms``, with
    ``rarities`` from ``Rarity.weights`` (of at least these terms)."""
    # Sublinear term frequency: a word said five times is not five times the evidence.
    weights = {t: (1.0 + math.log(max(c, 1.0))) * rarities[t] for t, c in counts.items()}
    return ArticleFeatures(
        article_id=article.article_id,
        publisher_id=article.publisher_id,
        published=article.published,
        vector=top_terms(weights),
    )


@dataclass(frozen=True, slots=True)
class Rarity:
    """How many documents hold each term, out of how many: the basis of term weights.

    The service keeps these counts for the whole store, adding each round's
    articles as they are clustered, so a word's weight never depends on which
    few articles happen to be clustered together.
    """

    df: Mapping[str, int]
    documents: int
    # Whether general usage (``prior.general_df``) is counted too, as if the store held
    # ``prior.PRIOR_DOCUMENTS`` more articles: the service's clustering does, so that a
    # young store weighs words as an old one would.
    general: bool = False

    def plus(self, more: Mapping[str, int], documents: int) -> Rarity:
        """These counts with ``more`` added (only the terms of ``more`` are kept beside the old)."""
        df = dict(self.df)
        for term, n in more.items():
            df[term] = df.get(term, 0) + n
        return Rarity(df, self.documents + documents, self.general)

    def weight(self, term: str) -> float:
        """The inverse document frequency of ``term``."""
        if not self.general:
            return idf(self.df, self.documents, term)
        held = self.df.get(term, 0)
        imagined = general_df(term)
        if held >= STORE_EVIDENCE:
            # Enough stored articles hold the word for their share to say how common it is
            # here, even where general usage does not know it (another language's everyday
            # words, a publisher's boilerplate); fewer say little, and an event's own name
            # must not look common because a young store holds a few reports of it.
            imagined = max(imagined, PRIOR_DOCUMENTS * held / self.documents)
        return math.log((self.documents + PRIOR_DOCUMENTS + 1) / (held + imagined + 1)) + 1.0

    def weights(self, counts: Iterable[Mapping[str, float]]) -> dict[str, float]:
        """``weight`` of every term of ``counts``, each worked out once."""
        return {t: self.weight(t) for t in {t for c in counts for t in c}}


def round_frequencies(counts: Iterable[Mapping[str, float]]) -> tuple[dict[str, int], int]:
    """Document frequencies of a batch of ``article_terms`` results, and the batch size."""
    df, n = document_frequencies(counts)
    return dict(df), n


def featurize(
    articles: Iterable[ArticleText],
    background: Iterable[ArticleText] = (),
    rarity: Rarity | None = None,
) -> list[ArticleFeatures]:
    """Features of ``articles``, words weighted by ``rarity`` when given.

    Without ``rarity``, how common a word is comes from the articles and
    ``background`` together (enough for comparing a handful of texts, as
    Related stories does).
    """
    items = list(articles)
    counts = [_recent_terms(a) for a in items]
    if rarity is None:
        seen = {a.article_id for a in items}
        extra = [_recent_terms(a) for a in background if a.article_id not in seen]
        df, n = document_frequencies([*counts, *extra])
        rarity = Rarity(df, n)
    rarities = rarity.weights(counts)
    return [features(a, c, rarities) for a, c in zip(items, counts, strict=True)]


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product of two unit vectors given as term maps."""
    # Intersecting the key views runs in C; few terms are shared, so the sum is short.
    return sum(a[t] * b[t] for t in a.keys() & b.keys())
