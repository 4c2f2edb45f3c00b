"""Reading user tables as text: encodings, CSV dialects and Excel workbooks.

Planners' tables come from Excel (UTF-8 with a byte-order mark, or GBK/GB18030 on Chinese
Windows), from GIS tools (UTF-8, sometimes UTF-16) and from hand-made ``.xlsx`` files.  This
module turns any of them into a table of text cells, checking the shape of the table on the
way so that nothing is silently shifted:

* ``decode_text`` detects the encoding: a byte-order mark (UTF-8, UTF-16, UTF-32), then UTF-16
  without a mark (NUL bytes in every other position), then strict UTF-8, then GB18030 (a
  superset of GBK and GB2312).  It returns the text and a label such as ``"GB18030"``.
* ``read_text_table`` parses CSV text with Python's ``csv`` module (comma; semicolon or tab when
  the header holds no comma), and ``read_xlsx`` reads the first (or a named) sheet of a workbook
  with openpyxl.  Both go through ``records_to_frame``, which refuses what would otherwise
  shift or hide data: a duplicated or nameless column with values, a row with more values than
  the header (an unquoted comma such as a decimal comma ``1,5``), a NUL character, an empty row
  between data rows.  Trailing empty rows and empty trailing columns are dropped.

Messages name the file, the row (as a spreadsheet shows it: header = row 1) and the column, and
never echo more of the file than the offending cell.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, Problems

#: encodings tried, in order, for text without a byte-order mark
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
MAX_SHOWN = 40  # characters of a cell quoted in a message


def shown(value: object) -> str:
    """A cell as quoted in messages: at most ``MAX_SHOWN`` characters, control characters escaped."""
    text = str(value)
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 3] + "..."


def _utf16_guess(raw: bytes) -> str | None:
    """utf-16-le / utf-16-be when NUL bytes sit in every other position of a sample, else None."""
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode_text(raw: bytes, name: str) -> tuple[str, str]:
    """Decode a user's text file; return ``(text, label)`` with the encoding's name.

    Raises InputError (naming the file and the first undecodable byte) when the bytes are not
    UTF-8, UTF-16/32, or GB18030 text.
    """
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(codec), label
            except UnicodeDecodeError as err:
                raise InputError.at(name, f"starts with a {label} byte-order mark but is not {label} "
                                    f"text (byte {err.start + len(bom)})") from None
    guess = _utf16_guess(raw)
    if guess is not None:
        try:
            return raw.decode(guess), "UTF-16 (no byte-order mark)"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as err:
        first_bad = err.start
    try:
        return raw.decode("gb18030"), "GB18030"
    except UnicodeDecodeError:
        raise InputError.at(name, f"not readable text (byte {first_bad} is neither UTF-8 nor "
                            "GB18030/GBK, and there is no UTF-16 byte-order mark); save it as "
                            "'CSV UTF-8' and try again") from None


def _delimiter(text: str) -> str:
    """',' unless the first non-blank line has no comma but a semicolon or a tab."""
    for line in text.splitlines():
        if line.strip():
            if "," in line:
                return ","
            if ";" in line:
                return ";"
            if "\t" in line:
                return "\t"
            return ","
    return ","


def read_text_table(text: str, name: str, problems: Problems | None = None) -> pd.DataFrame:
    """Parse CSV text into a table of stripped text cells (see ``records_to_frame``)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as err:
        raise InputError.at(name, f"not a readable CSV table ({err})", len(records) + 1) from None
    return records_to_frame(records, name, problems)


def read_csv_file(path: Path, name: str, problems: Problems | None = None) -> pd.DataFrame:
    """Read and decode a CSV file; the table's ``attrs['encoding']`` names the encoding found."""
    if not path.is_file():
        raise InputError.at(name, f"file not found ({path})")
    text, label = decode_text(path.read_bytes(), name)
    if not text.strip():
        raise InputError.at(name, "the file is empty")
    frame = read_text_table(text, name, problems)
    frame.attrs["encoding"] = label
    return frame


def _cell_text(value: object) -> str:
    """An Excel cell value as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path, name: str, sheet: str | None = None,
              problems: Problems | None = None) -> pd.DataFrame:
    """Read one sheet of an Excel workbook (the first, or ``sheet`` by name) as text cells.

    Formulas give the value Excel last computed (a workbook never opened in Excel has none:
    those cells read as blank).  Raises InputError for an unreadable file or an unknown sheet.
    """
    if not path.is_file():
        raise InputError.at(name, f"file not found ({path})")
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise InputError.at(name, "reading .xlsx needs openpyxl: pip install openpyxl") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - any reader failure is a bad input file
        raise InputError.at(name, f"not a readable Excel workbook ({type(err).__name__}); save it "
                            "as 'Excel Workbook (.xlsx)' or as CSV UTF-8") from None
    try:
        names = book.sheetnames
        if sheet is None:
            if not names:
                raise InputError.at(name, "the workbook has no sheets")
            ws = book[names[0]]
        elif sheet in names:
            ws = book[sheet]
        else:
            listed = ", ".join(f"'{shown(n)}'" for n in names[:20])
            raise InputError.at(name, f"no sheet named '{shown(sheet)}' (sheets: {listed})")
        label = f"{name} [{ws.title}]" if sheet is not None or len(names) > 1 else name
        records = [[_cell_text(v) for v in row] for row in ws.iter_rows(min_row=1, values_only=True)]
    finally:
        book.close()
    if not any(any(c.strip() for c in r) for r in records):
        raise InputError.at(label, "the sheet is empty")
    frame = records_to_frame(records, label, problems)
    frame.attrs["encoding"] = "Excel workbook"
    frame.attrs["label"] = label
    return frame


def _blank(record: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in record)


def _header(record: list[str], columns: list[list[str]], name: str, problems: Problems) -> list[int]:
    """Positions of the header's named columns; nameless columns must be empty, names unique."""
    names = [cell.strip() for cell in record]
    keep: list[int] = []
    seen: dict[str, int] = {}
    for j, col in enumerate(names):
        if not col:
            filled = next((i for i, v in enumerate(columns[j]) if v.strip()), None)
            if filled is not None:
                after = f" (after '{shown(names[j - 1])}')" if j and names[j - 1] else ""
                problems.add(InputError.at(name, f"column {j + 1}{after} has values but no name in the "
                                           "header (row 1); give it a name or delete it", filled + 2))
            continue
        if col in seen:
            problems.add(InputError.at(name, f"column '{shown(col)}' appears twice in the header "
                                       f"(columns {seen[col] + 1} and {j + 1}); rename or delete one",
                                       1, col))
            continue
        seen[col] = j
        keep.append(j)
    return keep


def records_to_frame(records: Iterable[Sequence[str]], name: str,
                     problems: Problems | None = None) -> pd.DataFrame:
    """Header + data records -> DataFrame of stripped text (all problems collected, then raised).

    Leading and trailing empty records are dropped; an empty record between data rows, a row
    with more non-empty values than the header has columns, a NUL character, a nameless column
    with values and a duplicated column name are errors naming the row (and column).
    """
    own = problems is None
    problems = Problems() if problems is None else problems
    rows = [list(r) for r in records]
    while rows and _blank(rows[0]):
        rows.pop(0)
    while rows and _blank(rows[-1]):
        rows.pop()
    if not rows:
        raise InputError.at(name, "the file is empty")
    header, data = rows[0], rows[1:]
    if not data:
        raise InputError.at(name, "has a header but no data rows")
    width = len(header)
    broken: list[int] = []  # rows whose cells are shifted: their cells are not checked one by one
    for i, row in enumerate(data):
        if len(row) > width:
            if any(c.strip() for c in row[width:]):
                broken.append(i)
                problems.add(InputError.at(
                    name, f"{len(row)} values but the header has {width} columns: is there an unquoted "
                    "comma in a value, such as a decimal comma ('1,5')? Put the value in quotes or use a "
                    "decimal point", i + 2))
            row[:] = row[:width]
        elif len(row) < width:
            row.extend([""] * (width - len(row)))
        if _blank(row):
            problems.add(InputError.at(name, "the row is empty: delete it", i + 2))
    columns = [[row[j] for row in data] for j in range(width)]
    keep = _header(header, columns, name, problems)
    for j in keep:
        bad = next((i for i, v in enumerate(columns[j]) if "\x00" in v), None)
        if bad is not None:
            problems.add(InputError.at(name, "the cell holds a NUL character (a damaged file, or not a "
                                       "text table?)", bad + 2, header[j].strip()))
    if own:
        problems.raise_if_any()
    frame = pd.DataFrame({header[j].strip(): pd.Series([v.strip() for v in columns[j]], dtype=object)
                          for j in keep})
    frame.attrs["broken_rows"] = broken
    return frame
