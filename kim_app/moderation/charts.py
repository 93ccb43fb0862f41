"""Bar charts as plain SVG, drawn on the server: no chart library, no script, nothing for a 2G connection to fetch.

The markup is inline in the page, so it obeys the CSP by having nothing to obey it for: presentation attributes
(`fill`), no `style`, no `<script>`, no event handlers. Every text is escaped here (the one Markup() below wraps
only escaped text), and the chart names itself with <title> and <desc> for screen readers; the same numbers are
always in a table beside it.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from kim_app.xmltext import xml_text

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 34, 34
AXIS = "#4a5550"
GRID = "#d5ddd9"


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: Sequence[float | None]


def _text(value: object) -> str:
    return str(escape(xml_text(value)))


def _number(value: float) -> str:
    return f"{value:.1f}".replace(".", ",").removesuffix(",0")


def _nice_ceiling(value: float) -> float:
    """A round top for the axis: 1, 2, 2.5 or 5 times a power of ten, at least the largest value."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def bar_chart(
    chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series], unit: str
) -> Markup:
    """Grouped bars: one group per label, one bar per series. Missing values (None) draw no bar."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_ceiling(max((v for s in series for v in s.values if v is not None), default=0))
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    label_every = max(1, math.ceil(len(labels) / 12))  # at most a dozen labels under the axis, so none overlap
    ids = f"{_text(chart_id)}-title {_text(chart_id)}-desc"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{ids}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_text(chart_id)}-title">{_text(title)}</title>',
        f'<desc id="{_text(chart_id)}-desc">{_text(desc)}</desc>',
    ]
    for step in range(5):
        value = top * step / 4
        y = TOP + plot_h - plot_h * step / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{AXIS}">'
            f"{_number(value)}</text>"
        )
    for i, label in enumerate(labels):
        x0 = LEFT + group_w * i + group_w * 0.1
        for j, one in enumerate(series):
            value = one.values[i]
            if value is None:
                continue
            h = plot_h * value / top
            x, y = x0 + bar_w * j, TOP + plot_h - h
            tooltip = f"{label}: {_number(value)} {unit} {one.name}".replace("  ", " ")
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" fill="{one.color}">'
                f"<title>{_text(tooltip)}</title></rect>"
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{LEFT + group_w * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="11" fill="{AXIS}">{_text(label)}</text>'
            )
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="{AXIS}"/>')
    x = LEFT
    for one in series:  # the legend, above the plot
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{one.color}"/>')
        parts.append(f'<text x="{x + 16}" y="18" font-size="12" fill="{AXIS}">{_text(one.name)}</text>')
        x += 24 + 7 * len(one.name)
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704
