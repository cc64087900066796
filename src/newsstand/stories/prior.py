"""How common a word is in general, before the store has counted it: a prior for word rarity.

A store that has clustered a few hundred articles takes an everyday word that
few of them happen to hold for telling, and an event's own name, which many of
its few articles hold, for common; rounds early in a store's life then weigh
words differently from a rebuild done later, and stories of one topic look
closer than they are. Adding ``PRIOR_DOCUMENTS`` imagined articles whose
words follow general usage settles the weights from the first round: the
store's own counts take over as they grow past it, and a word the store already
holds in ``STORE_EVIDENCE`` articles is taken to be as common as the store says.

General usage comes from wordfreq's frequency lists, which its wheel carries
(nothing is downloaded). A word's share of running text becomes the share of
articles holding it, for an article of ``ARTICLE_WORDS`` words: 1 - exp(-f·L).
"""

from __future__ import annotations

import functools
import math

from wordfreq import get_frequency_dict, word_frequency

# Imagined articles behind the prior: about a day and a half of a large aggregator's
# intake, so the store's own counts outweigh it within days. Measured in docs/decisions.md.
PRIOR_DOCUMENTS = 30_000
# Words clustering reads of an article (title twice, standfirst, the body's opening).
ARTICLE_WORDS = 150
# A word held by at least this many stored articles is at least as common as the store's share
# says: general usage then yields to the store (see ``text.Rarity.weight``).
STORE_EVIDENCE = 100
# The list is English: most of the catalog's publishers write in it. A word of another
# language is unknown to it and weighs as rare until ``STORE_EVIDENCE`` stored articles hold it.
LANGUAGE = "en"


@functools.lru_cache(maxsize=131_072)
def general_df(term: str) -> float:
    """In how many of ``PRIOR_DOCUMENTS`` general articles ``term`` (a normalised term of
    ``text.term_counts``, plurals folded) would appear."""
    share = max(_share(term), _share(term + "s"))
    return PRIOR_DOCUMENTS * -math.expm1(-share * ARTICLE_WORDS)


@functools.cache
def _frequencies() -> dict[str, float]:
    return get_frequency_dict(LANGUAGE, "best")


def _share(word: str) -> float:
    """The word's share of running text in general usage (0.0 when it is not listed)."""
    if word.isalpha():
        # A plain lookup: word_frequency would tokenise the word first, 40 µs a word.
        return _frequencies().get(word, 0.0)
    # Figures and joined tokens: wordfreq estimates numbers it does not list one by one.
    return word_frequency(word, LANGUAGE)
