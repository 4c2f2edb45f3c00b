"""The Lagrangian evaluation mapped over a Dask cluster (optimizer.planning.distributed) takes exactly the
steps of the one-process evaluation."""

from __future__ import annotations

import numpy as np
import pytest
from dask.distributed import Client, LocalCluster

from optimizer.planning.candidates import select
from optimizer.planning.coupling import coupling_rows, objective
from optimizer.planning.distributed import dask_evaluator, split
from optimizer.planning.lagrange import presolve
from optimizer.planning.relaxation import evaluate, relaxation
from optimizer.inputs.settings import PlanSettings
from optables import make_option_table


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    with Client(cluster) as c:
        yield c
    cluster.close()


def case(seed: int):
    table = make_option_table(300, 12, seed, tolerance=1e9)
    cost = (table.rows["area_ha"] * table.rows["cost_cny_ha"]).sum() / 12
    s = PlanSettings(budget_cny=float(cost * 0.5), min_area_share={"tree": 0.25}, max_species_area_share=0.2)
    c = select(table, s)
    return objective(c, s), coupling_rows(c, s), c.parcel


@pytest.mark.parametrize("parts", [1, 3, 7])
def test_split_covers_every_parcel_once(parts):
    obj, rows, parcel = case(1)
    R = relaxation(obj, rows, parcel)
    pieces = split(R, parts)
    assert sum(p.c.size for p in pieces) == R.n
    assert np.array_equal(np.concatenate([p.c for p in pieces]), R.c)
    assert sum(p.starts.size for p in pieces) == R.starts.size
    assert [p.offset for p in pieces] == sorted(p.offset for p in pieces)


@pytest.mark.parametrize("seed", range(3))
def test_distributed_presolve_equals_local(client, seed):
    obj, rows, parcel = case(seed)
    made = []

    def factory(R):
        ev = dask_evaluator(client, parts=3)(R)
        made.append(ev)
        return ev

    local = presolve(obj, rows, parcel)
    remote = presolve(obj, rows, parcel, evaluator=factory)
    assert made and made[0].calls > 1  # the search ran on the cluster
    assert remote.bound == local.bound and remote.plan_value == local.plan_value
    assert np.array_equal(remote.keep, local.keep) and np.array_equal(remote.plan, local.plan)
    assert np.array_equal(remote.multipliers, local.multipliers)
    R = made[0].R
    lam = np.abs(local.multipliers) + 0.1
    a, b = evaluate(R, lam), made[0](R, lam)
    assert a.value == b.value and np.array_equal(a.plan, b.plan) and np.array_equal(a.best, b.best)
