"""Reading and writing user tables with errors that name the file, row and column.

Every user-facing CSV goes through ``read_csv``: it rejects missing or empty files, text that is not
UTF-8, UTF-16 or GB18030 (``optimizer.inputs.tableread`` detects which), rows that would shift columns,
duplicated and missing columns, and then converts columns one at a time so a bad cell is reported as ``parcels.csv, row 7, column 'slope_deg': 'steep' is
not a number``.  Rows are numbered as a spreadsheet shows them: the header is row 1.

``write_atomic`` and ``write_folder_atomic`` write through a temporary file or folder beside the
target and rename it into place (``optimizer.outputs.files``), so a failed run never leaves a
half-written output and ``--force`` never replaces what minesink did not write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problems
from optimizer.outputs.files import check_outdir as _check_outdir
from optimizer.outputs.files import write_file, write_folder
from optimizer.inputs.tableread import read_csv_file, shown

T = TypeVar("T")

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", ""})


def read_csv(path: str | Path, required: Iterable[str] = (), label: str | None = None,
             problems: Problems | None = None) -> pd.DataFrame:
    """Read a CSV as text columns (no type guessing), checking encoding, shape and columns.

    Parameters
    ----------
    path : file to read (UTF-8 with or without BOM, UTF-16, GB18030/GBK: see optimizer.inputs.tableread)
    required : columns that must be present
    label : how to name the file in messages (default: the file name)
    problems : collect errors here instead of raising them (the table is returned as read)

    Returns
    -------
    DataFrame of str, blanks as "" and column names stripped; ``attrs['encoding']`` names the
    encoding that was detected.
    """
    path = Path(path)
    name = label or path.name
    frame = read_csv_file(path, name, problems)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        error = missing_columns_error(name, missing, list(frame.columns))
        if problems is None:
            raise error
        problems.add(error)
    return frame


def close_names(name: str, candidates: Iterable[str]) -> list[str]:
    """Candidates at most one edit (insert, delete, substitute, swap of neighbours) from ``name``,
    ignoring case."""
    return [c for c in candidates if edit_distance(name.lower(), c.lower(), 2) <= 1]


def edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal-string-alignment distance between ``a`` and ``b`` (stops counting at ``cap``)."""
    if abs(len(a) - len(b)) >= cap:
        return cap
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[-1], cap)


def missing_columns_error(name: str, missing: list[str], found: list[str]) -> InputError:
    """'missing required column ...' with a suggestion for a near-miss name (no other file text)."""
    listed = ", ".join(f"'{c}'" for c in missing)
    hints = []
    for column in missing:
        near = close_names(column, found)
        if near:
            hints.append(f"'{shown(near[0])}' is probably '{column}'")
    hint = f" ({'; '.join(hints)}: check the spelling)" if hints else f" (the header has {len(found)} columns)"
    message = f"missing required column {listed}{hint}"
    return InputError(f"{name}: {message}", file=name, column=missing[0], detail=message)


def first_bad(mask: np.ndarray | pd.Series) -> int | None:
    """Position (0-based) of the first True in ``mask``, or None."""
    hits = np.flatnonzero(np.asarray(mask))
    return int(hits[0]) if hits.size else None


def sheet_row(position: int) -> int:
    """Spreadsheet row number of the 0-based data row ``position`` (header is row 1)."""
    return position + 2


def numeric_column(frame: pd.DataFrame, column: str, file: str, *, required: bool = True,
                   default: float = np.nan) -> np.ndarray:
    """Convert a text column to float64, naming the first bad cell.

    Blank cells are an error when ``required``, else they become ``default``.
    """
    if column not in frame.columns:
        if required:
            raise InputError.at(file, f"missing required column '{column}'")
        return np.full(len(frame), default, dtype=float)
    text = frame[column].astype(str)
    blank = text.eq("").to_numpy()
    values = np.array(pd.to_numeric(text.where(~blank, None), errors="coerce"), dtype=float)
    bad = first_bad(~np.isfinite(values) & ~blank)
    if bad is not None:
        raise InputError.at(file, not_a_number(text.iloc[bad]), sheet_row(bad), column)
    if required:
        miss = first_bad(blank)
        if miss is not None:
            raise InputError.at(file, "a value is required here", sheet_row(miss), column)
    values[blank] = default
    return values


def not_a_number(cell: str, expected: str | None = None) -> str:
    """Message for a cell that is not a finite number (with a hint for decimal commas)."""
    text = str(cell).strip().lower()
    if text in ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "-nan", "+nan"):
        what = f"'{shown(cell)}' is not a finite number"
    else:
        what = f"'{shown(cell)}' is not a number"
        if "," in text and text.replace(",", "").replace(".", "").lstrip("+-").isdigit():
            what += " (write decimals with a point: 1.5, not 1,5)"
    return what + (f" (expected {expected})" if expected else "")


def bool_column(frame: pd.DataFrame, column: str, file: str, default: bool = False) -> np.ndarray:
    """Convert a true/false text column (true/false, yes/no, 1/0; blank = default)."""
    if column not in frame.columns:
        return np.full(len(frame), default, dtype=bool)
    text = frame[column].astype(str).str.lower()
    bad = first_bad(~text.isin(TRUE_WORDS | FALSE_WORDS))
    if bad is not None:
        raise InputError.at(file, f"'{frame[column].iloc[bad]}' is not true or false", sheet_row(bad), column)
    out = np.array(text.isin(TRUE_WORDS), dtype=bool)
    out[text.eq("").to_numpy()] = default
    return out


def check_range(values: np.ndarray, column: str, file: str, *, lo: float | None = None,
                hi: float | None = None, lo_open: bool = False, expected: str | None = None) -> None:
    """Raise InputError at the first value outside [lo, hi] (or (lo, hi] when ``lo_open``)."""
    bad_mask = np.zeros(values.shape, dtype=bool)
    finite = ~np.isnan(values)
    if lo is not None:
        bad_mask |= finite & ((values <= lo) if lo_open else (values < lo))
    if hi is not None:
        bad_mask |= finite & (values > hi)
    bad = first_bad(bad_mask)
    if bad is not None:
        if expected is None:
            low = "" if lo is None else (f"> {lo:g}" if lo_open else f">= {lo:g}")
            high = "" if hi is None else f"<= {hi:g}"
            expected = " and ".join(p for p in (low, high) if p)
        raise InputError.at(file, f"{values[bad]:g} is out of range (expected {expected})", sheet_row(bad), column)


def write_atomic(path: str | Path, writer: Callable[[Path], object], force: bool = True,
                 protect: Iterable[Path] = ()) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto ``path`` only if it succeeded
    (``optimizer.outputs.files.write_file``: umask modes, output lock, one-line disk errors)."""
    return write_file(path, writer, force=force, protect=protect)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def check_outdir(outdir: str | Path, force: bool, protect: Iterable[Path] = ()) -> None:
    """Refuse an output folder minesink may not (re)place (``optimizer.outputs.files.check_outdir``)."""
    _check_outdir(outdir, force, protect)


def write_folder_atomic(outdir: str | Path, force: bool, writer: Callable[[Path], T],
                        protect: Iterable[Path] = ()) -> T:
    """Fill a temporary folder with ``writer(tmp)`` and swap it onto ``outdir`` with a manifest of
    the files written (``optimizer.outputs.files.write_folder``): a failed run changes nothing, and
    ``force`` replaces only what minesink wrote.  Returns what ``writer`` returns."""
    return write_folder(outdir, force, writer, protect)
