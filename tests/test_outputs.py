"""Outputs never destroy what minesink did not write (issue 8, item 1).

Each test shows what a planner sees: the one-line message, the exit code, and the files left.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap

import pytest
from projfix import copy_example, snapshot

import optimizer.outputs.report
from optimizer.cli.app import run
from optimizer.outputs.files import MANIFEST, output_lock

PLAN_FILES = [MANIFEST, "plan.csv", "report.html", "report.md", "summary.json"]


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_o_onto_the_project_folder_is_refused_and_every_input_stays(tmp_path, capsys):
    root = copy_example(tmp_path)
    (root / "notes.txt").write_text("my field notes", encoding="utf-8")
    before = snapshot(root)
    assert run(["plan", str(root), "-o", str(root), "--force"]) == 2
    err = _err(capsys)
    assert "the output may not be the project folder" in err and len(err.splitlines()) == 1
    assert snapshot(root) == before


def test_o_onto_a_parent_of_the_project_or_the_current_folder_is_refused(tmp_path, capsys, monkeypatch):
    root = copy_example(tmp_path)
    before = snapshot(tmp_path)
    assert run(["plan", str(root), "-o", str(tmp_path), "--force"]) == 2
    assert "may not be a parent of the project folder" in _err(capsys)
    monkeypatch.chdir(tmp_path / "proj")
    assert run(["plan", ".", "-o", ".", "--force"]) == 2
    assert "may not be the current folder or one of its parents" in _err(capsys)
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    assert run(["plan", str(root), "-o", ".", "--force"]) == 2
    assert "may not be the current folder" in _err(capsys)
    assert snapshot(tmp_path) == {**before, "elsewhere": snapshot(tmp_path)["elsewhere"]}


def test_force_replaces_only_minesink_files_and_a_users_file_survives(tmp_path, capsys):
    root = copy_example(tmp_path)
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == PLAN_FILES
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["plan.csv", "report.html", "report.md", "summary.json"]
    assert run(["plan", str(root), "-o", str(out), "--force"]) == 0  # only its own files: replaced
    (out / "my_notes.md").write_text("do not lose me", encoding="utf-8")
    before = snapshot(out)
    capsys.readouterr()
    assert run(["plan", str(root), "-o", str(out), "--force"]) == 2
    err = _err(capsys)
    assert "holds files minesink did not write (my_notes.md), which --force would not replace" in err
    assert snapshot(out) == before and (out / "my_notes.md").read_text(encoding="utf-8") == "do not lose me"


def test_a_report_edited_since_is_not_replaced(tmp_path, capsys):
    out = tmp_path / "plan"
    root = copy_example(tmp_path)
    assert run(["plan", str(root), "-o", str(out)]) == 0
    with (out / "report.md").open("a", encoding="utf-8") as handle:
        handle.write("\nMy comments for the proposal.\n")
    capsys.readouterr()
    assert run(["plan", str(root), "-o", str(out), "--force"]) == 2
    assert "report.md (changed since minesink wrote it)" in _err(capsys)
    assert "My comments" in (out / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("mask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_modes_follow_the_umask(tmp_path, mask, file_mode, dir_mode):
    root = copy_example(tmp_path)
    old = os.umask(mask)
    try:
        assert run(["plan", str(root), "-o", str(tmp_path / "plan")]) == 0
        assert run(["estimate", str(root), "-o", str(tmp_path / "options.csv")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "plan").stat().st_mode & 0o777 == dir_mode
    for path in (tmp_path / "plan").iterdir():
        assert path.stat().st_mode & 0o777 == file_mode, path
    assert (tmp_path / "options.csv").stat().st_mode & 0o777 == file_mode


def test_a_failed_write_keeps_the_old_output_whole(tmp_path, capsys, monkeypatch):
    root = copy_example(tmp_path)
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    before = snapshot(out)

    def full_disk(frame, path):
        path.write_text("half a plan", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(optimizer.outputs.report, "write_csv", full_disk)
    capsys.readouterr()
    assert run(["plan", str(root), "-o", str(out), "--force", "--budget", "5000000"]) == 1
    err = _err(capsys)
    assert err.startswith("error: no space left on the device while writing") and len(err.splitlines()) == 1
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan", "proj"]  # no temporary, no lock file


def test_the_swap_without_renameat2_also_keeps_one_whole_output(tmp_path, monkeypatch):
    import optimizer.outputs.files as outputs

    monkeypatch.setattr(outputs, "exchange", lambda a, b: False)  # e.g. a file system without it
    root = copy_example(tmp_path)
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    assert run(["plan", str(root), "-o", str(out), "--force", "--budget", "5000000"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["budget_cny"] == 5_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan", "proj"]


def test_leftovers_of_a_killed_run_are_cleaned_or_restored(tmp_path, capsys, caplog):
    root = copy_example(tmp_path)
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    # SIGKILL between the two renames of the fallback swap: the old output is aside, none in place
    os.rename(out, tmp_path / ".plan.minesink-old-999-abcd")
    (tmp_path / ".plan.minesink-new-999-efgh").mkdir()  # and the unfinished new one
    (tmp_path / ".plan.minesink-new-999-efgh" / "plan.csv").write_text("partial", encoding="utf-8")
    capsys.readouterr()
    assert run(["plan", str(root), "-o", str(out)]) == 2  # the restored output needs --force
    assert "restored" in caplog.text and "removed .plan.minesink-new-999-efgh" in caplog.text
    assert sorted(p.name for p in out.iterdir()) == PLAN_FILES
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan", "proj"]
    # a partial file of a killed estimate is removed by the next estimate
    (tmp_path / ".options.csv.minesink-new-999-x.csv").write_text("part", encoding="utf-8")
    assert run(["estimate", str(root), "-o", str(tmp_path / "options.csv")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["options.csv", "plan", "proj"]


def test_a_second_run_on_the_same_output_is_refused_while_the_first_writes(tmp_path, capsys):
    root = copy_example(tmp_path)
    out = tmp_path / "plan"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from optimizer.outputs.files import output_lock
            with output_lock({str(out)!r}):
                print("locked", flush=True)
                sys.stdin.readline()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        capsys.readouterr()
        assert run(["plan", str(root), "-o", str(out)]) == 1
        err = _err(capsys)
        assert f"another minesink run (process {holder.pid}) is writing" in err and len(err.splitlines()) == 1
        assert not out.exists()
    finally:
        holder.communicate("done\n", timeout=30)
    assert run(["plan", str(root), "-o", str(out)]) == 0


def test_the_lock_is_reentrant_in_one_process(tmp_path):
    with output_lock(tmp_path / "x"), output_lock(tmp_path / "x"):
        assert (tmp_path / ".x.minesink-lock").exists()
    assert not (tmp_path / ".x.minesink-lock").exists()


def test_a_symlinked_output_folder_is_written_through(tmp_path, capsys):
    root = copy_example(tmp_path)
    real = tmp_path / "shared" / "plans"
    real.mkdir(parents=True)
    link = tmp_path / "plan"
    link.symlink_to(real, target_is_directory=True)
    assert run(["plan", str(root), "-o", str(link)]) == 0
    assert link.is_symlink() and sorted(p.name for p in real.iterdir()) == PLAN_FILES
    assert run(["plan", str(root), "-o", str(link), "--force"]) == 0
    assert link.is_symlink() and (link / "plan.csv").is_file()
    dangling = tmp_path / "gone"
    dangling.symlink_to(tmp_path / "nowhere")
    capsys.readouterr()
    assert run(["plan", str(root), "-o", str(dangling)]) == 2
    assert "broken symbolic link" in _err(capsys)


def test_sigterm_while_writing_removes_the_temporary_folder(tmp_path):
    root = copy_example(tmp_path)
    out = tmp_path / "plan"
    script = textwrap.dedent(f"""
        import os, signal, sys
        import optimizer.outputs.report as report
        real = report.write_csv
        def write_then_term(frame, path):
            real(frame, path)
            os.kill(os.getpid(), signal.SIGTERM)
        report.write_csv = write_then_term
        sys.argv = ["minesink", "plan", {str(root)!r}, "-o", {str(out)!r}]
        from optimizer.cli.entry import main
        main()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 143, done.stderr
    assert done.stderr.strip() == "stopped by SIGTERM; temporary files were removed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]  # no output, no temporary, no lock


def test_ctrl_c_during_start_up_prints_no_traceback():
    script = textwrap.dedent("""
        import builtins, sys
        real = builtins.__import__
        def interrupted(name, *args, **kwargs):
            if name == "optimizer.cli.app":
                raise KeyboardInterrupt
            return real(name, *args, **kwargs)
        builtins.__import__ = interrupted
        sys.argv = ["minesink", "--version"]
        from optimizer.cli.entry import main
        main()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130 and done.stderr == "interrupted\n"


def test_estimate_may_not_overwrite_a_project_input(tmp_path, capsys):
    root = copy_example(tmp_path)
    before = snapshot(root)
    assert run(["estimate", str(root), "-o", str(root / "parcels.csv"), "--force"]) == 2
    assert "this is one of the project's input files" in _err(capsys)
    assert snapshot(root) == before


def test_export_model_needs_force_to_overwrite(tmp_path, capsys):
    root = copy_example(tmp_path)
    model = tmp_path / "model.lp"
    model.write_text("my own model", encoding="utf-8")
    assert run(["plan", str(root), "-o", str(tmp_path / "plan"), "--export-model", str(model)]) == 2
    assert f"{model} exists; use --force to overwrite it" in _err(capsys)
    assert model.read_text(encoding="utf-8") == "my own model" and not (tmp_path / "plan").exists()
    assert run(["plan", str(root), "-o", str(tmp_path / "plan"), "--export-model", str(model), "--force"]) == 0
    assert "\nmax \nobj:" in model.read_text(encoding="utf-8")


def test_formatted_floats_write_what_pandas_float_format_writes():
    """plan.csv's fast float formatting is byte-identical to ``to_csv(float_format=...)``."""
    import io

    import numpy as np
    import pandas as pd

    from optimizer.outputs.planout import formatted_floats

    frame = pd.DataFrame({
        "x": [1.0, np.nan, -0.0, np.inf, 1e20, -3.14159265, 1e-9],
        "name": list("abcdefg"),
        "nullable": pd.array([1.5, None, 2, 3, 4, 5, 6], dtype="Float64"),
        "n": np.arange(7),
        "f32": np.linspace(0, 1, 7, dtype=np.float32),
    })
    expected, got = io.StringIO(), io.StringIO()
    frame.to_csv(expected, index=False, float_format="%.4f", lineterminator="\n")
    formatted_floats(frame, "%.4f").to_csv(got, index=False, lineterminator="\n")
    assert got.getvalue() == expected.getvalue()
    assert ",," in got.getvalue()  # NaN stays an empty cell


@pytest.mark.parametrize("line_break", [False, True])
def test_row_subsets_are_written_as_the_whole_frame_would_be(tmp_path, line_break):
    """write_row_subsets gives each file the bytes write_text_csv gives its rows: quoting,
    Chinese text, empty cells, booleans; a field with a line break falls back to to_csv."""
    import numpy as np
    import pandas as pd

    from optimizer.outputs.planout import formatted_floats, write_row_subsets, write_text_csv

    frame = formatted_floats(pd.DataFrame({
        "parcel_id": ["P1", "P,2", 'P"3', "平朔-4", "P5"],
        "value": [1.0, np.nan, 2.5, -0.125, 1e6],
        "flag": [True, False, True, False, True],
        "note": ["", "a;b", "x\ny" if line_break else "x y", "'=1", "z"],
    }), "%.4f")
    picks = [np.array([0, 2, 4]), np.array([4, 3, 2, 1, 0]), np.array([1])]
    paths = [tmp_path / f"a{i}.csv" for i in range(3)]
    write_row_subsets(frame, picks, paths)
    for pick, path in zip(picks, paths):
        write_text_csv(frame.iloc[pick], tmp_path / "ref.csv")
        assert path.read_bytes() == (tmp_path / "ref.csv").read_bytes()
