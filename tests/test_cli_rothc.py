"""``minesink rothc``: reproduces RothC_Py's published year_results.csv; bad input exits 2.

tests/data/rothc/ holds the official RothC_Py example (Rothamsted Research, Apache-2.0).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.cli.app import run

DATA = Path(__file__).parent / "data" / "rothc"
LINES = (DATA / "RothC_input.dat").read_text().splitlines()


def _write(tmp_path, lines, name="RothC_input.dat"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _error(capsys):
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_reproduces_published_year_results(tmp_path, capsys):
    out = tmp_path / "year_results.csv"
    assert run(["rothc", str(DATA / "RothC_input.dat"), "-o", str(out)]) == 0
    assert "19872 months" in capsys.readouterr().out
    mine = pd.read_csv(out)
    published = pd.read_csv(DATA / "year_results.csv")
    assert list(mine.columns) == list(published.columns) == [
        "Year", "Month", "DPM_t_C_ha", "RPM_t_C_ha", "BIO_t_C_ha", "HUM_t_C_ha", "IOM_t_C_ha",
        "SOC_t_C_ha", "deltaC"]
    assert mine[["Year", "Month"]].equals(published[["Year", "Month"]])
    assert mine.iloc[0, :2].tolist() == [1, 19872]
    # every value, radiocarbon deltaC included, within 1e-6 relative of the published file
    np.testing.assert_allclose(mine.iloc[:, 2:].to_numpy(), published.iloc[:, 2:].to_numpy(), rtol=1e-6, atol=0)
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write left no temporary file


def test_missing_file(tmp_path, capsys):
    assert run(["rothc", str(tmp_path / "nope.dat"), "-o", str(tmp_path / "o.csv")]) == 2
    assert "nope.dat: file not found" in _error(capsys)


def test_malformed_number_names_line_and_column(tmp_path, capsys):
    lines = list(LINES)
    fields = lines[19].split()  # line 20 of the file
    fields[4] = "4x.2"
    lines[19] = "\t".join(fields)
    out = tmp_path / "o.csv"
    assert run(["rothc", str(_write(tmp_path, lines)), "-o", str(out)]) == 2
    err = _error(capsys)
    assert err == "error: RothC_input.dat, line 20, column 'Rain': '4x.2' is not a number"
    assert not out.exists()


def test_wrong_number_of_records(tmp_path, capsys):
    assert run(["rothc", str(_write(tmp_path, LINES[:-1])), "-o", str(tmp_path / "o.csv")]) == 2
    assert "839 monthly records found but line 5 says nsteps = 840" in _error(capsys)


def test_short_record_and_bad_header(tmp_path, capsys):
    lines = list(LINES)
    lines[30] = "1940 1 97.5 3.9"
    assert run(["rothc", str(_write(tmp_path, lines)), "-o", str(tmp_path / "o.csv")]) == 2
    assert "line 31: expected 10 values" in _error(capsys)
    lines = list(LINES)
    lines[4] = "13.0 25.0 abc 840"
    assert run(["rothc", str(_write(tmp_path, lines)), "-o", str(tmp_path / "o.csv")]) == 2
    assert "line 5, column 'iom': 'abc' is not a number" in _error(capsys)
    lines = list(LINES)
    lines[3] = "clay depth nsteps"
    assert run(["rothc", str(_write(tmp_path, lines)), "-o", str(tmp_path / "o.csv")]) == 2
    assert "line 4: expected the names 'clay depth iom nsteps'" in _error(capsys)


@pytest.mark.parametrize("column,value,message", [
    (8, "2", "column 'PC': 2 is out of range (expected 0-1)"),
    (1, "13", "column 'month': 13 is out of range (expected 1-12)"),
])
def test_out_of_range_value(tmp_path, capsys, column, value, message):
    lines = list(LINES)
    fields = lines[9].split()
    fields[column] = value
    lines[9] = " ".join(fields)
    assert run(["rothc", str(_write(tmp_path, lines)), "-o", str(tmp_path / "o.csv")]) == 2
    assert f"line 10, {message}" in _error(capsys)


def test_existing_output_needs_force(tmp_path, capsys):
    out = tmp_path / "o.csv"
    out.write_text("keep me")
    assert run(["rothc", str(DATA / "RothC_input.dat"), "-o", str(out)]) == 2
    assert "already exists (use --force to overwrite)" in _error(capsys)
    assert out.read_text() == "keep me"
    assert run(["rothc", str(DATA / "RothC_input.dat"), "-o", str(out), "--force"]) == 0
    assert out.read_text().startswith("Year,Month,")
