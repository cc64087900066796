"""Follows, the trainer and the following page: forms that work without JavaScript.

``/follow`` follows or unfollows a publisher, section, story or topic; ``/follow/many`` takes
the onboarding's ticked boxes; ``/train`` likes, hides or forgets an author, publisher, topic
or title word; ``/account/following`` lists all of it with one-click undo, and the reader's own
folders of subscriptions (made in reader apps) with what is in each; ``/account/folders/remove``
removes one (what was in it stays followed).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.errors import BadRequestError
from newsstand.model import FOLLOWABLE, TRAINABLE, Facet
from newsstand.web.context import call, render, web
from newsstand.web.library import back_to
from newsstand.web.security import checked_form
from newsstand.web.sessions import require_reader

MAX_CHOICES = 40


def _facet(raw: object, allowed: frozenset[Facet]) -> Facet:
    try:
        facet = Facet(str(raw))
    except ValueError as exc:
        raise BadRequestError("unknown kind") from exc
    if facet not in allowed:
        raise BadRequestError("that cannot be done with this kind")
    return facet


async def follow(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    value, action = (str(form.get(k, "")).strip() for k in ("value", "action"))
    if not value or action not in ("follow", "unfollow"):
        raise BadRequestError("follow needs kind, value and action")
    facet = _facet(form.get("kind", ""), FOLLOWABLE)
    interests = ctx.services.interests
    await call(interests.follow if action == "follow" else interests.unfollow, reader.id, facet, value)
    return back_to(form.get("next"), "/", "followed" if action == "follow" else "unfollowed")


async def follow_many(request: Request) -> Response:
    """The onboarding: each ticked box is ``<kind>|<value>``."""
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    picked = [str(v) for v in form.getlist("pick")][:MAX_CHOICES]
    if not picked:
        return back_to(form.get("next"), "/", "nothing-picked")
    for raw in picked:
        kind, _, value = raw.partition("|")
        await call(ctx.services.interests.follow, reader.id, _facet(kind, FOLLOWABLE), value)
    return back_to(form.get("next"), "/", "followed")


async def train(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    value, action = (str(form.get(k, "")).strip() for k in ("value", "action"))
    facet = _facet(form.get("facet", ""), TRAINABLE)
    if not value or action not in ("like", "hide", "undo"):
        raise BadRequestError("train needs facet, value and action like, hide or undo")
    interests = ctx.services.interests
    if action == "undo":
        await call(interests.untrain, reader.id, facet, value)
        return back_to(form.get("next"), "/account/following", "untrained")
    await call(interests.train, reader.id, facet, value, action == "like")
    return back_to(form.get("next"), "/", "liked" if action == "like" else "hidden")


async def following_page(request: Request) -> Response:
    reader = require_reader(request)
    services = web(request).services
    following = await call(services.interests.following, reader)
    folders = await call(services.subscriptions.folder_contents, reader)
    return render(request, "following.html", {"v": following, "folders": folders, "next": request.url.path})


async def remove_folder(request: Request) -> Response:
    """Remove one of the reader's folders; its subscriptions stay followed."""
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    name = str(form.get("folder", "")).strip()
    if not name:
        raise BadRequestError("name the folder to remove")
    await call(ctx.services.subscriptions.delete_folder, reader, name)
    return back_to(form.get("next"), "/account/following", "folder-removed")


routes: list[BaseRoute] = [
    Route("/follow", follow, methods=["POST"], name="follow"),
    Route("/follow/many", follow_many, methods=["POST"], name="follow_many"),
    Route("/train", train, methods=["POST"], name="train"),
    Route("/account/following", following_page, name="following"),
    Route("/account/folders/remove", remove_folder, methods=["POST"], name="remove_folder"),
]
