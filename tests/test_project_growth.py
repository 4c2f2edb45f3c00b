"""A project's own plot inventory replaces the default growth curves ([parameters] growth)."""

import shutil

import pytest

from optimizer.inputs.catalogue import load_catalogue
from optimizer.inputs.data import data_dir
from optimizer.errors import InputError
from optimizer.inputs.project import load_project


def _project(tmp_path, inventory_text=None):
    folder = tmp_path / "p"
    shutil.copytree(data_dir() / "examples" / "pingshuo", folder)
    toml = (folder / "project.toml").read_text(encoding="utf-8")
    toml = toml.replace("# [parameters]", "[parameters]").replace('# growth = "inventory.csv"', 'growth = "inventory.csv"')
    (folder / "project.toml").write_text(toml, encoding="utf-8")
    if inventory_text is not None:
        (folder / "inventory.csv").write_text(inventory_text, encoding="utf-8")
    return folder


def test_bundled_inventory_calibrates_three_species(tmp_path):
    project = load_project(_project(tmp_path))
    default = load_catalogue().species.set_index("species")
    calibrated = project.catalogue.species.set_index("species")
    notes = " ".join(project.catalogue.notes)
    for species in ("pinus_tabuliformis", "robinia_pseudoacacia", "populus_simonii"):
        assert f"growth of {species} calibrated from inventory.csv" in notes
        assert calibrated.loc[species, "growth_basis"] == "volume_m3_ha"
    # a species without inventory rows keeps its default curve
    assert calibrated.loc["larix_principis", "growth_a"] == default.loc["larix_principis", "growth_a"]
    assert (calibrated.loc["pinus_tabuliformis", ["growth_model", "growth_a"]]
            != default.loc["pinus_tabuliformis", ["growth_model", "growth_a"]]).any()


def test_inventory_without_a_value_column_is_named(tmp_path):
    folder = _project(tmp_path, "species,age,height_m\npinus_tabuliformis,5,2\n")
    with pytest.raises(InputError, match="inventory.csv: needs a 'value' column"):
        load_project(folder)
