"""A tiny, safe-by-construction markup for the sample edition's texts.

Blocks are separated by blank lines. ``## `` starts a subheading, ``> `` a quote,
``- `` a bulleted list item; anything else is a paragraph. All text is
HTML-escaped, so the output only ever holds the handful of tags written here.
"""

from __future__ import annotations

from html import escape


def _block(lines: list[str]) -> str:
    first = lines[0]
    if first.startswith("## "):
        return f"<h2>{escape(' '.join(lines)[3:].strip())}</h2>"
    if all(line.startswith("- ") for line in lines):
        items = "".join(f"<li>{escape(line[2:].strip())}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    if first.startswith("> "):
        text = " ".join(line.removeprefix("> ").strip() for line in lines)
        return f"<blockquote><p>{escape(text)}</p></blockquote>"
    return f"<p>{escape(' '.join(line.strip() for line in lines))}</p>"


def render(text: str) -> str:
    """The HTML of ``text`` written in the markup above."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return "\n".join(_block(b) for b in blocks)
