"""Small feed documents written for the tests (no third-party text)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

BASE_TIME = datetime(2025, 6, 3, 9, 0, tzinfo=UTC)


def rss_item(
    n: int,
    *,
    base: str = "https://news.example.org",
    title: str | None = None,
    body: str | None = None,
    link: str | None = None,
    guid: str | None = None,
) -> str:
    when = format_datetime(BASE_TIME - timedelta(hours=n))
    return f"""<item>
  <title>{title or f"Story number {n}"}</title>
  <link>{link or f"{base}/story/{n}"}</link>
  <guid isPermaLink="false">{guid or f"story-{n}"}</guid>
  <pubDate>{when}</pubDate>
  <dc:creator>Ada Writer and Ben Reporter</dc:creator>
  <category>World</category>
  <description>Teaser for story {n}.</description>
  <content:encoded><![CDATA[{body or _body(n)}]]></content:encoded>
  <media:content url="{base}/img/{n}.jpg" medium="image">
    <media:description>Picture {n}</media:description><media:credit>Photo: Staff</media:credit>
  </media:content>
</item>"""


def _body(n: int) -> str:
    return f"<p>Full body of story {n}.</p><script>alert(1)</script><p>Second paragraph.</p>"


def rss(items: Sequence[str], title: str = "Example News") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>{title}</title><link>https://news.example.org/</link><language>en-gb</language>
{"".join(items)}
</channel></rss>""".encode()


def atom(entries: int = 2, base: str = "https://blog.example.net") -> bytes:
    parts = []
    for n in range(entries):
        parts.append(f"""<entry><id>tag:example.net,2025:{n}</id>
<title type="html">Post &lt;b&gt;{n}&lt;/b&gt;</title>
<link rel="alternate" href="/posts/{n}"/><updated>2025-06-0{n + 1}T10:00:00+02:00</updated>
<author><name>Cleo Author</name></author><summary>Summary {n}</summary>
<content type="html">&lt;p&gt;Body {n} with &lt;a href="/rel"&gt;a link&lt;/a&gt;&lt;/p&gt;</content>
</entry>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}/"><title>Example Blog</title>
<link href="{base}/"/><updated>2025-06-03T10:00:00Z</updated>{"".join(parts)}</feed>""".encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<rss version="2.0"><channel><title>&f;</title><item><title>&f;</title><link>https://x.example/1</link></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title><link>https://x.example/1</link></item></channel></rss>"""


def xxe_utf16() -> bytes:
    return (
        XXE.decode()
        .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>')
        .encode("utf-16")
    )
