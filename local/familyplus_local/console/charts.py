"""Small server-rendered SVG charts for the metrics page (no JavaScript charting library to vendor)."""

from __future__ import annotations

from html import escape
from typing import Any


def day_bars(buckets: list[dict[str, Any]], *, width: int = 420, height: int = 120) -> str:
    """Executions per day as bars, the part that did not succeed in red on top."""
    top = max((b["total"] for b in buckets), default=0) or 1
    slot = width / max(len(buckets), 1)
    bar = max(slot - 4, 2)
    parts = [f'<svg class="chart" width="{width}" height="{height + 18}" viewBox="0 0 {width} {height + 18}">']
    for i, bucket in enumerate(buckets):
        x = i * slot + 2
        total_h = height * bucket["total"] / top
        failed_h = height * bucket["failed"] / top
        title = f"{bucket['day']}: {bucket['total']} executions, {bucket['failed']} failed"
        parts.append(
            f"<g><title>{escape(title)}</title>"
            f'<rect class="ok" x="{x:.1f}" y="{height - total_h:.1f}" width="{bar:.1f}" height="{total_h:.1f}"/>'
            f'<rect class="bad" x="{x:.1f}" y="{height - total_h:.1f}" width="{bar:.1f}" height="{failed_h:.1f}"/>'
            "</g>"
        )
    if buckets:
        parts.append(f'<text x="0" y="{height + 14}" class="axis">{escape(buckets[0]["day"])}</text>')
        parts.append(
            f'<text x="{width}" y="{height + 14}" class="axis" text-anchor="end">{escape(buckets[-1]["day"])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def hbars(rows: list[tuple[str, float, str]], *, maximum: float | None = None, width: int = 260) -> str:
    """Horizontal bars: (label, value, text shown at the bar's end)."""
    top = maximum if maximum else max((v for _, v, _ in rows), default=0) or 1
    line = 20
    label_w = 170
    height = line * len(rows) + 4
    parts = [f'<svg class="chart" width="{label_w + width + 90}" height="{height}">']
    for i, (label, value, text) in enumerate(rows):
        y = i * line + 2
        w = width * min(value / top, 1.0)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="axis">{escape(label)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{line - 6}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 13}" class="axis">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
