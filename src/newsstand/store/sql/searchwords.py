"""Forgiving search words: accents folded and words stemmed in the catalog's languages.

An article's text is indexed twice on both databases: its words as written (for
quoted phrases, exact words and ranking), and its *keys*, one per distinct word:
the word stemmed with the Snowball stemmer of the article's language, then
lower-cased and stripped of accents (``articles.search_keys``, migration 0016).
An unquoted query word matches an article holding the word itself or one of
its keys: the word stemmed in each language the catalog publishes in, folded
the same way. So "tempete" finds "tempête", "batteries" finds "battery" and
"Stürme" finds "Sturm", identically on SQLite and PostgreSQL, because the keys
are made here, in Python, and both databases index them as plain words.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import Stemmer

# The catalog's languages that Snowball has a stemmer for (ISO 639-1 code -> algorithm).
# Articles in other languages (and without one) get their words folded, not stemmed.
STEMMERS = {
    "ar": "arabic",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hi": "hindi",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ru": "russian",
    "sv": "swedish",
}
# Letters that carry no combining mark to strip but are written without it on
# keyboards that lack them (casefold already turns ß into ss).
_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_WORD = re.compile(r"[^\W_]+")
KEYS_MAX_CHARS = 200_000  # text read for keys per article: far beyond any real article


@functools.lru_cache(maxsize=8)
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    algorithm = STEMMERS.get(language.split("-")[0].lower())
    return Stemmer.Stemmer(algorithm, 50_000) if algorithm else None


def fold(word: str) -> str:
    """``word`` case-folded, without accents or other combining marks."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).translate(_LETTERS)


def word_key(word: str, language: str) -> str:
    """The key of one index word (lower-cased already) in ``language``."""
    stemmer = _stemmer(language)
    if stemmer is None:
        return fold(word)
    stem = stemmer.stemWord(word)
    # Snowball's English keeps a final y as i ("stormy" -> "stormi", "batteries" ->
    # "batteri"); dropping it joins the adjective to its noun ("storm"). Short stems
    # keep it: "taxi" must not find "tax".
    if stemmer is _stemmer("en") and len(stem) >= 5 and stem.endswith("i"):
        stem = stem[:-1]
    return fold(stem)


@functools.lru_cache(maxsize=100_000)
def _cached_key(word: str, language: str) -> str:
    return word_key(word, language)


def text_keys(language: str, *texts: str | None) -> str:
    """The keys of every distinct word of ``texts``, space-separated, in first-seen order:
    the value of ``articles.search_keys``."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in dict.fromkeys(w.lower() for w in _WORD.findall((text or "")[:KEYS_MAX_CHARS])):
            seen[_cached_key(word, language)] = None
    return " ".join(seen)


def query_keys(word: str, languages: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The keys an unquoted query word matches: stemmed in each of ``languages`` (every
    language with a stemmer when empty) and folded; distinct, the folded word first."""
    wanted = languages or tuple(STEMMERS)
    keys = [fold(word), *(_cached_key(word, lang) for lang in wanted)]
    return tuple(dict.fromkeys(k for k in keys if k))


def key_of_text_word(word: str, language: str) -> str:
    """The key an article in ``language`` stores for one of its words (any case)."""
    return _cached_key(word.lower(), language)
