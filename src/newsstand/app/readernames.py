"""A reader's own names for what they follow, as reader apps rename subscriptions and labels:
the rules, pure. ``SubscriptionService`` keeps them in the store (``reader_titles``)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_TITLE = 200  # characters of a reader's own name for a subscription or label


@dataclass(frozen=True, slots=True)
class LabelNames:
    """A reader's labels: each followed section under the name the reader gave it, or its
    own. Apps see and send the names; the service works with the sections."""

    renamed: dict[str, str]  # section -> the reader's name for it

    def name(self, section: str) -> str:
        return self.renamed.get(section, section)

    def section(self, label: str) -> str:
        """The section a label names: the one the reader renamed so, else the label itself."""
        for section, name in self.renamed.items():
            if name.casefold() == label.casefold():
                return section
        return label


def clean_title(raw: str) -> str:
    """A name a reader gave: spaces folded, at most MAX_TITLE characters."""
    return " ".join(raw.split())[:MAX_TITLE]
