"""Reading and writing user tables with errors that name the file, row and column.

Every user-facing CSV goes through ``read_csv``: it rejects missing or empty files, files that are
not UTF-8 (a BOM is accepted, as Excel writes one), missing columns, and then converts columns
one at a time so a bad cell is reported as ``parcels.csv, row 7, column 'slope_deg': 'steep' is
not a number``.  Rows are numbered as a spreadsheet shows them: the header is row 1.

``write_atomic`` writes through a temporary file in the target folder and renames it, so a
failed run never leaves a half-written output.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from optimizer.errors import InputError

T = TypeVar("T")

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", ""})


def read_csv(path: str | Path, required: Iterable[str] = (), label: str | None = None) -> pd.DataFrame:
    """Read a CSV as text columns (no type guessing), checking encoding, emptiness and columns.

    Parameters
    ----------
    path : file to read
    required : columns that must be present
    label : how to name the file in messages (default: the file name)

    Returns
    -------
    DataFrame of str, blanks as "" and column names stripped.
    """
    path = Path(path)
    name = label or path.name
    if not path.is_file():
        raise InputError.at(name, f"file not found ({path})")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError.at(
            name, f"not UTF-8 text (byte {err.start}); save it as 'CSV UTF-8' and try again"
        ) from None
    if not text.strip():
        raise InputError.at(name, "the file is empty")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.ParserError as err:
        raise InputError.at(name, f"not a readable CSV table ({err})") from None
    except pd.errors.EmptyDataError:
        raise InputError.at(name, "the file is empty") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) == 0:
        raise InputError.at(name, "has a header but no data rows")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        listed = ", ".join(f"'{c}'" for c in missing)
        raise InputError.at(name, f"missing required column {listed} (found: {', '.join(frame.columns)})")
    return frame.apply(lambda col: col.str.strip())


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
    bad = first_bad(np.isnan(values) & ~blank)
    if bad is not None:
        raise InputError.at(file, f"'{text.iloc[bad]}' is not a number", sheet_row(bad), column)
    if required:
        miss = first_bad(blank)
        if miss is not None:
            raise InputError.at(file, "a value is required here", sheet_row(miss), column)
    values[blank] = default
    return values


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


def write_atomic(path: str | Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto ``path`` only if it succeeded."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        writer(tmp_path)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def check_outdir(outdir: str | Path, force: bool) -> None:
    """Refuse an output folder that is a file, or that is not empty unless ``force``."""
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"{outdir} exists and is not a folder")
    if outdir.is_dir() and any(outdir.iterdir()) and not force:
        raise InputError(f"output folder {outdir} exists and is not empty; use --force to overwrite it")


def write_folder_atomic(outdir: str | Path, force: bool, writer: Callable[[Path], T]) -> T:
    """Fill a temporary folder beside ``outdir`` with ``writer(tmp)``, then rename it onto
    ``outdir``: a failed run leaves no half-written folder.  Returns what ``writer`` returns."""
    outdir = Path(outdir)
    check_outdir(outdir, force)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    try:
        result = writer(tmp)
        if outdir.exists():
            shutil.rmtree(outdir)
        os.replace(tmp, outdir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return result
