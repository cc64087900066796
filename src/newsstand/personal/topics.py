"""The people, places and subjects an article is about, found in its title, standfirst and tags.

A small rule-based finder, enough to follow a topic and to explain a For you card: runs of
capitalised words in English text, places from a short list of countries and cities, the
feed's own tags as subjects. It returns topic keys (``person:Ada Quill``, ``place:Kyiv``,
``topic:Elections``). When story clustering extracts named entities itself, ``article_topics``
is the one function to feed from them instead: callers only see keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from newsstand.model import Article

KINDS = ("person", "place", "topic")
MAX_TOPICS = 8


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Countries and much-reported cities and regions, in their usual English names.
PLACES = _words(
    """
    Afghanistan Albania Algeria Argentina Armenia Australia Austria Azerbaijan Bangladesh
    Belarus Belgium Bolivia Bosnia Brazil Bulgaria Cambodia Cameroon Canada Chile China Colombia
    Congo Croatia Cuba Cyprus Czechia Denmark Ecuador Egypt England Estonia Ethiopia Europe
    Finland France Gaza Georgia Germany Ghana Greece Greenland Haiti Hungary Iceland India
    Indonesia Iran Iraq Ireland Israel Italy Japan Jordan Kazakhstan Kenya Kosovo Kuwait Latvia
    Lebanon Libya Lithuania Luxembourg Madagascar Malaysia Mali Malta Mexico Moldova Mongolia
    Montenegro Morocco Mozambique Myanmar Nepal Netherlands Nicaragua Niger Nigeria Norway
    Pakistan Palestine Panama Paraguay Peru Philippines Poland Portugal Qatar Romania Russia
    Rwanda Scotland Senegal Serbia Singapore Slovakia Slovenia Somalia Spain Sudan Sweden
    Switzerland Syria Taiwan Tanzania Thailand Tunisia Turkey Uganda Ukraine Uruguay Uzbekistan
    Venezuela Vietnam Wales Yemen Zambia Zimbabwe Africa Asia Antarctica Arctic Amsterdam Athens
    Baghdad Bangkok Barcelona Beijing Beirut Berlin Brussels Bucharest Budapest Cairo Chicago
    Copenhagen Delhi Dublin Dubai Edinburgh Geneva Glasgow Hamburg Havana Helsinki Istanbul
    Jakarta Jerusalem Kabul Kharkiv Khartoum Kyiv Lagos Lisbon London Madrid Manchester Manila
    Marseille Melbourne Milan Minsk Moscow Mumbai Munich Nairobi Naples Oslo Ottawa Paris Prague
    Riga Rome Seoul Shanghai Stockholm Sydney Taipei Tallinn Tehran Tokyo Toronto Vienna Vilnius
    Warsaw Washington Zurich Odesa Crimea Donbas Kherson Mariupol Zaporizhzhia Bavaria Texas
    California Florida Ohio Alaska Hawaii Quebec Ontario Catalonia Sicily Sardinia Tibet Kashmir
    """
) | {
    "United States", "United Kingdom", "New Zealand", "South Africa", "South Korea", "North Korea",
    "Saudi Arabia", "Sri Lanka", "Hong Kong", "New York", "Los Angeles", "San Francisco", "Rio de Janeiro",
    "Buenos Aires", "Mexico City", "Cape Town", "Tel Aviv", "West Bank", "Northern Ireland",
    "Middle East", "Latin America", "Costa Rica", "Dominican Republic", "Ivory Coast", "El Salvador",
}  # fmt: skip

# Capitalised words that start sentences, name days and months, or are titles rather than names.
_COMMON = _words(
    """
    A An The This That These Those It Its In On At Of For From To By With Without After Before
    Over Under As And Or But If When Why How What Who Where Which Is Are Was Were Be Been Will
    Would Can Could May Might Must Should Has Have Had Not No New More Most Live Watch Analysis
    Opinion Review Comment Exclusive Explainer Update Updated Breaking Video Photos Monday
    Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Mr Mrs Ms Dr Sir Lady Lord President Minister
    Prime King Queen Pope Chancellor Senator General Judge Governor Mayor We You They He She I
    Our Your My His Her Their Us Here There Today Tonight Yesterday Tomorrow Why Top Best First
    Last One Two Three Four Five Six Seven Eight Nine Ten
    """
)
# Words that make a run of capitalised words an organisation or thing, not a person.
_ORGANISATION = _words(
    """
    Party Council Ministry Bank Court Union Cup League Association Agency Parliament Congress
    Senate Commission Committee Office Department Group Company Corporation Airlines Airways
    University College School Hospital Museum Club United City Football Federation Forces Army
    Navy Police Service Fund Institute Foundation Centre Center Organisation Organization
    Festival Awards Prize Games Championship Open Post News Times Ledger Party Authority Board
    Assembly Republic Kingdom Summit Talks Conference Act Bill Treaty Plan Accord Deal
    """
)
# Words that make a run of capitalised words a place ("Port Merrow", "Lake Vesta") or an event
# or thing ("Storm Isolde") rather than a person.
_GEOGRAPHY = _words(
    """
    Port Mount Lake River Cape Bay Island Islands Isle Coast Valley Falls Strait Sea Ocean Gulf
    Street Square Bridge Harbour Harbor Beach County Province Region District Peninsula Hills
    """
)
_COMPANY = _words(
    "Systems Inc Ltd Holdings Energy Motors Technologies Labs Partners Capital Media Pharma Airways"
)
_EVENTS = _words("Storm Hurricane Typhoon Cyclone Earthquake Flood Floods War Election Elections Crisis")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’\-]*")
_POSSESSIVE = re.compile(r"['’]s$")
_CONNECTORS = frozenset({"de", "von", "van", "der", "bin", "al", "la", "du", "of"})
_SENTENCE_END = re.compile(r"[.!?:;–—|]\s*")


def topic_key(kind: str, name: str) -> str:
    """The key a topic is followed and trained under."""
    return f"{kind}:{name}"


def topic_label(key: str) -> str:
    """The name shown for a topic key (``place:Kyiv`` -> ``Kyiv``)."""
    return key.split(":", 1)[1] if ":" in key else key


def topic_kind(key: str) -> str:
    kind = key.split(":", 1)[0]
    return kind if kind in KINDS else "topic"


def _runs(sentence: str) -> Iterable[tuple[list[str], bool]]:
    """Runs of capitalised words in a sentence, each with whether it starts the sentence."""
    run: list[str] = []
    start = True
    first = True
    for word in _WORD.findall(sentence):
        word = _POSSESSIVE.sub("", word).strip("'’-")
        if word and word[0].isupper():
            if not run:
                start = first
            run.append(word)
        elif run and word in _CONNECTORS:
            run.append(word)
        else:
            if run:
                yield run, start
            run = []
        first = False
    if run:
        yield run, start


def _classify(words: list[str]) -> str | None:
    """The key of a run of capitalised words, or None when it names nothing."""
    if " ".join(words) in PLACES:  # before trimming: "New York" starts with a common word
        return topic_key("place", " ".join(words))
    while words and (words[-1] in _CONNECTORS or words[-1] in _COMMON):
        words = words[:-1]
    while words and (words[0] in _COMMON or words[0] in _CONNECTORS):
        words = words[1:]
    if not words:
        return None
    name = " ".join(words)
    if name in PLACES:
        return topic_key("place", name)
    if len(words) == 1:
        return topic_key("topic", name) if len(name) >= 3 else None
    if any(w in _GEOGRAPHY for w in words):
        return topic_key("place", name)
    if any(w in _ORGANISATION or w in _COMPANY or w in _EVENTS for w in words) or len(words) > 3:
        return topic_key("topic", name)
    return topic_key("person", name)


def names_in(text: str, capitalised_nouns: bool = False) -> list[str]:
    """Topic keys named in ``text``, in order of appearance. In languages that capitalise every
    noun (``capitalised_nouns``) only places are recognised."""
    found: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        for run, at_start in _runs(sentence):
            if at_start and len(run) == 1 and run[0] not in PLACES:
                continue  # the first word of a sentence is capitalised whatever it is
            keys = [_classify(run)]
            # "Kyiv and Kharkiv", "Paris Berlin": places inside a run count on their own.
            keys += [topic_key("place", w) for w in run if w in PLACES and " ".join(run) != w]
            for key in keys:
                if key is not None and (not capitalised_nouns or key.startswith("place:")):
                    found.append(key)
    return found


def article_topics(article: Article, limit: int = MAX_TOPICS) -> tuple[str, ...]:
    """The topic keys of an article: names in its title first, then its standfirst, then its
    tags (as subjects). Each once (case-insensitively), at most ``limit``."""
    nouns = article.language.lower().startswith("de")
    keys = names_in(article.title, nouns) + names_in(article.standfirst, nouns)
    keys += [topic_key("topic", tag.strip()) for tag in article.tags if 2 < len(tag.strip()) <= 60]
    seen: set[str] = set()
    topics = []
    for key in keys:
        folded = topic_label(key).casefold()
        if folded not in seen:
            seen.add(folded)
            topics.append(key)
    return tuple(topics[:limit])
