"""A Gantt-style figure of a phased plan as a self-contained SVG (no plotting library needed).

One bar per parcel (up to ``MAX_ROWS`` parcels; larger plans get one bar per period, labelled
with the parcels and hectares started in it): the works year solid, coloured by option type,
the paid maintenance years after it lighter, the untreated years before it a thin grey line;
deferred parcels ("not yet") are listed at the bottom.
"""

from __future__ import annotations

from html import escape

import pandas as pd

MAX_ROWS = 60
COLOURS = {"woody": "#2e7d32", "grass": "#9ccc65", "highwall": "#8d6e63", "natural": "#90a4ae",
           "not yet": "#cfd8dc"}
ROW_H, LEFT, RIGHT, TOP = 16, 150, 20, 40


def _scale(first: int, last: int, width: int) -> tuple[float, float]:
    """x position of year ``first`` and pixels per year."""
    return LEFT, (width - LEFT - RIGHT) / max(last - first + 1, 1)


def _axis(first: int, last: int, width: int, height: int) -> list[str]:
    x0, px = _scale(first, last, width)
    step = 1 if last - first < 15 else 5
    out = []
    for y in range(first, last + 2):
        if (y - first) % step == 0 or y == last + 1:
            x = x0 + (y - first) * px
            out.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - 24}" stroke="#eceff1"/>')
            out.append(f'<text x="{x:.1f}" y="{TOP - 10}" font-size="10" text-anchor="middle">{y}</text>')
    return out


def _legend(y: float) -> list[str]:
    out, x = [], LEFT
    for name, colour in COLOURS.items():
        out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{y + 9}" font-size="10">{escape(name)}</text>')
        x += 20 + 7 * len(name)
    out.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="#2e7d32" opacity="0.35"/>')
    out.append(f'<text x="{x + 14}" y="{y + 9}" font-size="10">maintenance</text>')
    return out


def _bar(i: int, label: str, start: int | None, works: int, maint: int, origin: int, kind: str,
         first: int, last: int, width: int, note: str = "") -> list[str]:
    x0, px = _scale(first, last, width)
    y = TOP + i * ROW_H
    colour = COLOURS.get(kind, COLOURS["woody"])
    out = [f'<text x="{LEFT - 6}" y="{y + 11}" font-size="10" text-anchor="end">{escape(label)}</text>']
    if start is None:
        out.append(f'<line x1="{x0 + (origin - first) * px:.1f}" y1="{y + 7}" x2="{x0 + (last + 1 - first) * px:.1f}" '
                   f'y2="{y + 7}" stroke="{COLOURS["not yet"]}" stroke-width="3"/>')
        return out
    if start > origin:
        out.append(f'<line x1="{x0 + (origin - first) * px:.1f}" y1="{y + 7}" x2="{x0 + (start - first) * px:.1f}" '
                   f'y2="{y + 7}" stroke="#b0bec5" stroke-width="1"/>')
    out.append(f'<rect x="{x0 + (start - first) * px:.1f}" y="{y + 2}" width="{works * px:.1f}" height="{ROW_H - 4}" '
               f'fill="{colour}"><title>{escape(label)}: {escape(note)}</title></rect>')
    if maint > 0:
        out.append(f'<rect x="{x0 + (start + works - first) * px:.1f}" y="{y + 4}" width="{maint * px:.1f}" '
                   f'height="{ROW_H - 8}" fill="{colour}" opacity="0.35"/>')
    if note:
        out.append(f'<text x="{x0 + (start + works + maint - first) * px + 4:.1f}" y="{y + 11}" font-size="9" '
                   f'fill="#455a64">{escape(note)}</text>')
    return out


def gantt_svg(schedule: pd.DataFrame, periods: pd.DataFrame, start_year: int, maintenance_years: int,
              horizon_year: int, width: int = 900) -> str:
    """The figure for ``schedule`` (schedule.csv's frame) and ``periods`` (periods.csv's)."""
    last_end = int(periods["last_year"].max())
    last = min(horizon_year, last_end + maintenance_years + 1)
    if len(schedule) <= MAX_ROWS:
        bars = _parcel_bars(schedule, maintenance_years, start_year, last, width)
    else:
        bars = _period_bars(schedule, periods, maintenance_years, start_year, last, width)
    n = sum(1 for b in bars if b.startswith("<text") and 'text-anchor="end"' in b)
    height = TOP + n * ROW_H + 40
    body = [*_axis(start_year, last, width, height), *bars, *_legend(height - 20)]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif">'
            f'<title>Works by year: when each parcel is restored</title>' + "".join(body) + "</svg>\n")


def _kind(row: pd.Series) -> str:
    if row["period"] == "not yet":
        return "not yet"
    return str(row.get("option_type") or ("natural" if row["option_id"] == "natural" else "woody"))


def _parcel_bars(schedule: pd.DataFrame, maint: int, first: int, last: int, width: int) -> list[str]:
    order = schedule.assign(_s=schedule["start_year"].fillna(9999)).sort_values(["_s"], kind="stable")
    out: list[str] = []
    for i, (_, r) in enumerate(order.iterrows()):
        start = None if pd.isna(r["start_year"]) else int(r["start_year"])
        origin = int(r["first_year_workable"])
        m = 0 if start is None else max(0, min(maint, last - start))
        out += _bar(i, str(r["parcel_id"]), start, 1, m, origin, _kind(r), first, last, width,
                    note=f"{r['option_id']}" if start is not None else "not yet")
    return out


def _period_bars(schedule: pd.DataFrame, periods: pd.DataFrame, maint: int, first: int, last: int,
                 width: int) -> list[str]:
    out: list[str] = []
    for i, p in enumerate(periods.itertuples()):
        works = int(p.last_year) - int(p.first_year) + 1
        note = f"{int(p.parcels_started)} parcels, {p.area_worked_ha:,.0f} ha worked"
        out += _bar(i, f"period {p.period}", int(p.first_year), works, max(0, min(maint, last - int(p.last_year))),
                    int(p.first_year), "woody", first, last, width, note=note)
    waiting = schedule["period"].eq("not yet")
    if waiting.any():
        out += _bar(len(periods), "not yet", None, 0, 0, first, "not yet", first, last, width)
        out.append(f'<text x="{LEFT + 4}" y="{TOP + len(periods) * ROW_H + 11}" font-size="9">'
                   f'{int(waiting.sum())} parcels, {float(schedule.loc[waiting, "area_ha"].sum()):,.0f} ha</text>')
    return out
