"""`minesink init DIR [--example NAME]`: copies a bundled example; never overwrites silently."""

from __future__ import annotations

from projfix import EXAMPLE, snapshot

from optimizer.cli.app import run
from optimizer.cli.commands.project import examples


def test_init_copies_pingshuo_by_default_and_it_validates(tmp_path, capsys):
    target = tmp_path / "mine"
    assert run(["init", str(target)]) == 0
    assert "from example 'pingshuo'" in capsys.readouterr().out
    copied = sorted(p.name for p in target.iterdir())
    assert copied == sorted([".minesink-manifest.json", *(p.name for p in EXAMPLE.iterdir() if p.is_file())])
    assert (target / "parcels.csv").read_bytes() == (EXAMPLE / "parcels.csv").read_bytes()
    assert run(["validate", str(target)]) == 0
    assert "34, 293.6 ha" in capsys.readouterr().out


def test_examples_are_found_in_the_data_folder():
    assert "pingshuo" in examples()


def test_init_unknown_example_lists_the_bundled_ones(tmp_path, capsys):
    assert run(["init", str(tmp_path / "x"), "--example", "heidaigou"]) == 2
    err = capsys.readouterr().err
    assert err == "error: --example 'heidaigou': unknown example (available: pingshuo)\n"
    assert not (tmp_path / "x").exists()


def test_init_refuses_non_empty_folder_unless_force(tmp_path, capsys):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("keep", encoding="utf-8")
    before = snapshot(target)
    assert run(["init", str(target)]) == 2
    err = capsys.readouterr().err
    assert "exists and is not empty" in err and "--force" in err and "Traceback" not in err
    assert snapshot(target) == before
    assert run(["init", str(target), "--force"]) == 2  # --force replaces only what minesink wrote
    assert "holds files minesink did not write (notes.txt)" in capsys.readouterr().err
    assert snapshot(target) == before
    (target / "notes.txt").unlink()
    assert run(["init", str(target)]) == 0
    assert run(["init", str(target), "--force"]) == 0  # its own files: replaced
    assert (target / "project.toml").is_file()


def test_init_into_existing_empty_folder(tmp_path):
    target = tmp_path / "empty"
    target.mkdir()
    assert run(["init", str(target)]) == 0
    assert (target / "parcels.csv").is_file()
