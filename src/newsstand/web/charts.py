"""Server-drawn SVG charts (no JavaScript library): pure functions from data to markup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from markupsafe import Markup

from newsstand.model import FetchRecord, utc


@dataclass(frozen=True, slots=True)
class Bucket:
    start: datetime
    ok: int
    failed: int


def is_success(record: FetchRecord) -> bool:
    """A fetch counts as good when the server answered below 400 without an error."""
    return record.status is not None and record.status < 400 and not record.error


def bucket_fetches(
    records: Sequence[FetchRecord], now: datetime, *, hours: int = 48, per_bucket_hours: int = 2
) -> list[Bucket]:
    """Count good and failed fetches in equal time buckets ending at ``now``, oldest first."""
    size = timedelta(hours=per_bucket_hours)
    count = max(1, hours // per_bucket_hours)
    first = utc(now) - size * count
    ok = [0] * count
    failed = [0] * count
    for record in records:
        offset = utc(record.at) - first
        index = min(int(offset / size), count - 1)  # a fetch exactly at ``now`` joins the last bucket
        if offset >= timedelta(0) and utc(record.at) <= utc(now):
            if is_success(record):
                ok[index] += 1
            else:
                failed[index] += 1
    return [Bucket(first + size * i, ok[i], failed[i]) for i in range(count)]


def fetch_chart(buckets: Sequence[Bucket], *, label: str, width: int = 240, height: int = 48) -> Markup:
    """Stacked bars (good below, failed on top) as inline SVG with a text summary for screen readers."""
    total_ok = sum(b.ok for b in buckets)
    total_failed = sum(b.failed for b in buckets)
    summary = f"{label}: {total_ok} good and {total_failed} failed fetches"
    peak = max((b.ok + b.failed for b in buckets), default=0) or 1
    bar_w = width / max(1, len(buckets))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(summary)}"><title>{escape(summary)}</title>'
        f'<line class="chart-axis" x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}"/>'
    ]
    for i, bucket in enumerate(buckets):
        x = i * bar_w + 1
        ok_h = (height - 2) * bucket.ok / peak
        bad_h = (height - 2) * bucket.failed / peak
        if ok_h:
            parts.append(_rect("chart-ok", x, height - 1 - ok_h, bar_w - 2, ok_h))
        if bad_h:
            parts.append(_rect("chart-bad", x, height - 1 - ok_h - bad_h, bar_w - 2, bad_h))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built only from numbers and escaped text


def _rect(cls: str, x: float, y: float, w: float, h: float) -> str:
    return f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 1):.1f}" height="{h:.1f}"/>'


def count_over_time(times: Sequence[datetime], *, buckets: int = 24) -> list[tuple[datetime, int]]:
    """How many of ``times`` fall in each of ``buckets`` equal slices from the first to the last
    (an hour at least), oldest first."""
    if not times:
        return []
    first, last = min(utc(t) for t in times), max(utc(t) for t in times)
    span = max(last - first, timedelta(hours=1))
    size = span / buckets
    counts = [0] * buckets
    for t in times:
        counts[min(int((utc(t) - first) / size), buckets - 1)] += 1
    return [(first + size * i, n) for i, n in enumerate(counts)]


def coverage_chart(times: Sequence[datetime], *, label: str, width: int = 480, height: int = 72) -> Markup:
    """Bars of articles published over a story's life, as inline SVG with a text summary."""
    counts = count_over_time(times)
    peak = max((n for _, n in counts), default=0) or 1
    summary = f"{label}: {len(times)} reports"
    if counts:
        summary += f" from {counts[0][0]:%d %b %H:%M} to {max(times):%d %b %H:%M} UTC"
    bar_w = width / max(1, len(counts))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(summary)}"><title>{escape(summary)}</title>'
        f'<line class="chart-axis" x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}"/>'
    ]
    for i, (_, n) in enumerate(counts):
        h = (height - 2) * n / peak
        if h:
            parts.append(_rect("chart-ok", i * bar_w + 1, height - 1 - h, bar_w - 2, h))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built only from numbers and escaped text


def bar_chart(
    bars: Sequence[tuple[str, int, str]], *, label: str, width: int = 560, bar_height: int = 22
) -> Markup:
    """Horizontal bars, one per (name, value, shown value), longest first as given, as inline
    SVG with a text summary for screen readers; names and shown values are escaped."""
    summary = f"{label}: " + "; ".join(f"{name} {shown}" for name, _, shown in bars) if bars else label
    peak = max((value for _, value, _ in bars), default=0) or 1
    name_w, value_w = width * 0.32, width * 0.18
    span = width - name_w - value_w
    height = max(1, len(bars)) * bar_height
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(summary)}"><title>{escape(summary)}</title>'
    ]
    for i, (name, value, shown) in enumerate(bars):
        y = i * bar_height
        w = span * max(value, 0) / peak
        parts.append(
            f'<text class="chart-label" x="{name_w - 6:.1f}" y="{y + bar_height * 0.68:.1f}" '
            f'text-anchor="end">{escape(name[:40])}</text>'
        )
        parts.append(_rect("chart-ok", name_w, y + 3, w, bar_height - 6))
        parts.append(
            f'<text class="chart-value" x="{name_w + w + 6:.1f}" y="{y + bar_height * 0.68:.1f}">'
            f"{escape(shown)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built only from numbers and escaped text
