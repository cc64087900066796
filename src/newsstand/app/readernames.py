"""A reader's own names for what they follow, as reader apps rename subscriptions and labels,
and the names of their own folders: the rules, pure. ``SubscriptionService`` keeps them in the
store (``reader_titles``, ``reader_labels``)."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from newsstand.errors import InvalidDataError

MAX_TITLE = 200  # characters of a reader's own name for a subscription or label
MAX_FOLDER_NAME = 100  # characters of a folder's name


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


def folder_name(raw: str) -> str:
    """A new folder's name as a reader app sent it, spaces (tabs, line breaks) folded.
    Raises InvalidDataError for an empty name, one longer than MAX_FOLDER_NAME, one with
    another control character, or one with a "/" (which would read as part of a stream id:
    ``user/-/label/a/b``, ``user/-/state/...``)."""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in raw):
        raise InvalidDataError("a folder's name cannot hold control characters")
    name = " ".join(raw.split())
    if not name:
        raise InvalidDataError("a folder needs a name")
    if len(name) > MAX_FOLDER_NAME:
        raise InvalidDataError(f"a folder's name is at most {MAX_FOLDER_NAME} characters")
    if "/" in name:
        raise InvalidDataError('a folder\'s name cannot hold "/"')
    return name


@dataclass(frozen=True, slots=True)
class LabelTarget:
    """What a label name an app sends stands for: one of the reader's folders (``folder``;
    ``name`` is the folder's name, as kept when it exists) or a section (``name`` is it)."""

    folder: bool
    name: str
    exists: bool = True  # False for a folder the name would make


def resolve_label(
    label: str, names: LabelNames, folders: Iterable[str], sections: Collection[str]
) -> LabelTarget:
    """The one rule for a label name: an existing folder of the reader's (any case) is that
    folder; a name the reader gave a followed section is that section; a section's own name
    (``sections``: the catalog's and the reader's followed ones, case-folded) is that section;
    any other name is a folder the name would make."""
    wanted = " ".join(label.split()).casefold()
    for folder in folders:
        if folder.casefold() == wanted:
            return LabelTarget(True, folder)
    section = names.section(label)
    if section != label or label.casefold() in sections:
        return LabelTarget(False, section)
    return LabelTarget(True, label, exists=False)
