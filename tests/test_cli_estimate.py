"""`minesink estimate` and `minesink species` on the bundled example."""

import pandas as pd
import pytest

from estimators.table import OPTION_COLUMNS
from optimizer.cli.app import run
from optimizer.inputs.data import data_dir

EXAMPLE = str(data_dir() / "examples" / "pingshuo")


def test_estimate_csv_has_the_contract_columns(tmp_path, capsys):
    out = tmp_path / "options.csv"
    assert run(["estimate", EXAMPLE, "-o", str(out)]) == 0
    assert "options for 34 parcels" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert set(OPTION_COLUMNS) <= set(table.columns)
    assert table["parcel_id"].nunique() == 34
    assert (table.groupby("parcel_id")["option_id"].apply(lambda s: "natural" in set(s))).all()


def test_estimate_parquet_equals_csv(tmp_path):
    assert run(["estimate", EXAMPLE, "-o", str(tmp_path / "o.parquet")]) == 0
    assert run(["estimate", EXAMPLE, "-o", str(tmp_path / "o.csv")]) == 0
    parquet = pd.read_parquet(tmp_path / "o.parquet")
    csv = pd.read_csv(tmp_path / "o.csv", encoding="utf-8-sig")
    assert list(parquet.columns) == list(csv.columns)
    pd.testing.assert_series_equal(parquet["net_tco2e_ha"], csv["net_tco2e_ha"], rtol=1e-5)


@pytest.mark.parametrize("name, message", [("o.xlsx", "must end in .csv or .parquet"), ("exists.csv", "exists; use --force")])
def test_estimate_bad_output_exits_2(tmp_path, capsys, name, message):
    (tmp_path / "exists.csv").write_text("keep", encoding="utf-8")
    assert run(["estimate", EXAMPLE, "-o", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert (tmp_path / "exists.csv").read_text(encoding="utf-8") == "keep"
    assert not (tmp_path / "o.xlsx").exists()


def test_species_lists_suitable_species_and_reasons(tmp_path, capsys):
    assert run(["species", EXAMPLE]) == 0
    text = capsys.readouterr().out
    assert text.startswith("SD-P1340: ") and "excluded: " in text and "pH too high" in text
    out = tmp_path / "suit.csv"
    assert run(["species", EXAMPLE, "-o", str(out)]) == 0
    frame = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert list(frame.columns) == ["parcel_id", "species", "layer", "suitable", "reasons"]
    assert ((frame["reasons"] == "") == frame["suitable"]).all()
