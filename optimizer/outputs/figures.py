"""The report's figures as SVG: carbon over time by pool, cost by item, the cost-carbon frontier
(budget, plan and knee marked), erosion before and after the plan per landform.

Each function takes plain pandas data and returns one ``<svg>`` string (``optimizer.outputs.svgplot``).
``knee(cost, carbon)`` finds the bend of a frontier: the point farthest above the straight line
from its first to its last point, on axes scaled to [0, 1].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
import pandas as pd

from optimizer.outputs.svgplot import POOL_COLOURS, Chart, fmt, nice_ticks, palette

__all__ = ["carbon_over_time", "cost_by_item", "erosion_by_landform", "frontier_figure", "knee"]


def _pool_colour(pool: str, i: int) -> str:
    return POOL_COLOURS.get(pool, palette([str(k) for k in range(20)])[str(i)])


def carbon_over_time(traj: pd.DataFrame, pools: list[str], horizon_label: str = "") -> str:
    """Stacked areas of the plan's pools over the years (emissions below zero), the plan's net
    and natural recovery's net as lines. ``traj``: index year, a column per pool, net, natural."""
    years = traj.index.to_numpy(dtype=float)
    pos = {p: np.clip(traj[p].to_numpy(dtype=float), 0, None) for p in pools}
    neg = {p: np.clip(traj[p].to_numpy(dtype=float), None, 0) for p in pools}
    top = sum(pos.values(), np.zeros(len(years)))
    bottom = sum(neg.values(), np.zeros(len(years)))
    y_hi = max(float(top.max(initial=0)), float(traj["net"].max()), float(traj["natural"].max()), 1.0)
    y_lo = min(float(bottom.min(initial=0)), float(traj["natural"].min()), 0.0)
    y_lo = min(y_lo, -0.02 * y_hi) if y_lo < 0 else 0.0  # room for emissions without a wasted band
    chart = Chart("Carbon over time by pool: plan and natural recovery", (years[0], years[-1]), (y_lo, y_hi),
                  x_label="year", y_label="t CO2e since the works", x_years=True, width=820, margin=(28, 170, 48, 80),
                  x_ticks=[y for y in nice_ticks(years[0], years[-1], 6) if years[0] <= y <= years[-1]]
                  + ([] if years[-1] in nice_ticks(years[0], years[-1], 6) else [years[-1]]))
    low = np.zeros(len(years))
    for i, p in enumerate(pools):
        if pos[p].any():
            chart.band(list(years), list(low), list(low + pos[p]), _pool_colour(p, i), p)
            low = low + pos[p]
    low = np.zeros(len(years))
    for i, p in enumerate(pools):
        if neg[p].any():
            chart.band(list(years), list(low + neg[p]), list(low), _pool_colour(p, i), f"{p} (loss)")
            low = low + neg[p]
    chart.hline(0.0, "#333")
    chart.line(list(years), list(traj["net"]), "#000000", "plan (credited)" if "buffer" in pools else "plan, net")
    chart.line(list(years), list(traj["natural"]), "#D55E00", "natural recovery", dash="6 4")
    last = traj.iloc[-1]
    chart.marker(years[-1], float(last["net"]), "#000000", f"{fmt(float(last['net']))} t {horizon_label}".strip(),
                 shape="circle", dx=-8, dy=-10, anchor="end")
    return chart.render(fig_id="fig-carbon")


def cost_by_item(items: pd.DataFrame, budget: float | None) -> str:
    """Horizontal bars: the plan's cost by item [M CNY], largest first, with the total and budget."""
    totals = items.sum(axis=0)
    totals = totals[totals.abs() > 0].sort_values(ascending=False)
    values = totals.to_numpy(dtype=float) / 1e6
    n = max(len(values), 1)
    height = 70 + 30 * n
    chart = Chart("Cost by item (M CNY, capital and maintenance within the horizon)",
                  (min(0.0, float(values.min(initial=0))), max(float(values.max(initial=0)), 1e-6) * 1.25),
                  (0, 1), x_label="M CNY", width=640, height=height, margin=(20, 40, 42, 150))
    rows = []
    for i, (name, v) in enumerate(zip(totals.index, values)):
        py = 24 + 30 * i + 10
        chart.hbar(py, 0.0, v, "#0072B2", 18)
        chart.text(chart.x(max(v, 0.0)) + 5, py + 4, f"{v:,.2f}")
        rows.append((py, str(name)))
    total = float(totals.sum()) / 1e6
    note = f"total {total:,.2f} M CNY" + (f" of a {budget / 1e6:,.2f} M CNY budget" if budget else "")
    chart.text(chart.x.b, 14, note, anchor="end")
    return chart.render(category_y=rows, fig_id="fig-cost")


def knee(cost_cny: ArrayLike, carbon_tco2e: ArrayLike) -> int | None:
    """Index of the frontier's knee: the point farthest above the chord from the first to the last
    point with both axes scaled to [0, 1]; None with fewer than 3 points or a flat curve."""
    cost, carbon = np.asarray(cost_cny, float), np.asarray(carbon_tco2e, float)
    if cost.size < 3 or np.ptp(cost) <= 0 or np.ptp(carbon) <= 0:
        return None
    x = (cost - cost[0]) / (cost[-1] - cost[0])
    y = (carbon - carbon[0]) / (carbon[-1] - carbon[0])
    above = y - x
    i = int(np.argmax(above))
    return i if above[i] > 1e-9 else None


def frontier_figure(points: pd.DataFrame, budget: float | None, plan_cost: float | None,
                    plan_carbon: float | None, horizon: int) -> str:
    """Cost [M CNY] against carbon [t CO2e] from zero, the budget as a vertical line, the plan as a
    diamond and the knee labelled with the marginal cost beyond it [CNY per t CO2e]."""
    cost = points["cost_cny"].to_numpy(dtype=float) / 1e6
    carbon = points["carbon_tco2e"].to_numpy(dtype=float)
    x_hi = max(float(cost.max()), (budget or 0) / 1e6, (plan_cost or 0) / 1e6)
    chart = Chart(f"Cost versus carbon by {horizon}: the most carbon each budget buys", (0.0, x_hi * 1.02),
                  (0.0, float(max(carbon.max(), plan_carbon or 0)) * 1.05), x_label="cost (M CNY)",
                  y_label=f"t CO2e by {horizon}", width=820, margin=(28, 150, 48, 80))
    chart.line(list(cost), list(carbon), "#0072B2", "frontier", markers=True)
    if budget:
        chart.vline(budget / 1e6, "#D55E00", f"budget {budget / 1e6:,.2f} M CNY")
        chart.legend_items.append(("project budget", "#D55E00", "dash"))
    k = knee(cost, carbon)
    if k is not None:
        share_c = 100 * carbon[k] / carbon.max()
        share_k = 100 * cost[k] / cost.max()
        marginal = points["marginal_cny_per_tco2e"].to_numpy(dtype=float)
        beyond = marginal[k + 1] if k + 1 < len(marginal) else np.nan
        chart.marker(cost[k], carbon[k], "#009E73", "knee", shape="circle", dx=10, dy=18)
        chart.text(chart.x.b - 6, chart.y.a - 30, f"knee at {cost[k]:,.2f} M CNY: {share_c:.0f} % of the most carbon "
                   f"for {share_k:.0f} % of its cost", anchor="end", css="note knee")
        if np.isfinite(beyond):
            chart.text(chart.x.b - 6, chart.y.a - 12, f"each further t CO2e costs {fmt(beyond)} CNY or more",
                       anchor="end", css="note knee")
        chart.legend_items.append(("knee", "#009E73", "line"))
    if plan_cost is not None and plan_carbon is not None:
        chart.marker(plan_cost / 1e6, plan_carbon, "#000000", "this plan", dx=-10, dy=-10, anchor="end")
        chart.legend_items.append(("this plan", "#000000", "box"))
    return chart.render(fig_id="fig-frontier")


def erosion_by_landform(frame: pd.DataFrame) -> str:
    """Grouped bars per landform: mean soil loss [t/ha/yr, area-weighted] under natural recovery
    (no project) and under the plan. ``frame``: landform, area_ha, before, after."""
    g = frame.assign(wb=frame["area_ha"] * frame["before"], wa=frame["area_ha"] * frame["after"])
    g = g.groupby("landform", sort=True)[["area_ha", "wb", "wa"]].sum()
    before = (g["wb"] / g["area_ha"]).to_numpy(dtype=float)
    after = (g["wa"] / g["area_ha"]).to_numpy(dtype=float)
    n = len(g)
    y_hi = max(float(np.nanmax(np.r_[before, after, 1.0])), 1.0) * 1.1
    chart = Chart("Erosion before and after, per landform (mean t/ha/yr, area-weighted)", (0, max(n, 1)), (0, y_hi),
                  y_label="t/ha/yr", x_ticks=[], width=820, margin=(28, 210, 56, 72))
    width = (chart.x.b - chart.x.a) / max(n, 1)
    for i, (landform, b, a) in enumerate(zip(g.index, before, after)):
        centre = chart.x(i + 0.5)
        chart.vbar(centre - width * 0.18, 0.0, b, "#D55E00", width * 0.34, "natural recovery (no project)")
        chart.vbar(centre + width * 0.18, 0.0, a, "#009E73", width * 0.34, "plan")
        chart.text(centre, chart.y.a + 16, str(landform), anchor="middle", css="tick")
        for dx, v in ((-0.18, b), (0.18, a)):
            chart.text(centre + dx * width, chart.y(v) - 4, f"{v:,.0f}" if v >= 100 else f"{v:,.1f}", anchor="middle",
                       css="tick")
    return chart.render(fig_id="fig-erosion")
