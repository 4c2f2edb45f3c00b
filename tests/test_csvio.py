"""User tables: every bad cell is reported with file, row and column."""

import numpy as np
import pytest

from optimizer.inputs.csvio import bool_column, check_range, numeric_column, read_csv, write_text_atomic
from optimizer.errors import InputError


def _write(tmp_path, text, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_reads_text_columns_and_bom(tmp_path):
    frame = read_csv(_write(tmp_path, "\ufeffa, b\n1, x\n"), required=["a", "b"])
    assert list(frame.columns) == ["a", "b"]
    assert frame.loc[0, "b"] == "x"


@pytest.mark.parametrize(
    "text, message",
    [("", "empty"), ("a,b\n", "no data rows"), ("a\n1\n", "missing required column 'b'")],
)
def test_bad_files(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        read_csv(_write(tmp_path, text), required=["a", "b"])


@pytest.mark.parametrize("encoding, label", [
    ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with BOM"), ("gb18030", "GB18030"), ("gbk", "GB18030"),
    ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16 (no byte-order mark)")])
def test_encodings_detected(tmp_path, encoding, label):
    path = _write(tmp_path, "a,b\n1,南排土场坡地\n", encoding=encoding)
    frame = read_csv(path)
    assert frame.loc[0, "b"] == "南排土场坡地"
    assert frame.attrs["encoding"] == label


def test_undecodable_named(tmp_path):
    path = _write(tmp_path, "a,b\n1,caf\u00e9 x\n", encoding="latin-1")
    with pytest.raises(InputError, match="t.csv: not readable text .byte 9 "):
        read_csv(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_csv(tmp_path / "nope.csv")


def test_numeric_column_names_row_and_column(tmp_path):
    frame = read_csv(_write(tmp_path, "a\n1\n2\nsteep\n"))
    with pytest.raises(InputError, match=r"t.csv, row 4, column 'a': 'steep' is not a number"):
        numeric_column(frame, "a", "t.csv")


def test_blank_required_and_optional(tmp_path):
    frame = read_csv(_write(tmp_path, "a,b\n1,\n2,3\n"))
    with pytest.raises(InputError, match="row 2, column 'b'"):
        numeric_column(frame, "b", "t.csv")
    values = numeric_column(frame, "b", "t.csv", required=False, default=7.0)
    assert values.tolist() == [7.0, 3.0]


def test_bool_and_range(tmp_path):
    frame = read_csv(_write(tmp_path, "c,d\ntrue,1\nno,1\n,1\nmaybe,1\n"))
    with pytest.raises(InputError, match="row 5, column 'c': 'maybe' is not true or false"):
        bool_column(frame, "c", "t.csv")
    with pytest.raises(InputError, match=r"row 3, column 'x': 0 is out of range \(expected > 0\)"):
        check_range(np.array([1.0, 0.0]), "x", "t.csv", lo=0, lo_open=True)


def test_write_atomic_leaves_nothing_on_failure(tmp_path):
    from optimizer.inputs.csvio import write_atomic

    def boom(_):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic(tmp_path / "out.csv", boom)
    assert list(tmp_path.iterdir()) == []
    write_text_atomic(tmp_path / "ok.txt", "hi")
    assert (tmp_path / "ok.txt").read_text() == "hi"
