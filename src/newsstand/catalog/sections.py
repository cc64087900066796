"""The fixed vocabulary of section names, and how other readers' names map onto it."""

from __future__ import annotations

# The order is the order readers see sections in navigation.
SECTIONS: tuple[str, ...] = (
    "News",
    "World",
    "Politics",
    "Business",
    "Technology",
    "Science",
    "Health",
    "Environment",
    "Sport",
    "Culture",
    "Opinion",
    "Lifestyle",
)

DEFAULT_SECTION = "News"

# Folder and category names seen in other readers' OPML files, lower case.
_SYNONYMS: dict[str, str] = {
    "news": "News",
    "top stories": "News",
    "headlines": "News",
    "general": "News",
    "national": "News",
    "local": "News",
    "uk": "News",
    "us": "News",
    "world": "World",
    "international": "World",
    "global": "World",
    "politics": "Politics",
    "government": "Politics",
    "business": "Business",
    "economy": "Business",
    "economics": "Business",
    "finance": "Business",
    "markets": "Business",
    "money": "Business",
    "technology": "Technology",
    "tech": "Technology",
    "science & technology": "Technology",
    "computing": "Technology",
    "science": "Science",
    "health": "Health",
    "medicine": "Health",
    "environment": "Environment",
    "climate": "Environment",
    "sport": "Sport",
    "sports": "Sport",
    "football": "Sport",
    "culture": "Culture",
    "arts": "Culture",
    "entertainment": "Culture",
    "books": "Culture",
    "music": "Culture",
    "film": "Culture",
    "opinion": "Opinion",
    "comment": "Opinion",
    "commentary": "Opinion",
    "analysis": "Opinion",
    "editorial": "Opinion",
    "lifestyle": "Lifestyle",
    "life": "Lifestyle",
    "style": "Lifestyle",
    "food": "Lifestyle",
    "travel": "Lifestyle",
}


def normalise_section(name: str) -> str:
    """Map a folder or category name onto the vocabulary.

    Known names and their common synonyms become the vocabulary's spelling; other
    names are kept as the operator wrote them (trimmed), so an import loses nothing.
    An empty name becomes ``DEFAULT_SECTION``.
    """
    cleaned = " ".join(name.split())
    if not cleaned:
        return DEFAULT_SECTION
    return _SYNONYMS.get(cleaned.lower(), cleaned)
