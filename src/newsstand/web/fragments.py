"""Parts of pages every reader shares, rendered once per cache period.

A signed-in reader's page cannot come from the page cache (it carries their name, their
For you, their CSRF token), but most of it is the same for everyone: the front page's
Top stories, picks and lists, an article's body and what goes around it. Those parts are
macros in templates of their own, rendered into Markup once and kept in the services'
shared cache beside the data they show (cleared with it), so a member's page renders only
what is personal.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from newsstand.app.cache import SharedCache, remember
from newsstand.app.interests import Panel
from newsstand.web.context import WebContext, page_values, reader_of, render, web
from newsstand.web.security import request_csrf_token
from newsstand.web.timefmt import current_zone


def shared_markup(
    ctx: WebContext, key: str, template: str, macro: str, *args: Any, cache: SharedCache | None = None
) -> Markup:
    """The macro ``macro`` of ``template`` rendered with ``args``, cached under ``key`` for the
    zone times are shown in (readers in one zone share it): in the services' shared cache, or
    in ``cache`` for parts kept longer."""

    return remember(
        cache or ctx.services.cache,
        f"html:{key}:{current_zone()}",
        lambda: render_macro(ctx, template, macro, *args),
    )


def render_macro(ctx: WebContext, template: str, macro: str, *args: Any) -> Markup:
    """The macro ``macro`` of ``template`` rendered with ``args`` (not cached)."""
    module = ctx.templates.env.get_template(template).module
    return Markup(getattr(module, macro)(*args))  # noqa: S704 - the template escapes what it renders


# Holes in a page rendered once for many readers, filled per request with what is theirs alone.
# A per-process random tag: no publisher's text, nor a reader's input, can carry it.
_TAG = secrets.token_hex(12)
CSRF_HOLE = f"csrf-{_TAG}"
PANEL_HOLE = Markup(f"<!--panel-{_TAG}-->")  # noqa: S704 - made here, no outside text


@dataclass(frozen=True, slots=True)
class SharedReader:
    """What of a signed-in reader the page furniture shows (the Admin link, operators' notes):
    the page rendered for many readers is given this instead of any one of them, so nothing
    else of theirs can end up in it."""

    is_editor: bool
    is_admin: bool


def panel_markup(ctx: WebContext, panel: Panel | None, next_path: str, csrf: str) -> Markup:
    """The "Tune your For you" panel, rendered once for every reader whose panel is the same
    (most readers have trained nothing on a given article) and given this reader's token."""
    if panel is None:
        return Markup()

    def make() -> Markup:
        module = ctx.templates.env.get_template("_interests.html").module
        return Markup(module.panel(panel, CSRF_HOLE, next_path))  # type: ignore[attr-defined]  # noqa: S704

    shared = remember(ctx.services.reading.parts, f"panel:{next_path}:{current_zone()}:{panel!r}", make)
    return Markup(shared.replace(CSRF_HOLE, csrf))  # noqa: S704 - a token of url-safe characters


def render_shared(request: Request, template: str, values: dict[str, Any], key: str | None) -> HTMLResponse:
    """A signed-in reader's page, rendered once for every reader it looks the same to and kept
    a minute under ``key`` (which must name everything in ``values`` that can differ between
    them; the caller's values must hold nothing personal but ``panel``), with holes for their
    CSRF token and their panel. With no ``key`` (a page holding something of the reader's own,
    such as the paywall's offer), for an anonymous reader (whose pages the page cache keeps)
    and for a page that carries a message after a redirect, the page is rendered for its
    reader alone."""
    ctx = web(request)
    reader = reader_of(request)
    csrf = request_csrf_token(request, ctx.secret)
    panel = values.pop("panel", None)
    next_path = str(values.get("next", ""))
    if key is None or reader is None or "msg" in request.query_params:
        return render(request, template, {**values, "panel_html": panel_markup(ctx, panel, next_path, csrf)})
    stand_in = SharedReader(reader.is_editor, reader.is_admin)

    def make() -> str:
        shared = {**page_values(request, stand_in, CSRF_HOLE), **values, "panel_html": PANEL_HOLE}
        return ctx.templates.env.get_template(template).render({"request": request, **shared})

    page_key = f"page:{template}:{key}:{next_path}:{stand_in}:{current_zone()}"
    page: str = remember(ctx.reader_pages, page_key, make)
    html = page.replace(PANEL_HOLE, panel_markup(ctx, panel, next_path, CSRF_HOLE)).replace(CSRF_HOLE, csrf)
    return HTMLResponse(html, headers={"Cache-Control": "private, no-cache"})
