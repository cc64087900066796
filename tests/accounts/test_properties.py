"""Property tests: hostile input never escapes the preview or breaks email parsing."""

from __future__ import annotations

import lxml.html
from hypothesis import given, settings
from hypothesis import strategies as st

from newsstand.accounts import preview_html
from newsstand.accounts.credentials import normalise_email
from newsstand.errors import InvalidFieldError

_TAGS = st.sampled_from(["p", "div", "script", "img", "a", "iframe", "style", "aside", "b", "svg"])
_ATTRS = st.sampled_from(["", ' onclick="x()"', ' href="javascript:x"', ' src="x" onerror="y"', ' class="k"'])
_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)


@st.composite
def html_soup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        tag, attrs, text = draw(_TAGS), draw(_ATTRS), draw(_TEXT)
        closed = draw(st.booleans())
        parts.append(f"<{tag}{attrs}>{text}" + (f"</{tag}>" if closed else ""))
    return "".join(parts)


@settings(max_examples=200, deadline=None)
@given(html_soup(), st.integers(0, 5))
def test_preview_never_carries_script_or_handlers(body: str, n: int) -> None:
    out = preview_html(body, n)
    if not out:
        return
    root = lxml.html.fragment_fromstring(out, create_parent="div")
    elements = list(root.iter())[1:]
    assert not {e.tag for e in elements} & {"script", "iframe", "style", "svg"}
    for element in elements:
        assert not any(name.startswith("on") for name in element.attrib), element.attrib
        assert not element.get("href", "").lower().startswith("javascript:")
    assert "</script" not in out.lower()
    # Malformed nesting may split a paragraph's shell, but never adds paragraphs of text.
    assert sum(1 for e in root if e.tag == "p" and (e.text or "").strip()) <= n


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_email_parsing_fails_only_with_a_field_error(raw: str) -> None:
    try:
        email = normalise_email(raw)
    except InvalidFieldError as exc:
        assert exc.field == "email"
    else:
        assert email == email.strip().lower() and email.count("@") == 1
        assert normalise_email(email) == email
