"""The command line's frame: version, usage errors, no tracebacks."""

from optimizer import __version__
from optimizer.cli.app import run


def test_version_prints_and_exits_0(capsys):
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"minesink {__version__}"


def test_unknown_command_is_usage_error_exit_2(capsys):
    assert run(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "no-such-command" in err


def test_data_dir_found():
    from optimizer.inputs.data import data_dir

    assert (data_dir() / "SOURCES.md").is_file()
