"""Chunked estimate and selection (optimizer.planning.chunks) give the single-process plan byte for byte,
on one process and on a Dask LocalCluster; error locations stay the project's."""

from __future__ import annotations

import json

import numpy as np
import pytest

from optimizer.planning.candidates import candidate_arrays, filter_rows, select
from optimizer.planning.chunks import estimate_candidates
from optimizer.cli.app import run
from optimizer.errors import InputError
from optimizer.planning.frontier import frontier, frontier_frame, frontier_settings
from optimizer.planning.pipeline import estimate, plan_settings
from optimizer.planning.plan import plan
from optimizer.inputs.project import load_project
from optimizer.outputs.report import plan_frame
from optimizer.inputs.synth import write_synth_project
from projfix import EXAMPLE, copy_example, rows, set_cell


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("chunks") / "proj"
    write_synth_project(root, 240, region="north", seed=5)
    return load_project(root)


def plan_bytes(result) -> bytes:
    return plan_frame(result).to_csv(index=False, float_format="%.4f", lineterminator="\n").encode()


@pytest.mark.parametrize("chunk", [13, 37, 240])
def test_chunked_candidates_equal_the_whole_selection(synthetic, chunk):
    settings = plan_settings(synthetic, min_area_share={"tree": 0.3}, mip_gap=1e-6)
    whole = estimate(synthetic)
    direct = select(whole, settings)
    table, cand = estimate_candidates(synthetic, settings, chunk_size=chunk)
    assert cand.active == direct.active and cand.n_filtered == direct.n_filtered
    assert cand.rows.size == direct.rows.size and np.array_equal(cand.parcel, direct.parcel)
    for name in ("carbon", "cost", "sediment"):
        assert np.array_equal(getattr(cand, name), getattr(direct, name))
    kept = table.rows.iloc[cand.rows].reset_index(drop=True)
    same = whole.rows.iloc[direct.rows].reset_index(drop=True)
    assert kept.equals(same)  # every column of every kept row
    assert table.meta["n_option_rows"] == len(whole.rows)
    assert table.meta["assumptions"] == whole.meta["assumptions"]
    assert plan_bytes(plan(table, settings, candidates=cand)) == plan_bytes(plan(whole, settings))


def test_chunked_selection_with_species_caps_and_locks(tmp_path):
    root = copy_example(tmp_path)
    table = rows(root)
    col = table[0].index("status")
    statuses = [r[col] for r in table[1:]]
    assert "lock_out" in statuses or "lock_in" in statuses  # the example has locks
    project = load_project(root)
    settings = plan_settings(project, max_species_area_share=0.15, max_area_share={"grass": 0.5}, mip_gap=1e-6)
    whole = estimate(project)
    direct = select(whole, settings)
    for chunk in (3, 7, 16):
        table, cand = estimate_candidates(project, settings, chunk_size=chunk)
        assert cand.active == direct.active
        assert table.rows.iloc[cand.rows].reset_index(drop=True).equals(
            whole.rows.iloc[direct.rows].reset_index(drop=True))


def test_cli_plan_chunked_is_byte_identical(tmp_path, capsys):
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "one"), "--chunk-size", "0", "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "chunked"), "--chunk-size", "7", "--json"]) == 0
    chunked = json.loads(capsys.readouterr().out)
    for name in ("plan.csv", "report.md"):
        assert (tmp_path / "chunked" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    for d in (one, chunked):
        d.pop("timings_s")
    assert one == chunked


def test_chunk_errors_name_the_project_row(tmp_path, capsys):
    """A forced option the parcel cannot take: the chunked run says what the whole run says,
    naming the project's spreadsheet row; and the selection of a slice counts rows from the
    slice's place in the project."""
    root = copy_example(tmp_path)
    table = rows(root)
    pid = table[19][table[0].index("parcel_id")]  # sheet row 20: the third slice of 7
    options = estimate(load_project(root)).rows
    theirs = set(options.loc[options["parcel_id"] == pid, "option_id"])
    other = sorted(set(options["option_id"]) - theirs)[0]  # a real option, not suitable on this parcel
    set_cell(root, 20, "forced_option", other)
    messages = []
    for chunk in ("7", "0"):
        assert run(["plan", str(root), "-o", str(tmp_path / f"out{chunk}"), "--chunk-size", chunk]) == 2
        messages.append(capsys.readouterr().err)
    assert messages[0] == messages[1] and "row 20, column 'forced_option'" in messages[0]
    # the selection itself, on a slice estimated apart (a library user's own option table)
    project = load_project(EXAMPLE)
    settings = plan_settings(project)
    sliced = estimate_slice_table(project, 14, 21)
    sliced.parcels.loc[pid, "forced_option"] = other
    with pytest.raises(InputError, match=f"row 20, column 'forced_option': parcel {pid}: forced option"):
        candidate_arrays(sliced, settings, row_offset=14)


def estimate_slice_table(project, lo, hi):
    from estimators.options import build_option_table

    from optimizer.planning.pipeline import estimate_settings

    parcels = project.parcels.iloc[lo:hi].reset_index(drop=True)
    return build_option_table(parcels, project.catalogue, project.region, estimate_settings(project))


def test_chunk_size_must_be_positive(synthetic, capsys, tmp_path):
    with pytest.raises(InputError, match="at least 1"):
        estimate_candidates(synthetic, plan_settings(synthetic), chunk_size=0)
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "x"), "--chunk-size", "-3"]) == 2
    assert "--chunk-size must be >= 0" in capsys.readouterr().err


def test_frontier_chunked_is_byte_identical(synthetic):
    settings = plan_settings(synthetic, min_area_share={"tree": 0.3}, mip_gap=1e-4)
    whole = estimate(synthetic)
    table, cand = estimate_candidates(synthetic, frontier_settings(settings), chunk_size=50)
    a = frontier_frame(frontier(whole, settings, 4)).to_csv(index=False, float_format="%.4f")
    b = frontier_frame(frontier(table, settings, 4, candidates=cand)).to_csv(index=False, float_format="%.4f")
    assert a == b


def test_dask_local_cluster_gives_the_same_plan(tmp_path, capsys):
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "one"), "--chunk-size", "0"]) == 0
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "dask"), "--workers", "2", "--chunk-size", "9"]) == 0
    capsys.readouterr()
    assert (tmp_path / "dask" / "plan.csv").read_bytes() == (tmp_path / "one" / "plan.csv").read_bytes()
    assert run(["frontier", str(EXAMPLE), "-o", str(tmp_path / "f1"), "--points", "3", "--chunk-size", "0"]) == 0
    assert run(["frontier", str(EXAMPLE), "-o", str(tmp_path / "f2"), "--points", "3", "--workers", "2",
                "--chunk-size", "12"]) == 0
    assert (tmp_path / "f2" / "frontier.csv").read_bytes() == (tmp_path / "f1" / "frontier.csv").read_bytes()


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys):
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "x"), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler tcp://127.0.0.1:9" in err and "Traceback" not in err


def test_screened_rows_are_the_option_tables_rows(synthetic):
    """The screen (option ids, soil loss, natural recovery, keys used) is what the whole option
    table says, and estimating only some screened rows gives those rows' values exactly."""
    from estimators.options import build_option_table, screen_rows

    from optimizer.planning.pipeline import estimate_settings, used_keys

    est = estimate_settings(synthetic)
    args = (synthetic.parcels, synthetic.catalogue, synthetic.region, est)
    screen, whole = screen_rows(*args), build_option_table(*args)
    assert np.array_equal(screen.rows["option_id"].to_numpy(), whole.rows["option_id"].to_numpy())
    for name in ("erosion_t_ha_yr", "is_natural"):
        assert np.array_equal(screen.rows[name].to_numpy(), whole.rows[name].to_numpy())
    assert set(screen.used) == used_keys(whole)
    assert screen.parcels.equals(whole.parcels)
    allowed, _ = filter_rows(screen, plan_settings(synthetic), codes=screen.cand.parcel)
    assert 0 < allowed.sum() < allowed.size  # the tolerance drops rows of this project
    keep = allowed | screen.rows["is_natural"].to_numpy(dtype=bool)
    part = build_option_table(*args, candidates=screen.cand.take(keep))
    assert part.rows.equals(whole.rows[keep].reset_index(drop=True))
