"""Images, captions and credits.

A photo credit ("Photograph: Agency/Name", "(AP Photo/Jane Doe)") is not caption
text and not body text: ``split_caption_credit`` keeps them apart.
"""

from __future__ import annotations

import re

from newsstand.model import Image

_LABELS = (
    r"Photograph|Photographs|Photo|Photos|Picture|Pictures|Pic|Image|Images|Credit|Credits|"
    r"Illustration|Composite|Video|Graphic|Source|Photo illustration|Photography"
)
# "… summit. Photograph: Ukrinform/REX/Shutterstock"
_LABELLED = re.compile(
    rf"(?:^|(?<=[\s.!?”\"')]))(?P<credit>(?:{_LABELS})\s*(?:by)?\s*:\s*\S.*)$", re.IGNORECASE
)
# "… in Kyiv. (AP Photo/Efrem Lukatsky)", "(Photo by Jane Doe/Getty Images)"
_PAREN = re.compile(
    rf"\s*(?P<credit>\((?:[A-Z]{{2,}}\s+)?(?:{_LABELS})\b[^()]*\)|\([^()]*(?:Getty Images|Shutterstock|"
    rf"Reuters|AFP|Alamy|EPA|PA Images|AAP|Bloomberg)[^()]*\))\s*$",
    re.IGNORECASE,
)
# "… summit. © Jane Doe" and "… summit. Getty Images" style tails
_COPYRIGHT = re.compile(r"\s*(?P<credit>(?:©|\(c\)|Copyright)\s*\S.*)$", re.IGNORECASE)
_AGENCY_TAIL = re.compile(
    r"(?<=[.!?”\"])\s+(?P<credit>(?:[A-Z][\w.&'-]*\s?){0,3}(?:/\s?)?(?:Getty Images|Shutterstock|"
    r"AFP via Getty Images|Reuters|Alamy|EPA-EFE|PA Wire|AP|AFP))\s*$"
)


def split_caption_credit(text: str) -> tuple[str, str]:
    """(caption, credit) of one caption line; credit is "" when none is marked."""
    clean = " ".join(text.split())
    for pattern in (_LABELLED, _PAREN, _COPYRIGHT, _AGENCY_TAIL):
        match = pattern.search(clean)
        if match:
            credit = match.group("credit").strip()
            caption = clean[: match.start("credit")].strip()
            if credit.startswith("(") and credit.endswith(")"):
                credit = credit[1:-1].strip()
            return caption, credit
    return clean, ""


def is_credit_only(text: str) -> bool:
    """True when a line is nothing but a credit (a caption line split off from its photo)."""
    caption, credit = split_caption_credit(text)
    return bool(credit) and not caption


def make_image(
    url: str,
    caption: str = "",
    credit: str = "",
    alt: str = "",
    width: int | None = None,
    height: int | None = None,
) -> Image:
    """An Image whose caption is split from its credit when the publisher ran them together."""
    if caption and not credit:
        caption, credit = split_caption_credit(caption)
    return Image(url=url, caption=caption, credit=credit, alt=alt, width=width, height=height)
