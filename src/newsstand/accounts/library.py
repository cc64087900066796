"""What a reader does with articles: reading (through the paywall), saving, history,
follows; editors' picks; and the monthly reading report for publisher payment."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from newsstand.accounts._base import ServiceBase
from newsstand.accounts.paywall import decide_access
from newsstand.errors import InvalidDataError, NotFoundError, PermissionDeniedError
from newsstand.model import Access, Article, ArticleAt, Pick, Publisher, Reader, ReportRow

# A reload or a second tab within this time is the same read, not another one to pay for.
SAME_READ_WINDOW = timedelta(minutes=30)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a month given as "YYYY-MM", in UTC. Raises InvalidDataError."""
    try:
        start = datetime.strptime(month.strip(), "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidDataError(f"month must look like 2026-11, got {month!r}") from exc
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def report_csv(rows: list[ReportRow]) -> str:
    """The report as CSV text with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["publisher_id", "publisher", "reads", "unique_readers"])
    for row in rows:
        writer.writerow([row.publisher_id, _csv_safe(row.publisher_name), row.reads, row.unique_readers])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets; publisher
    # names come from catalog files we do not fully control.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


class LibraryMixin(ServiceBase):
    # --- reading through the paywall ------------------------------------------------------

    def read_article(
        self, reader: Reader | None, article: Article, publisher: Publisher | None = None
    ) -> Access:
        """Decide access and, for a full read, record history and the payment record."""
        if article.id is None:
            raise InvalidDataError("only stored articles can be read")
        pub = publisher or self.store.get_publisher(article.publisher_id)
        membership = None if reader is None else self.store.get_membership(reader.id)
        now = self.now()
        access = decide_access(reader, membership, article, pub, now, self.settings.preview_paragraphs)
        if reader is not None and access.full:
            self.store.add_history(reader.id, article.id, now)
            if access.counts_for_payment:
                last = self.store.last_read(reader.id, article.id)
                if last is None or now - last >= SAME_READ_WINDOW:
                    self.store.add_read(reader.id, article.id, pub.id, now)
        return access

    # --- saved articles, history, follows --------------------------------------------------

    def save(self, reader_id: int, article_id: int) -> None:
        """Save an article (again: no change). Raises NotFoundError for an unknown article."""
        self.store.get_article(article_id)
        self.store.save_article(reader_id, article_id, self.now())

    def unsave(self, reader_id: int, article_id: int) -> None:
        self.store.unsave_article(reader_id, article_id)

    def is_saved(self, reader_id: int, article_id: int) -> bool:
        return self.store.is_saved(reader_id, article_id)

    def saved(self, reader_id: int, limit: int = 50) -> list[ArticleAt]:
        """Saved articles, most recently saved first."""
        return self._with_articles(self.store.saved_articles(reader_id, limit))

    def history(self, reader_id: int, limit: int = 50) -> list[ArticleAt]:
        """Articles the reader read in full, most recent first, each once."""
        return self._with_articles(self.store.reading_history(reader_id, limit))

    def _with_articles(self, rows: list[tuple[int, datetime]]) -> list[ArticleAt]:
        items = []
        for article_id, at in rows:
            try:
                items.append(ArticleAt(self.store.get_article(article_id), at))
            except NotFoundError:
                continue  # deleted between the two queries
        return items

    def follow_publisher(self, reader_id: int, publisher_id: str) -> None:
        """Raises NotFoundError for an unknown publisher."""
        self.store.get_publisher(publisher_id)
        self.store.follow(reader_id, "publisher", publisher_id)

    def unfollow_publisher(self, reader_id: int, publisher_id: str) -> None:
        self.store.unfollow(reader_id, "publisher", publisher_id)

    def follow_section(self, reader_id: int, section: str) -> None:
        name = section.strip()
        if not name or len(name) > 200:
            raise InvalidDataError("a section name is 1 to 200 characters")
        self.store.follow(reader_id, "section", name)

    def unfollow_section(self, reader_id: int, section: str) -> None:
        self.store.unfollow(reader_id, "section", section.strip())

    # --- our picks -------------------------------------------------------------------------

    def pick(
        self, editor: Reader, *, article_id: int | None = None, story_id: int | None = None, note: str = ""
    ) -> Pick:
        """Pick an article or a story; picking it again renews it with the new note.

        Raises PermissionDeniedError for readers, InvalidDataError unless exactly one
        of article_id and story_id is given, NotFoundError for an unknown article.
        """
        self._require_editor(editor)
        if (article_id is None) == (story_id is None):
            raise InvalidDataError("pick either an article or a story")
        if article_id is not None:
            self.store.get_article(article_id)
        return self.store.put_pick(article_id, story_id, note.strip()[:500], editor.id, self.now())

    def unpick(self, editor: Reader, pick_id: int) -> None:
        """Raises PermissionDeniedError and NotFoundError."""
        self._require_editor(editor)
        self.store.remove_pick(pick_id)

    def list_picks(self, limit: int = 10) -> list[Pick]:
        return self.store.list_picks(limit)

    @staticmethod
    def _require_editor(actor: Reader) -> None:
        if not actor.is_editor:
            raise PermissionDeniedError("Only editors can change Our picks.")

    # --- reading report --------------------------------------------------------------------

    def reading_report(self, month: str) -> list[ReportRow]:
        """Full reads per publisher in a month (UTC), most read first."""
        start, end = month_bounds(month)
        names = {p.id: p.name for p in self.store.list_publishers()}
        rows = [
            ReportRow(pid, names.get(pid, pid), reads, unique)
            for pid, reads, unique in self.store.reading_counts(start, end)
        ]
        return sorted(rows, key=lambda r: (-r.reads, r.publisher_id))

    report_csv = staticmethod(report_csv)
