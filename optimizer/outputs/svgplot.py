"""Small SVG charts for the HTML report: lines, stacked areas, bars, markers, legends.

Written by hand rather than with matplotlib so that report.html needs no plotting library, its
figures are text (searchable, printable at any size, styled by the page's CSS) and the same input
gives byte-identical SVG. Coordinates are data values mapped by a linear ``Scale``; a ``Chart``
collects SVG elements and ``render()`` returns one ``<svg>`` element with a ``<title>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import Sequence

__all__ = ["Chart", "Scale", "nice_ticks", "palette", "fmt"]

#: colour-blind-safe categorical palette (Okabe-Ito, then Tol's muted)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
           "#AA4499", "#DDDDDD")
POOL_COLOURS = {"tree": "#117733", "shrub": "#999933", "grass": "#DDCC77", "soil": "#8C564B",
                "erosion": "#CC6677", "works": "#555555", "imported": "#AA4499", "biochar": "#332288",
                "buffer": "#88CCEE"}


def palette(keys: Sequence[str]) -> dict[str, str]:
    """A colour per key (in the given order; cycles after 18)."""
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


def fmt(value: float, digits: int = 0) -> str:
    """Thousands-separated number ('-' for NaN)."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:,.{digits}f}"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi] (1, 2, 2.5, 5 x 10^k steps)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


@dataclass
class Scale:
    """Linear map of [lo, hi] onto [a, b] (pixels)."""

    lo: float
    hi: float
    a: float
    b: float

    def __call__(self, v: float) -> float:
        span = self.hi - self.lo or 1.0
        return self.a + (v - self.lo) / span * (self.b - self.a)


def _tick_label(v: float, step: float) -> str:
    """A tick value with as many decimals as the step needs (2.5 -> one, 0.25 -> two)."""
    digits = 0
    while digits < 4 and abs(step * 10 ** digits - round(step * 10 ** digits)) > 1e-9:
        digits += 1
    return fmt(v, digits)


@dataclass
class Chart:
    """An x-y chart: ``Chart(title, x_range, y_range)`` then add marks, then ``render()``."""

    title: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    x_label: str = ""
    y_label: str = ""
    width: int = 640
    height: int = 360
    margin: tuple[int, int, int, int] = (28, 150, 48, 72)  # top, right, bottom, left
    x_ticks: Sequence[float] | None = None
    css_class: str = "chart"
    x_years: bool = False  # x tick labels are calendar years (no thousands separator)
    parts: list[str] = field(default_factory=list)
    legend_items: list[tuple[str, str, str]] = field(default_factory=list)  # label, colour, kind

    def __post_init__(self) -> None:
        top, right, bottom, left = self.margin
        xt = list(self.x_ticks) if self.x_ticks is not None else nice_ticks(*self.x_range)
        yt = nice_ticks(*self.y_range)
        self._xt, self._yt = xt, yt
        x_lo, x_hi = (self.x_range if self.x_ticks is not None else (min(xt[0], self.x_range[0]), max(xt[-1], self.x_range[1])))
        self.x = Scale(x_lo, x_hi, left, self.width - right)
        self.y = Scale(yt[0], yt[-1], self.height - bottom, top)

    # -- marks ---------------------------------------------------------------------------------
    def line(self, xs: Sequence[float], ys: Sequence[float], colour: str, label: str = "", *,
             dash: str = "", width: float = 2.0, markers: bool = False) -> None:
        pts = " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in zip(xs, ys) if math.isfinite(b))
        style = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<polyline class="line" points="{pts}" fill="none" stroke="{colour}" '
                          f'stroke-width="{width}"{style}/>')
        if markers:
            for a, b in zip(xs, ys):
                self.parts.append(f'<circle cx="{self.x(a):.1f}" cy="{self.y(b):.1f}" r="3" fill="{colour}"/>')
        if label:
            self.legend_items.append((label, colour, "dash" if dash else "line"))

    def band(self, xs: Sequence[float], lower: Sequence[float], upper: Sequence[float], colour: str,
             label: str = "") -> None:
        """Filled area between two curves (a stacked-area layer)."""
        top = [f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in zip(xs, upper)]
        bottom = [f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in zip(reversed(xs), reversed(lower))]
        self.parts.append(f'<polygon class="band" points="{" ".join(top + bottom)}" fill="{colour}" '
                          'fill-opacity="0.85" stroke="none"/>')
        if label:
            self.legend_items.append((label, colour, "box"))

    def hbar(self, y_centre: float, x0: float, x1: float, colour: str, thickness: float) -> None:
        left, right = sorted((self.x(x0), self.x(x1)))
        self.parts.append(f'<rect x="{left:.1f}" y="{y_centre - thickness / 2:.1f}" width="{max(right - left, 0.5):.1f}" '
                          f'height="{thickness:.1f}" fill="{colour}"/>')

    def vbar(self, x_centre: float, y0: float, y1: float, colour: str, thickness: float, label: str = "") -> None:
        top, bottom = sorted((self.y(y0), self.y(y1)))
        self.parts.append(f'<rect x="{x_centre - thickness / 2:.1f}" y="{top:.1f}" width="{thickness:.1f}" '
                          f'height="{max(bottom - top, 0.5):.1f}" fill="{colour}"/>')
        if label and label not in [i[0] for i in self.legend_items]:
            self.legend_items.append((label, colour, "box"))

    def vline(self, x: float, colour: str, text: str = "", *, dash: str = "4 3") -> None:
        px = self.x(x)
        self.parts.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{self.y.b:.1f}" y2="{self.y.a:.1f}" '
                          f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/>')
        if text:
            self.parts.append(f'<text x="{px + 4:.1f}" y="{self.y.b + 12:.1f}" class="note" fill="{colour}">'
                              f'{escape(text)}</text>')

    def hline(self, y: float, colour: str = "#333", width: float = 1.0) -> None:
        py = self.y(y)
        self.parts.append(f'<line x1="{self.x.a:.1f}" x2="{self.x.b:.1f}" y1="{py:.1f}" y2="{py:.1f}" '
                          f'stroke="{colour}" stroke-width="{width}"/>')

    def marker(self, x: float, y: float, colour: str, text: str = "", *, shape: str = "diamond",
               dx: float = 8, dy: float = -8, anchor: str = "start") -> None:
        px, py = self.x(x), self.y(y)
        if shape == "diamond":
            self.parts.append(f'<path d="M{px:.1f},{py - 7:.1f} L{px + 7:.1f},{py:.1f} L{px:.1f},{py + 7:.1f} '
                              f'L{px - 7:.1f},{py:.1f} Z" fill="{colour}" stroke="#fff" stroke-width="1"/>')
        else:
            self.parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="6" fill="none" stroke="{colour}" '
                              'stroke-width="2.5"/>')
        if text:
            self.parts.append(f'<text x="{px + dx:.1f}" y="{py + dy:.1f}" class="note" text-anchor="{anchor}" '
                              f'fill="{colour}">{escape(text)}</text>')

    def text(self, x_px: float, y_px: float, text: str, anchor: str = "start", css: str = "note") -> None:
        self.parts.append(f'<text x="{x_px:.1f}" y="{y_px:.1f}" class="{css}" text-anchor="{anchor}">'
                          f'{escape(text)}</text>')

    # -- frame ---------------------------------------------------------------------------------
    def _axes(self, category_y: Sequence[tuple[float, str]] | None = None) -> list[str]:
        out = []
        x0, x1, y0, y1 = self.x.a, self.x.b, self.y.a, self.y.b
        if category_y is None:
            step = self._yt[1] - self._yt[0] if len(self._yt) > 1 else 1.0
            for v in self._yt:
                py = self.y(v)
                out.append(f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{py:.1f}" y2="{py:.1f}" class="grid"/>')
                out.append(f'<text x="{x0 - 6:.1f}" y="{py + 4:.1f}" class="tick" text-anchor="end">'
                           f'{_tick_label(v, step)}</text>')
        else:
            for py, label in category_y:
                out.append(f'<text x="{x0 - 6:.1f}" y="{py + 4:.1f}" class="tick" text-anchor="end">{escape(label)}</text>')
        xstep = self._xt[1] - self._xt[0] if len(self._xt) > 1 else 1.0
        for v in self._xt:
            px = self.x(v)
            if category_y is not None:
                out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y0:.1f}" y2="{y1:.1f}" class="grid"/>')
            label = str(int(v)) if self.x_years else _tick_label(v, xstep)
            out.append(f'<text x="{px:.1f}" y="{y0 + 16:.1f}" class="tick" text-anchor="middle">{label}</text>')
        out.append(f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{y0:.1f}" y2="{y0:.1f}" class="axis"/>')
        out.append(f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{y0:.1f}" y2="{y1:.1f}" class="axis"/>')
        if self.x_label:
            out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{self.height - 10:.1f}" class="label" '
                       f'text-anchor="middle">{escape(self.x_label)}</text>')
        if self.y_label:
            out.append(f'<text transform="translate(16,{(y0 + y1) / 2:.1f}) rotate(-90)" class="label" '
                       f'text-anchor="middle">{escape(self.y_label)}</text>')
        return out

    def _legend(self) -> list[str]:
        out = []
        x = self.x.b + 14
        for i, (label, colour, kind) in enumerate(self.legend_items):
            y = self.y.b + 6 + 18 * i
            if kind == "box":
                out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="12" fill="{colour}"/>')
            else:
                dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
                out.append(f'<line x1="{x:.1f}" x2="{x + 14:.1f}" y1="{y - 3:.1f}" y2="{y - 3:.1f}" '
                           f'stroke="{colour}" stroke-width="2.5"{dash}/>')
            out.append(f'<text x="{x + 19:.1f}" y="{y + 1:.1f}" class="legend">{escape(label)}</text>')
        return out

    def render(self, category_y: Sequence[tuple[float, str]] | None = None, fig_id: str = "") -> str:
        """The chart as one ``<svg>`` element (marks drawn after grid and axes, legend on the right)."""
        ident = f' id="{fig_id}"' if fig_id else ""
        body = "\n".join([*self._axes(category_y), *self.parts, *self._legend()])
        return (f'<svg{ident} class="{self.css_class}" xmlns="http://www.w3.org/2000/svg" '
                f'viewBox="0 0 {self.width} {self.height}" width="{self.width}" height="{self.height}" '
                f'role="img"><title>{escape(self.title)}</title>\n{body}\n</svg>')
