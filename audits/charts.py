"""SVG charts for both the web pages and the PDF reports (one code path).

Charts are small hand-written SVG: deterministic (no random ids, so PDFs are reproducible),
named fonts, and every chart carries a title and description; the page beside it always has a
table with the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from . import scoring
from .factors import FACTOR_ORDER, Factor

FONT = "DejaVu Sans, sans-serif"
CURRENT = "#1d4f6e"
PREVIOUS = "#b35c00"
GRID = "#c9d1d9"
TEXT = "#212529"

#: Band colours (background, text) with WCAG AA contrast, shared by heatmaps on web and PDF.
BAND_COLOURS = {
    "barrier": ("#b02a37", "#ffffff"),
    "weakness": ("#f0c36d", "#212529"),
    "adequate": ("#9ec5e8", "#212529"),
    "strength": ("#2f7d4f", "#ffffff"),
    "strength_barrier": ("#f5d0d3", "#212529"),  # a strong score with a question rated 1
    "strength_unverified": ("#cfe8d7", "#212529"),  # a strong score on weak or no evidence
    None: ("#eeeeee", "#212529"),
}


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Series:
    label: str
    scores: Mapping[str, float | None]  # factor -> 0..100 or None
    provisional: frozenset[str] = frozenset()  # factors whose band is provisional

    @classmethod
    def of(cls, label: str, profiles: Iterable[scoring.FactorProfile]) -> Series:
        """A series from factor profiles: their scores, and which are provisional."""
        profiles = list(profiles)
        return cls(label, {p.factor: p.score for p in profiles}, frozenset(p.factor for p in profiles if p.provisional))


@dataclass(frozen=True)
class LineStyle:
    colour: str
    dash: str
    marker: str  # square, triangle, diamond, cross


#: Lines for further series on a radar: distinguishable by dash and point shape as well as colour.
OTHER_STYLES: tuple[LineStyle, ...] = (
    LineStyle("#7a1f5c", "6 3", "square"),
    LineStyle("#0b6e4f", "1 3", "triangle"),
    LineStyle("#6b4e00", "8 3 2 3", "diamond"),
    LineStyle("#3f3f9a", "3 3", "cross"),
    LineStyle("#8a4b00", "10 2", "circle"),
    LineStyle("#2b2b2b", "2 2 6 2", "square"),
)


def marker(shape: str, x: float, y: float, colour: str, r: float = 4) -> str:
    """A point of a series, drawn as ``shape`` (circle, square, triangle, diamond, cross)."""
    if shape == "square":
        return (
            f'<rect x="{_fmt(x - r)}" y="{_fmt(y - r)}" width="{_fmt(2 * r)}" height="{_fmt(2 * r)}" '
            f'fill="#ffffff" stroke="{colour}" stroke-width="1.5"/>'
        )
    if shape in ("triangle", "diamond"):
        pts = (
            [(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)]
            if shape == "triangle"
            else [(x, y - r * 1.3), (x + r, y), (x, y + r * 1.3), (x - r, y)]
        )
        ring = " ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in pts)
        return f'<polygon points="{ring}" fill="{colour}" stroke="{colour}" stroke-width="1"/>'
    if shape == "cross":
        return (
            f'<path d="M{_fmt(x - r)},{_fmt(y - r)}L{_fmt(x + r)},{_fmt(y + r)}M{_fmt(x - r)},{_fmt(y + r)}'
            f'L{_fmt(x + r)},{_fmt(y - r)}" stroke="{colour}" stroke-width="2"/>'
        )
    return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(r)}" fill="{colour}"/>'


#: How a provisional factor's edges are drawn (the previous audit's whole shape is dashed longer).
PROVISIONAL_DASH = "2 3"


def radar(
    current: Series,
    previous: Series | None = None,
    *,
    size: int = 320,
    title: str = "CLEAR profile",
    id_prefix: str = "radar",
    others: Sequence[Series] = (),
) -> SafeString:
    """A five-axis radar chart of factor scores (0–100), the previous audit drawn behind.

    ``others`` are further views of the same audit (other perspectives), each an unfilled line
    told apart without colour: its own dash pattern and point shape (OTHER_STYLES), named in
    the legend. At most len(OTHER_STYLES) are drawn; the caller says so when it has more.

    A factor without a score is a gap in the shape, labelled "no score": never drawn at zero.
    The shape is filled only when every factor has a score; otherwise only the edges between
    two scored neighbours are drawn, and a scored factor between two gaps is a lone point.
    A provisional factor is a hollow point with dotted edges."""
    centre = size / 2
    radius = size * 0.30
    n = len(FACTOR_ORDER)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * value / 100
        return centre + r * math.cos(angle), centre + r * math.sin(angle)

    def shape(series: Series, colour: str, opacity: str, dash: str = "", filled: bool = True) -> str:
        scores = [series.scores.get(f) for f in FACTOR_ORDER]
        drawn = []
        if filled and all(v is not None for v in scores):
            pts = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in (point(i, v) for i, v in enumerate(scores)))
            drawn.append(f'<polygon points="{pts}" fill="{colour}" fill-opacity="{opacity}" stroke="none"/>')
        for i, factor in enumerate(FACTOR_ORDER):
            j = (i + 1) % n
            if scores[i] is None or scores[j] is None:
                continue  # a gap: no edge to or from a factor without a score
            (x1, y1), (x2, y2) = point(i, scores[i]), point(j, scores[j])
            provisional = {factor, FACTOR_ORDER[j]} & series.provisional
            pattern = dash or (PROVISIONAL_DASH if provisional else "")
            dash_attr = f' stroke-dasharray="{pattern}"' if pattern else ""
            drawn.append(
                f'<line x1="{_fmt(x1)}" y1="{_fmt(y1)}" x2="{_fmt(x2)}" y2="{_fmt(y2)}" stroke="{colour}" '
                f'stroke-width="2"{dash_attr}/>'
            )
        return "".join(drawn)

    parts = []
    for level in (25, 50, 75, 100):
        ring = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in (point(i, level) for i in range(n)))
        parts.append(f'<polygon points="{ring}" fill="none" stroke="{GRID}" stroke-width="1"/>')
    for i in range(n):
        x, y = point(i, 100)
        parts.append(f'<line x1="{_fmt(centre)}" y1="{_fmt(centre)}" x2="{_fmt(x)}" y2="{_fmt(y)}" stroke="{GRID}"/>')
    for level in (50, 100):
        x, y = point(0, level)
        parts.append(
            f'<text x="{_fmt(x + 4)}" y="{_fmt(y + 4)}" font-size="9" fill="#5c636a" font-family="{FONT}">{level}</text>'
        )
    if previous is not None:
        parts.append(shape(previous, PREVIOUS, "0.08", "5 3"))
    parts.append(shape(current, CURRENT, "0.22"))
    styled = list(zip(others, OTHER_STYLES, strict=False))
    for series, style in styled:
        parts.append(shape(series, style.colour, "0", style.dash, filled=False))
        for i, factor in enumerate(FACTOR_ORDER):
            if (value := series.scores.get(factor)) is not None:
                parts.append(marker(style.marker, *point(i, value), style.colour))
    for i, factor in enumerate(FACTOR_ORDER):
        value = current.scores.get(factor)
        provisional = factor in current.provisional
        if value is not None:
            x, y = point(i, value)
            fill = "#ffffff" if provisional else CURRENT
            parts.append(
                f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3.5" fill="{fill}" stroke="{CURRENT}" stroke-width="1.5"/>'
            )
        lx, ly = point(i, 128)
        anchor = "middle" if abs(lx - centre) < 10 else ("start" if lx > centre else "end")
        score = "no score" if value is None else f"{scoring.shown(value)}{' provisional' if provisional else ''}"
        parts.append(
            f'<text x="{_fmt(lx)}" y="{_fmt(ly)}" text-anchor="{anchor}" font-size="12" font-weight="bold" '
            f'fill="{TEXT}" font-family="{FONT}">{escape(Factor(factor).label)}</text>'
            f'<text x="{_fmt(lx)}" y="{_fmt(ly + 14)}" text-anchor="{anchor}" font-size="11" fill="{TEXT}" '
            f'font-family="{FONT}">{score}</text>'
        )
    legend_y = size - 10
    extra = 16 * len(styled)
    for k, (series, style) in enumerate(styled):
        y = size + 6 + 16 * k
        parts.append(
            f'<line x1="-8" y1="{y - 4}" x2="22" y2="{y - 4}" stroke="{style.colour}" stroke-width="2" '
            f'stroke-dasharray="{style.dash}"/>{marker(style.marker, 7, y - 4, style.colour, 3.5)}'
            f'<text x="28" y="{y}" font-size="10" fill="{TEXT}" font-family="{FONT}">{escape(series.label)}</text>'
        )
    if current.provisional & {f for f in FACTOR_ORDER if current.scores.get(f) is not None}:
        legend_y -= 14
        parts.append(
            f'<line x1="-8" y1="{legend_y + 10}" x2="4" y2="{legend_y + 10}" stroke="{CURRENT}" stroke-width="2" '
            f'stroke-dasharray="{PROVISIONAL_DASH}"/><circle cx="-2" cy="{legend_y + 10}" r="3" fill="#ffffff" '
            f'stroke="{CURRENT}"/><text x="8" y="{legend_y + 14}" font-size="10" fill="{TEXT}" font-family="{FONT}">'
            "dotted, hollow: provisional</text>"
        )
    legend = (
        f'<rect x="-8" y="{legend_y - 9}" width="12" height="10" fill="{CURRENT}" fill-opacity="0.5"/>'
        f'<text x="8" y="{legend_y}" font-size="10" fill="{TEXT}" font-family="{FONT}">{escape(current.label)}</text>'
    )
    if previous is not None:
        legend += (
            f'<rect x="{size / 2}" y="{legend_y - 9}" width="12" height="10" fill="none" stroke="{PREVIOUS}" '
            f'stroke-dasharray="3 2"/><text x="{size / 2 + 16}" y="{legend_y}" font-size="10" fill="{TEXT}" '
            f'font-family="{FONT}">{escape(previous.label)}</text>'
        )
    described = ", ".join(
        f"{Factor(f).label} "
        + ("no score" if current.scores.get(f) is None else str(scoring.shown(current.scores[f])))
        + (" (provisional)" if f in current.provisional and current.scores.get(f) is not None else "")
        for f in FACTOR_ORDER
    )
    for series, _ in styled:
        described += f". {series.label}: " + ", ".join(
            f"{Factor(f).label} "
            + ("no score" if series.scores.get(f) is None else str(scoring.shown(series.scores[f])))
            for f in FACTOR_ORDER
        )
    pad = round(size * 0.18)  # room for the labels left and right of the chart
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x} 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-labelledby="{p}-title {p}-desc" class="chart chart-radar">'
        '<title id="{p}-title">{title}</title><desc id="{p}-desc">{desc}</desc>{body}</svg>',
        p=id_prefix,
        x=-pad,
        w=size + 2 * pad,
        h=size + extra,
        title=title,
        desc=f"Scores out of 100: {described}.",
        body=mark_safe("".join([*parts, legend])),
    )


def band_colours(band_key: str | None) -> tuple[str, str]:
    return BAND_COLOURS.get(band_key, BAND_COLOURS[None])


#: One colour per factor for line charts, distinguishable and dark enough on white.
FACTOR_COLOURS = {
    "can_do": "#1d4f6e",
    "like_to": "#b35c00",
    "enabled_to": "#2f7d4f",
    "asked_to": "#7a3e9d",
    "responded_to": "#b02a37",
}
FACTOR_DASHES = {"can_do": "", "like_to": "6 3", "enabled_to": "2 3", "asked_to": "8 3 2 3", "responded_to": "4 4"}


def trend(
    periods: list[str],
    scores: Mapping[str, Mapping[str, float | None]],
    *,
    width: int = 640,
    height: int = 270,
    title: str = "Factor scores over time",
    id_prefix: str = "trend",
    notes: Mapping[str, str] | None = None,
    changes: Iterable[str] = (),
) -> SafeString:
    """Each factor's score (0–100) across periods: one line per factor, gaps where no score,
    and every point drawn (a point between two gaps stays visible).

    ``scores`` maps factor -> period -> score. Lines differ by colour and by dash pattern.
    ``notes`` prints a line under a period's label (e.g. "3 audits"); ``changes`` lists the
    periods whose points rest on a different basis than the point before: a dotted rule marks
    each and the description says so. The chart scales to the width of its container."""
    notes = notes or {}
    changes = [p for p in changes if p in periods]
    left, right, top, bottom = 34, 150, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(periods) - 1)

    def xy(i: int, value: float) -> tuple[float, float]:
        return left + i * step, top + plot_h * (1 - value / 100)

    parts = []
    for level in (0, 25, 50, 75, 100):
        _, y = xy(0, level)
        parts.append(
            f'<line x1="{left}" y1="{_fmt(y)}" x2="{left + plot_w}" y2="{_fmt(y)}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{_fmt(y + 3)}" text-anchor="end" font-size="9" fill="#5c636a" '
            f'font-family="{FONT}">{level}</text>'
        )
    every = max(1, len(periods) // 8)
    for i, period in enumerate(periods):
        if i % every == 0 or i == len(periods) - 1:
            x, _ = xy(i, 0)
            parts.append(
                f'<text x="{_fmt(x)}" y="{height - 22}" text-anchor="middle" font-size="9" fill="{TEXT}" '
                f'font-family="{FONT}">{escape(period)}</text>'
            )
            if period in notes:
                parts.append(
                    f'<text x="{_fmt(x)}" y="{height - 10}" text-anchor="middle" font-size="8" fill="#5c636a" '
                    f'font-family="{FONT}">{escape(notes[period])}</text>'
                )
    for period in changes:
        x, _ = xy(periods.index(period), 0)
        parts.append(
            f'<line x1="{_fmt(x)}" y1="{top}" x2="{_fmt(x)}" y2="{top + plot_h}" stroke="#5c636a" '
            f'stroke-dasharray="1 3"/><text x="{_fmt(x + 3)}" y="{top + 9}" font-size="8" fill="#5c636a" '
            f'font-family="{FONT}">basis changed</text>'
        )
    for n, factor in enumerate(FACTOR_ORDER):
        colour, dash = FACTOR_COLOURS[factor], FACTOR_DASHES[factor]
        points = [(i, scores.get(factor, {}).get(p)) for i, p in enumerate(periods)]
        segment: list[str] = []
        for i, value in [*points, (None, None)]:
            if value is None:
                if len(segment) > 1:
                    parts.append(
                        f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="2"'
                        + (f' stroke-dasharray="{dash}"' if dash else "")
                        + "/>"
                    )
                segment = []
                continue
            x, y = xy(i, value)
            segment.append(f"{_fmt(x)},{_fmt(y)}")
            parts.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="2.5" fill="{colour}"/>')
        ly = top + 14 + n * 18
        lx = left + plot_w + 14
        parts.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 22}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + f'/><text x="{lx + 28}" y="{ly}" font-size="11" fill="{TEXT}" font-family="{FONT}">'
            f"{escape(Factor(factor).label)}</text>"
        )
    changed = f" The basis changed in {', '.join(changes)}." if changes else ""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" style="min-width: {w1}px; max-width: {w2}px" role="img" '
        'aria-labelledby="{p}-title {p}-desc" class="chart chart-trend"><title id="{p}-title">{title}</title>'
        '<desc id="{p}-desc">{desc}</desc>{body}</svg>',
        w=width,
        w1=round(width * 0.85),  # narrower than this, the labels are too small: the page scrolls it
        w2=round(width * 1.5),
        h=height,
        p=id_prefix,
        title=title,
        desc=f"One line per factor across {len(periods)} periods; the table below gives every value.{changed}",
        body=mark_safe("".join(parts)),
    )
