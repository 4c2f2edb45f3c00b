"""How far each accounting choice moves the plan of a project; prints JSON.

Starts from the conservative defaults and relaxes one setting after another (buffer, imported
carbon, biochar, the SOC cap, the deep layer), re-planning at each step with the same budget:

    python bench/accounting_steps.py [PROJECT] --json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from optimizer.inputs.data import data_dir
from optimizer.planning.pipeline import estimate, plan_settings
from optimizer.planning.plan import plan
from optimizer.inputs.project import load_project

STEPS = (
    ("conservative defaults", {}),
    ("no reversal buffer", {"buffer_pct": 0.0}),
    ("imported carbon included", {"imported_carbon": "include"}),
    ("biochar credited", {"biochar": "credit"}),
    ("no SOC cap", {"soc_cap": "none"}),
    ("deep layer 1:1 from year 0", {"deep_fraction": 1.0, "deep_start_yr": 0.0}),
    ("amendment growth boost never fades", {"growth_boost_fade_yr": 200.0}),
    ("no haulage or N2O emissions", {"haul_distance_km": 0.0, "n2o_ef1": 0.0, "n2o_frac_gasm": 0.0,
                                     "n2o_frac_leach": 0.0}),
)


def run(root: Path) -> list[dict]:
    project = load_project(root)
    policy, out = project.accounting, []
    for name, change in STEPS:
        policy = dataclasses.replace(policy, **change)
        table = estimate(dataclasses.replace(project, accounting=policy))
        result = plan(table, plan_settings(project, mip_gap=1e-4))
        rows = table.rows.iloc[result.solution.rows]
        area = rows["area_ha"].to_numpy()
        pools = {p: float((area * rows[f"{p}_tco2e_ha"]).sum()) for p in
                 ("tree", "shrub", "grass", "soil", "imported", "biochar", "erosion", "works", "buffer")}
        bought = rows.groupby("amendment")["area_ha"].sum().round(1).to_dict()
        out.append({"step": name, "objective_tco2e": float(result.solution.objective),
                    "cost_cny": float((area * rows["cost_cny_ha"]).sum()), "pools": pools,
                    "area_by_amendment_ha": bought})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("project", nargs="?", default=str(data_dir() / "examples" / "pingshuo"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    steps = run(Path(args.project))
    print(json.dumps(steps, indent=2) if args.json else "\n".join(
        f"{s['step']:<30} {s['objective_tco2e']:>12,.0f} t CO2e  {s['cost_cny']:>14,.0f} CNY" for s in steps))


if __name__ == "__main__":
    main()
