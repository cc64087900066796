"""Names of people, places and organisations in a text, found without a model.

A name is a run of capitalised words ("Kim Jong Un", "North Korea", "Las Vegas
Police Department"), possibly joined by a short lower-case particle ("Bank of
England", "Rio de Janeiro"), or a single capitalised word that does not open a
sentence, or an acronym. A capital at the start of a sentence proves nothing,
so a lone sentence-opening word only counts when the same text also uses it
mid-sentence. This is what a news report's names look like in English, German,
French, Spanish and most languages written in the Latin alphabet; the kind of
name (person, place, organisation) is not guessed.

A headline in title case ("Tourist Ship Strikes Bridge") reads as one long name:
pass running text (a standfirst, a body), not headlines. For you can offer the
names to follow; story clustering can add multi-word names as terms of their
own (``text.NAME_TERMS``, off: it did not help, see docs/decisions.md).
Pure functions only; no model is loaded.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

_TOKEN = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*|[.!?:;\n\"“”,()\[\]/–—]", re.UNICODE)
_BREAK = frozenset('.!?:;\n"“”')  # end a sentence
_PAUSE = frozenset(",()[]/–—")  # end a name, not a sentence


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Lower-case words that may sit inside a name.
_PARTICLES = _words("of de la le du da di del der den van von bin al y &")
# Capitalised words that begin names too often to be names themselves.
_NOT_NAMES = _words(
    """the a an this that these those it its he she they we i you his her their our my
    but and or if when while after before as at in on by for with from to of not no
    mr mrs ms dr der die das ein eine
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december"""
)
# Titles that come before a person's name and are not part of it.
_TITLES = _words("mr mrs ms dr prof president minister sir lady lord king queen pope")


def _capital(token: str) -> bool:
    return token[0].isupper() and token.lower() not in _NOT_NAMES


def _runs(text: str) -> list[tuple[list[str], bool]]:
    """Runs of capitalised tokens, each with whether it opens a sentence."""
    runs: list[tuple[list[str], bool]] = []
    current: list[str] = []
    opens = False
    start = True
    pending: list[str] = []  # particles waiting for the next capitalised word
    for token in _TOKEN.findall(text):
        if token in _BREAK or token in _PAUSE:
            if current:
                runs.append((current, opens))
            current, pending = [], []
            start = start or token in _BREAK
            continue
        inside = bool(current) and token[0].isupper()  # "Kim Jong Un", "Las Vegas" go on
        if inside or (_capital(token) and token.lower() not in _TITLES):
            if not current:
                opens = start
            current += [*pending, token]
            pending = []
        elif current and token.lower() in _PARTICLES and not pending:
            pending = [token]
        else:
            if current:
                runs.append((current, opens))
            current, pending = [], []
        start = False
    if current:
        runs.append((current, opens))
    return runs


@functools.lru_cache(maxsize=16384)
def entities(text: str) -> tuple[str, ...]:
    """The names in ``text``, most mentioned first (first mention breaks ties).

    Multi-word names keep their words in order, separated by one space.
    """
    counts: Counter[str] = Counter()
    order: dict[str, int] = {}
    runs = _runs(text)
    # Words seen capitalised mid-sentence: a sentence-opening capital proves nothing, unless
    # the same word is a name elsewhere in the text.
    mid_words = {w for words, opens in runs if not opens for w in words}
    for words, opens in runs:
        if opens and words[0] not in mid_words and not words[0].isupper():
            rest = words[1:]
            while rest and rest[0].lower() in _PARTICLES:
                rest = rest[1:]
            # "Later Osk" when Osk is named elsewhere; "North Korea" stays whole.
            if not rest or all(w in mid_words for w in rest):
                words = rest
        if not words or (len(words) == 1 and len(words[0]) < 2):
            continue
        name = " ".join(words)
        order.setdefault(name, len(order))
        counts[name] += 1
    return tuple(sorted(counts, key=lambda n: (-counts[n], order[n])))


def name_term(name: str) -> str:
    """The clustering term of a multi-word name: lower case, words joined by underscores."""
    return "_".join(name.lower().replace("’", "'").split())
