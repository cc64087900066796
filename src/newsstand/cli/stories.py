"""`newsstand stories`: group articles into stories, list and show them."""

from __future__ import annotations

import time
from typing import Any

import click
from rich.table import Table

from newsstand.cli._common import STORED_ID, cli_services, console, echo_json
from newsstand.model import Article, Story


def register(main: click.Group) -> None:
    main.add_command(stories)


def _story_json(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "title": story.title,
        "first_seen": story.first_seen.isoformat(),
        "last_updated": story.last_updated.isoformat(),
        "lead_article_id": story.lead_article_id,
        "article_ids": list(story.article_ids),
        "publisher_ids": list(story.publisher_ids),
    }


def _article_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "publisher_id": article.publisher_id,
        "title": article.title,
        "url": article.url,
        "published": article.published.isoformat(),
    }


@click.group()
def stories() -> None:
    """Stories: the same news event as reported by several publishers."""


@stories.command()
@click.pass_context
def update(ctx: click.Context) -> None:
    """Put every article that has no story yet into one."""
    with cli_services(ctx) as services:
        started = time.perf_counter()
        count = services.stories.update()
    click.echo(f"{count} articles placed in stories in {time.perf_counter() - started:.2f} s")


@stories.command()
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Forget all stories and cluster every article again."""
    with cli_services(ctx) as services:
        started = time.perf_counter()
        count = services.stories.rebuild()
    click.echo(f"{count} articles placed in stories in {time.perf_counter() - started:.2f} s")


@stories.command(name="list")
@click.option("--top", is_flag=True, help="Top stories: covered by several publishers, ranked.")
@click.option("--hours", default=24.0, show_default=True, help="With --top: look back this many hours.")
@click.option("--limit", default=20, show_default=True, help="How many stories to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_(ctx: click.Context, top: bool, hours: float, limit: int, as_json: bool) -> None:
    """List the most recently updated stories, or the top stories."""
    with cli_services(ctx) as services:
        found = services.stories.top(limit, hours) if top else services.stories.recent(limit)
    if as_json:
        echo_json([_story_json(s) for s in found])
        return
    table = Table(title="Top stories" if top else "Recent stories")
    for column in ("id", "title", "publishers", "articles", "last updated"):
        table.add_column(column, overflow="fold")
    for s in found:
        table.add_row(
            str(s.id),
            s.title,
            str(len(s.publisher_ids)),
            str(len(s.article_ids)),
            s.last_updated.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@stories.command()
@click.argument("story_id", type=STORED_ID)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def show(ctx: click.Context, story_id: int, as_json: bool) -> None:
    """Show one story and its articles, newest first."""
    with cli_services(ctx) as services:
        story, articles = services.stories.story(story_id)
    if as_json:
        echo_json({**_story_json(story), "articles": [_article_json(a) for a in articles]})
        return
    console.print(f"[bold]{story.title}[/bold]  (story {story.id})")
    console.print(
        f"{len(articles)} articles from {len(story.publisher_ids)} publishers, "
        f"{story.first_seen:%Y-%m-%d %H:%M} to {story.last_updated:%Y-%m-%d %H:%M} UTC"
    )
    table = Table(caption="* the story's lead article")
    for column in ("id", "published", "publisher", "title"):
        table.add_column(column, overflow="fold")
    for a in articles:
        lead = " *" if a.id == story.lead_article_id else ""
        table.add_row(str(a.id), f"{a.published:%Y-%m-%d %H:%M}", a.publisher_id, a.title + lead)
    console.print(table)
