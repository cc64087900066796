"""Parts of pages every reader shares, rendered once per cache period.

A signed-in reader's page cannot come from the page cache (it carries their name, their
For you, their CSRF token), but most of it is the same for everyone: the front page's
Top stories, picks and lists, an article's body and what goes around it. Those parts are
macros in templates of their own, rendered into Markup once and kept in the services'
shared cache beside the data they show (cleared with it), so a member's page renders only
what is personal.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from newsstand.app.cache import SharedCache, remember
from newsstand.web.context import WebContext
from newsstand.web.timefmt import current_zone


def shared_markup(
    ctx: WebContext, key: str, template: str, macro: str, *args: Any, cache: SharedCache | None = None
) -> Markup:
    """The macro ``macro`` of ``template`` rendered with ``args``, cached under ``key`` for the
    zone times are shown in (readers in one zone share it): in the services' shared cache, or
    in ``cache`` for parts kept longer."""

    def make() -> Markup:
        module = ctx.templates.env.get_template(template).module
        return Markup(getattr(module, macro)(*args))  # noqa: S704 - the template escapes what it renders

    return remember(cache or ctx.services.cache, f"html:{key}:{current_zone()}", make)
