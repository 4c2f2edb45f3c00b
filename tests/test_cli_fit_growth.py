"""``minesink fit-growth``: good runs and every bad input a user can make (exit 2, one line)."""

from __future__ import annotations

import json
import math

import pytest

from optimizer.cli.app import run

# R's Orange data, trees 3 and 1 (vegetation.md section 2 gives tree 3's nls fit)
ORANGE = """tree,age,circ
3,118,30
3,484,51
3,664,75
3,1004,108
3,1231,115
3,1372,139
3,1582,140
1,118,30
1,484,58
1,664,87
1,1004,115
1,1231,120
1,1372,142
1,1582,145
"""


def write(tmp_path, text, name="plots.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def tree3(tmp_path):
    lines = ORANGE.splitlines()
    return write(tmp_path, "\n".join(lines[:8]) + "\n")


def fail(capsys, args):
    code = run(["fit-growth", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


def test_json_orange_tree_3_logistic_matches_r(tmp_path, capsys):
    assert run(["fit-growth", tree3(tmp_path), "--age", "age", "--value", "circ", "--model", "logistic",
                "--json"]) == 0
    fits = json.loads(capsys.readouterr().out)
    assert len(fits) == 1 and fits[0]["model"] == "logistic"
    p = fits[0]["params"]
    # R: nls(circumference ~ SSlogis(age, Asym, xmid, scal), Orange, subset = Tree == 3)
    assert p["a"] == pytest.approx(158.8294, rel=1e-5)
    assert math.log(p["b"]) / p["k"] == pytest.approx(734.8421, rel=1e-5)
    assert 1 / p["k"] == pytest.approx(400.9548, rel=1e-5)
    assert fits[0]["se"]["a"] == pytest.approx(15.0851, rel=1e-5)
    assert set(fits[0]) >= {"model", "params", "se", "rss", "rmse", "aic", "r2", "converged", "warnings"}


def test_json_all_models_best_first(tmp_path, capsys):
    assert run(["fit-growth", tree3(tmp_path), "--age", "age", "--value", "circ", "--json"]) == 0
    fits = json.loads(capsys.readouterr().out)
    assert sorted(f["model"] for f in fits) == sorted(
        ["richards", "logistic", "gompertz", "schumacher", "korf", "mitscherlich"])
    assert fits[0]["model"] == "logistic"
    good = [f["aic"] for f in fits if f["converged"]]
    assert good == sorted(good)
    assert all(f["warnings"] for f in fits if not f["converged"])


def test_json_by_group_is_an_object(tmp_path, capsys):
    path = write(tmp_path, ORANGE)
    assert run(["fit-growth", path, "--age", "age", "--value", "circ", "--group", "tree", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["3", "1"]
    assert out["3"][0]["model"] == "logistic" and out["3"][0]["n"] == 7


def test_text_table_one_block_per_group(tmp_path, capsys):
    path = write(tmp_path, ORANGE)
    assert run(["fit-growth", path, "--age", "age", "--value", "circ", "--group", "tree"]) == 0
    out = capsys.readouterr().out
    assert "plots.csv, tree = '3': 7 points, best AIC first" in out
    assert "plots.csv, tree = '1': 7 points" in out
    block3 = out.split("tree = '1'")[0]
    rows = [line.split() for line in block3.splitlines() if line.startswith("  ") and not line.startswith("    ")]
    assert rows[1][0] == "logistic" and rows[1][1] == "49.62"  # AIC of R's fit
    assert "a=158.8 (15.09)" in block3
    assert "warning: asymptote" in block3  # mitscherlich's non-identifiable asymptote is shown


def test_missing_column(tmp_path, capsys):
    err = fail(capsys, [tree3(tmp_path), "--age", "years", "--value", "circ"])
    assert err == "error: plots.csv: missing required column 'years' (the header has 3 columns)"


def test_missing_group_column(tmp_path, capsys):
    err = fail(capsys, [tree3(tmp_path), "--age", "age", "--value", "circ", "--group", "species"])
    assert "missing required column 'species'" in err


def test_text_in_numeric_column(tmp_path, capsys):
    path = write(tmp_path, ORANGE.replace("3,664,75", "3,664,big"))
    err = fail(capsys, [path, "--age", "age", "--value", "circ"])
    assert err == "error: plots.csv, row 4, column 'circ': 'big' is not a number"


def test_negative_age(tmp_path, capsys):
    path = write(tmp_path, ORANGE.replace("1,484,58", "1,-484,58"))
    err = fail(capsys, [path, "--age", "age", "--value", "circ"])
    assert err == "error: plots.csv, row 10, column 'age': -484 is out of range (expected >= 0)"


def test_fewer_points_than_parameters_names_group_and_model(tmp_path, capsys):
    path = write(tmp_path, ORANGE + "5,100,20\n5,200,31\n")
    err = fail(capsys, [path, "--age", "age", "--value", "circ", "--group", "tree", "--model", "gompertz"])
    assert err == "error: plots.csv, tree = '5': 2 point(s) but model gompertz has 3 parameters: no fit possible"


def test_one_point_fails_even_with_all_models(tmp_path, capsys):
    path = write(tmp_path, "age,v\n10,5\n")
    err = fail(capsys, [path, "--age", "age", "--value", "v"])
    assert err == ("error: plots.csv: 1 point(s) but even the smallest model (schumacher) has 2 parameters: "
                   "no fit possible")


def test_two_points_with_all_models_fits_what_it_can(tmp_path, capsys):
    path = write(tmp_path, "age,v\n10,5\n20,9\n")
    assert run(["fit-growth", path, "--age", "age", "--value", "v", "--json"]) == 0
    fits = json.loads(capsys.readouterr().out)
    assert fits[0]["model"] == "schumacher"
    assert all("no fit possible" in f["warnings"][0] for f in fits[1:])


def test_unknown_model_lists_valid_ones(tmp_path, capsys):
    err = fail(capsys, [tree3(tmp_path), "--age", "age", "--value", "circ", "--model", "weibull"])
    assert err == ("error: --model: unknown growth model 'weibull' "
                   "(valid: all, richards, logistic, gompertz, schumacher, korf, mitscherlich)")


def test_empty_file(tmp_path, capsys):
    err = fail(capsys, [write(tmp_path, ""), "--age", "age", "--value", "circ"])
    assert err == "error: plots.csv: the file is empty"


def test_header_only(tmp_path, capsys):
    err = fail(capsys, [write(tmp_path, "age,circ\n"), "--age", "age", "--value", "circ"])
    assert err == "error: plots.csv: has a header but no data rows"


def test_constant_values(tmp_path, capsys):
    err = fail(capsys, [write(tmp_path, "age,v\n1,5\n2,5\n3,5\n"), "--age", "age", "--value", "v"])
    assert err == "error: plots.csv: all 3 values are equal: no growth curve can be fitted"


def test_blank_group_value(tmp_path, capsys):
    path = write(tmp_path, ORANGE.replace("1,1231,120", ",1231,120"))
    err = fail(capsys, [path, "--age", "age", "--value", "circ", "--group", "tree"])
    assert err == "error: plots.csv, row 13, column 'tree': a group value is required here"
