"""What the frontier command writes beside frontier.csv: the plan of every point and the plot.

* ``write_point_plans(result, table, folder)``: plans/plan_01.csv ... one plan.csv-shaped table
  per budget of the sweep (point numbers as in frontier.csv), so a planner can open the plan
  behind any point;
* ``frontier_png(result, path, budget_cny)``: frontier.png (matplotlib, the optional ``plot``
  extra) with the carbon axis from zero, the project's budget as a vertical line and the knee
  labelled with the marginal cost beyond it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from estimators.table import OptionTable
from optimizer.outputs.figures import knee

__all__ = ["frontier_png", "point_plan_name", "write_point_plans"]

log = logging.getLogger(__name__)


def point_plan_name(point: int, n_points: int) -> str:
    """plans/plan_07.csv for point 7 (zero-padded to the number of points' digits, at least 2)."""
    return f"plans/plan_{point:0{max(2, len(str(n_points)))}d}.csv"


def write_point_plans(result: object, table: OptionTable, folder: Path) -> list[str]:
    """Write the plan of every frontier point under ``folder``/plans; return the relative names."""
    from optimizer.outputs.planout import FLOAT_FORMAT, excel_safe, formatted_floats, write_row_subsets
    from optimizer.outputs.report import rows_frame

    points = getattr(result, "points")
    (folder / "plans").mkdir(exist_ok=True)
    # the points share most of their rows: every row any point uses is made into text once
    used = np.unique(np.concatenate([np.asarray(p.rows, dtype=np.int64) for p in points])) if points else \
        np.zeros(0, dtype=np.int64)
    text = formatted_floats(excel_safe(rows_frame(table, used)), FLOAT_FORMAT)
    names = [point_plan_name(i, len(points)) for i in range(1, len(points) + 1)]
    write_row_subsets(text, [np.searchsorted(used, p.rows) for p in points], [folder / n for n in names])
    return names


def frontier_png(result: object, path: Path, budget_cny: float | None = None) -> bool:
    """frontier.png when matplotlib imports (False when it does not)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.info("matplotlib is not installed: no frontier.png")
        return False
    points = getattr(result, "points")
    horizon = getattr(result, "horizon_year")
    cost = np.array([p.cost_cny for p in points]) / 1e6
    carbon = np.array([p.carbon_tco2e for p in points])
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    ax.plot(cost, carbon, marker="o", label="most carbon per budget")
    ax.set_ylim(0, carbon.max() * 1.08)
    ax.set_xlim(0, max(cost.max(), (budget_cny or 0) / 1e6) * 1.04)
    if budget_cny:
        ax.axvline(budget_cny / 1e6, color="#D55E00", linestyle="--", label=f"project budget {budget_cny / 1e6:,.2f} M CNY")
    k = knee(cost, carbon)
    if k is not None:
        beyond = points[k + 1].marginal_cny_per_tco2e if k + 1 < len(points) else None
        text = f"knee: {100 * carbon[k] / carbon.max():.0f} % of the carbon\nfor {100 * cost[k] / cost.max():.0f} % of the cost"
        if beyond:
            text += f"\nthen {beyond:,.0f} CNY per extra t"
        ax.scatter([cost[k]], [carbon[k]], s=120, facecolors="none", edgecolors="#009E73", linewidths=2, zorder=3)
        ax.annotate(text, (cost[k], carbon[k]), xytext=(20, -60), textcoords="offset points", color="#007a5a",
                    arrowprops={"arrowstyle": "-", "color": "#009E73"})
    ax.set_xlabel("cost (M CNY)")
    ax.set_ylabel(f"carbon by {horizon} (t CO2e)")
    ax.set_title("Cost versus carbon: the most carbon each budget buys")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)
    return True
