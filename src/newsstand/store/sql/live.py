"""Live-blog entries: merging one fetch's view into what is stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newsstand.errors import NotFoundError
from newsstand.model import LiveEntry, LiveMergeResult, LiveMergeScope, utc, utcnow
from newsstand.store.sql import schema as t
from newsstand.store.sql.engine import SqlBase, among

L = t.live_entries

# Fields whose change makes a new revision of an entry.
_CONTENT = ("title", "body_html", "body_text", "updated", "key_event", "pinned", "summary",
            "marked_updated", "images")  # fmt: skip


def _values(e: LiveEntry) -> dict[str, Any]:
    return {
        "entry_id": e.entry_id,
        "posted": e.posted,
        "title": e.title,
        "body_html": e.body_html,
        "body_text": e.body_text,
        "updated": e.updated,
        "key_event": e.key_event,
        "pinned": e.pinned,
        "summary": e.summary,
        "marked_updated": e.marked_updated,
        "deleted": False,
        "revision": 1,
        "images": t.dump_images(e.images),
    }


def _entry(row: sa.Row[Any]) -> LiveEntry:
    return LiveEntry(
        article_id=row.article_id,
        entry_id=row.entry_id,
        posted=row.posted,
        title=row.title,
        body_html=row.body_html,
        body_text=row.body_text,
        updated=row.updated,
        key_event=bool(row.key_event),
        pinned=bool(row.pinned),
        summary=bool(row.summary),
        marked_updated=bool(row.marked_updated),
        deleted=bool(row.deleted),
        revision=row.revision,
        images=t.load_images(row.images),
    )


class LiveMixin(SqlBase):
    def merge_live_entries(
        self, article_id: int, entries: Sequence[LiveEntry], *, scope: LiveMergeScope = LiveMergeScope.WINDOW
    ) -> LiveMergeResult:
        """As the Protocol says. An entry that was marked deleted and comes back is
        restored and counted as updated. Raises NotFoundError for an unknown article."""
        added: list[str] = []
        updated: list[str] = []
        unchanged = 0
        with self._write() as conn:
            if conn.execute(sa.select(t.articles.c.id).where(t.articles.c.id == article_id)).first() is None:
                raise NotFoundError("article", article_id)
            stored = {r.entry_id: r for r in conn.execute(sa.select(L).where(L.c.article_id == article_id))}
            seen: set[str] = set()
            for entry in entries:
                if entry.entry_id in seen:
                    continue  # the same block twice on one page counts once
                seen.add(entry.entry_id)
                values = _values(entry)
                old = stored.get(entry.entry_id)
                if old is None:
                    conn.execute(L.insert().values(article_id=article_id, **values))
                    added.append(entry.entry_id)
                elif old.deleted or any(getattr(old, k) != values[k] for k in _CONTENT):
                    values.update(revision=old.revision + 1, posted=old.posted)
                    conn.execute(
                        L.update().where(L.c.article_id == article_id, L.c.entry_id == entry.entry_id)
                        .values(values)
                    )  # fmt: skip
                    updated.append(entry.entry_id)
                else:
                    unchanged += 1
            oldest = min((utc(e.posted) for e in entries), default=None)
            gone = [
                k
                for k, r in stored.items()
                if k not in seen and not r.deleted and scope.deletes(utc(r.posted), bool(r.pinned), oldest)
            ]
            if gone:
                # The change time tells open pages' event streams that these entries went.
                gone_rows = L.update().where(L.c.article_id == article_id, among(L.c.entry_id, gone))
                conn.execute(gone_rows.values(deleted=True, updated=utcnow(), revision=L.c.revision + 1))
        return LiveMergeResult(tuple(added), tuple(updated), tuple(gone), unchanged)

    def entries_of(self, article_ids: Sequence[int], limit: int) -> list[LiveEntry]:
        if not article_ids:
            return []
        stmt = (
            sa.select(L)
            .where(among(L.c.article_id, list(article_ids)), L.c.deleted.is_(False))
            .order_by(L.c.posted.desc(), L.c.entry_id)
            .limit(limit)
        )
        with self._read() as conn:
            return [_entry(r) for r in conn.execute(stmt)]

    def live_entries(
        self,
        article_id: int,
        *,
        since: datetime | None = None,
        key_events_only: bool = False,
        include_deleted: bool = False,
    ) -> list[LiveEntry]:
        stmt = sa.select(L).where(L.c.article_id == article_id)
        if since is not None:
            stmt = stmt.where(sa.or_(L.c.posted > since, L.c.updated > since))
        if key_events_only:
            stmt = stmt.where(L.c.key_event.is_(True))
        if not include_deleted:
            stmt = stmt.where(L.c.deleted.is_(False))
        stmt = stmt.order_by(L.c.posted.desc(), L.c.entry_id)
        with self._read() as conn:
            return [_entry(r) for r in conn.execute(stmt)]
