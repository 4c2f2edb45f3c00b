"""The wheel ships the default tables and examples, and finds them from any directory.

Builds the wheel (pip, build isolation: needs PyPI like the rest of `make test`), unpacks it and
runs minesink from the unpacked copy in another working directory.
"""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_data_and_runs_from_elsewhere(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("minesink-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for table in ("species.csv", "regions.csv", "mixes.csv", "costs.csv", "SOURCES.md",
                  "examples/pingshuo/project.toml", "examples/pingshuo/inventory.csv"):
        assert f"optimizer/_data/{table}" in names, table
    assert any(n.endswith("entry_points.txt") for n in names)
    assert "optimizer/outputs/templates/report.html.j2" in names  # report.html's template ships in the wheel
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = ("from optimizer.inputs.data import data_dir; from optimizer.cli.app import run; "
            "print(data_dir()); raise SystemExit(run(['fit-growth', str(data_dir() / 'examples' / 'pingshuo' / "
            "'inventory.csv'), '--age', 'age', '--value', 'volume_m3_ha', '--group', 'species', '--json']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    first_line, rest = done.stdout.split("\n", 1)
    assert Path(first_line) == site / "optimizer" / "_data"
    assert '"pinus_tabuliformis"' in rest
