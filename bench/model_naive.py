"""The naive Pyomo build, for comparison only: one expression term per option row, built in Python
loops over the DataFrame rows (what optimizer.model avoids). Same kept rows, same constraints."""

from __future__ import annotations

import pyomo.environ as pyo

from estimators.table import LAYERS, OptionTable
from optimizer.candidates import select
from optimizer.settings import PlanSettings


def build_model_naive(table: OptionTable, settings: PlanSettings) -> pyo.ConcreteModel:
    """Build the same model as optimizer.model.build_model with loops over rows."""
    c = select(table, settings)
    frame = table.rows.iloc[c.rows]
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(len(frame)), within=pyo.Binary)
    by_parcel: dict[str, list[int]] = {}
    carbon, cost, layer = {}, {}, {lay: {} for lay in LAYERS}
    for i, row in enumerate(frame.itertuples(index=False)):
        by_parcel.setdefault(row.parcel_id, []).append(i)
        carbon[i] = row.area_ha * row.net_tco2e_ha
        cost[i] = row.area_ha * row.cost_cny_ha
        for lay in LAYERS:
            layer[lay][i] = row.area_ha * getattr(row, f"{lay}_share")
    m.one_option = pyo.ConstraintList()
    for idx in by_parcel.values():
        m.one_option.add(sum(m.x[i] for i in idx) == 1)
    if c.active.get("budget"):
        m.budget = pyo.Constraint(expr=sum(cost[i] * m.x[i] for i in cost) <= settings.budget_cny)
    for lay in LAYERS:
        if c.active.get(f"min_share_{lay}"):
            rhs = settings.min_area_share[lay] * c.total_area
            m.add_component(f"min_share_{lay}",
                            pyo.Constraint(expr=sum(layer[lay][i] * m.x[i] for i in cost) >= rhs))
    m.obj = pyo.Objective(expr=sum(carbon[i] * m.x[i] for i in carbon), sense=pyo.maximize)
    return m
