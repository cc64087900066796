"""Small publisher pages written for these tests (our own text, not copied from any site)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

_FURNITURE_TOP = """
<header class="site-header"><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li></ul></nav></header>
<div class="cookie-banner"><p>We use cookies to improve your experience on our site.</p>
<button>Accept all cookies</button></div>
"""
_FURNITURE_BOTTOM = """
<div class="share"><a href="https://share.example/fb">Share on Facebook</a><a href="#">Copy link</a></div>
<aside class="newsletter"><h3>Morning briefing</h3>
<p>Sign up for our free daily newsletter and get the headlines in your inbox every morning.</p>
<form><input type="email"><button>Sign up</button></form></aside>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Harbour dredging delayed again</a></li>
<li><a href="/b">New ferry timetable announced</a></li></ul></aside>
<footer><p>© Example Gazette 2025. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
"""


def article_page(
    *,
    headline: str = "Harbour town votes to rebuild its old lighthouse",
    canonical: str = "",
    script: bool = True,
) -> str:
    """An ordinary news article with JSON-LD, OpenGraph, furniture, a captioned photo and a quote."""
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline,
        "description": "Residents back a plan to restore the 19th-century tower after a long campaign.",
        "datePublished": "2025-03-01T09:30:00+01:00",
        "dateModified": "2025-03-01T12:05:00+01:00",
        "author": [{"@type": "Person", "name": "Mara Example"}, {"@type": "Person", "name": "Tom Sample"}],
        "articleSection": "Local",
        "inLanguage": "en-GB",
        "keywords": "lighthouses, heritage, local politics",
        "image": ["https://img.example.org/lighthouse.jpg"],
        "publisher": {"@type": "Organization", "name": "Example Gazette"},
    }
    canonical = canonical or "https://news.example.org/local/2025/mar/01/lighthouse-vote"
    evil = '<script>alert("x")</script>' if script else ""
    return f"""<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<title>{headline} | Example Gazette</title>
<link rel="canonical" href="{canonical}">
<meta property="og:site_name" content="Example Gazette">
<meta property="og:title" content="{headline}">
<meta property="og:image" content="https://img.example.org/lighthouse.jpg">
<script type="application/ld+json">{json.dumps(ld)}</script>
</head><body>{_FURNITURE_TOP}
<main><article>
<h1>{headline}</h1>
<p class="byline">By Mara Example and Tom Sample</p>
<figure><img src="https://img.example.org/lighthouse.jpg" alt="The lighthouse at dusk">
<figcaption>The lighthouse at dusk, seen from the pier.
Photograph: Jo Lens/Example Agency</figcaption></figure>
<p>Residents of the harbour town voted on Saturday to restore the old lighthouse, ending a campaign that began
more than a decade ago when the tower was closed to visitors because of falling masonry.</p>
<p>The council said the work would start in the spring and take about two years. The
<a href="/local/lighthouse-history">history of the tower</a> goes back to 1868, when it guided fishing boats
into the narrow harbour mouth during winter storms.</p>
<h2>A long campaign</h2>
<p>Campaigners collected signatures at the weekly market for three summers running, and held concerts on the
beach to raise money for a structural survey that the council had said it could not afford.{evil}</p>
<blockquote><p>We never doubted that people here cared about the tower. Today they proved it.</p></blockquote>
<p>The plan includes:</p>
<ul><li>new stone for the upper gallery</li><li>a small museum in the keeper's cottage</li>
<li>a path that can be used by wheelchairs</li></ul>
<p>Not everyone was pleased. A group of shop owners said the scaffolding would keep visitors away from the
seafront during the busiest months, and asked the council to pause the work every August.</p>
<p>The council leader said the timetable would be reviewed once the builders had been chosen, and that the
seafront would stay open throughout.</p>
</article></main>{_FURNITURE_BOTTOM}</body></html>"""


@dataclass(frozen=True)
class Block:
    block_id: str
    posted: str
    title: str
    paragraphs: Sequence[str]
    updated: str = ""
    css: str = ""


def live_page(blocks: Sequence[Block], *, headline: str = "Storm crosses the coast – live") -> str:
    """A live blog whose blocks carry ids and times in the HTML, newest first, no JSON-LD updates."""
    rendered = []
    for b in blocks:
        paras = "".join(f"<p>{p}</p>" for p in b.paragraphs)
        updated = f'<footer><time datetime="{b.updated}">Updated</time></footer>' if b.updated else ""
        rendered.append(
            f'<article id="block-{b.block_id}" class="block {b.css}"><header>'
            f'<time datetime="{b.posted}">{b.posted[11:16]}</time></header>'
            f"{f'<h2>{b.title}</h2>' if b.title else ''}{paras}{updated}</article>"
        )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{headline}</title>
<link rel="canonical" href="https://news.example.org/weather/live/storm">
<meta property="og:site_name" content="Example Gazette">
<meta property="article:published_time" content="2025-03-02T06:00:00Z">
<meta name="author" content="Ann Writer">
</head><body>{_FURNITURE_TOP}<main><h1>{headline}</h1>
<p class="standfirst">Follow the storm as it moves along the coast.</p>
<div class="blocks">{"".join(rendered)}</div></main>{_FURNITURE_BOTTOM}</body></html>"""
