"""Read the official RothC input file and produce RothC_Py's ``year_results.csv`` table.

File layout (RothC_Py's ``RothC_input.dat``, whitespace separated):

* lines 1-3: free text;
* line 4: ``clay depth iom nsteps``; line 5 their values (%, cm, t C/ha, number of months);
* line 6: units (free text); line 7: the record column names;
* lines 8..: one record per month: year, month, modern (%), Tmp (C), Rain (mm), Evap (mm,
  open pan), C_inp (t C/ha), FYM (t C/ha), PC (1 covered, 0 bare), DPM_RPM.

The run (as published): spin-up repeating records 1-12 to equilibrium, then records 13..nsteps;
the table holds the equilibrium (Year 1, Month = spin-up months) and every December after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from estimators.rothc import rothc_simulate, rothc_spin_up
from optimizer.errors import InputError

HEAD_NAMES = ("clay", "depth", "iom", "nsteps")
RECORD_NAMES = ("year", "month", "modern", "Tmp", "Rain", "Evap", "C_inp", "FYM", "PC", "DPM_RPM")
RESULT_COLUMNS = ["Year", "Month", "DPM_t_C_ha", "RPM_t_C_ha", "BIO_t_C_ha", "HUM_t_C_ha",
                  "IOM_t_C_ha", "SOC_t_C_ha", "deltaC"]
FIRST_RECORD_LINE = 8
# column -> (lowest, highest) allowed
LIMITS = {"month": (1, 12), "modern": (0, None), "Tmp": (-60, 60), "Rain": (0, None),
          "C_inp": (0, None), "FYM": (0, None), "PC": (0, 1), "DPM_RPM": (0, None)}


@dataclass(frozen=True)
class RothCInput:
    """Contents of a RothC input file."""

    clay: float  # [%]
    depth: float  # [cm]
    iom: float  # [t C/ha]
    nsteps: int
    records: pd.DataFrame  # columns RECORD_NAMES, float


def _number(text: str, name: str, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{name}, line {line}, column '{column}': '{text}' is not a number") from None
    if not np.isfinite(value):
        raise InputError(f"{name}, line {line}, column '{column}': '{text}' is not a finite number")
    return value


def _read_lines(path: Path, name: str) -> list[str]:
    if not path.is_file():
        raise InputError.at(name, f"file not found ({path})")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError.at(name, f"not a text file (byte {err.start} is not UTF-8)") from None
    lines = text.splitlines()
    if len(lines) < FIRST_RECORD_LINE:
        raise InputError.at(name, f"too short for a RothC input file ({len(lines)} lines; the monthly "
                                  f"records start on line {FIRST_RECORD_LINE})")
    return lines


def _header(lines: list[str], name: str) -> tuple[float, float, float, int]:
    names = [w.lower() for w in lines[3].split()]
    if names != list(HEAD_NAMES):
        raise InputError(f"{name}, line 4: expected the names 'clay depth iom nsteps', found '{lines[3].strip()}'")
    fields = lines[4].split()
    if len(fields) != 4:
        raise InputError(f"{name}, line 5: expected 4 values (clay depth iom nsteps), found {len(fields)}")
    clay, depth, iom, steps = (_number(f, name, 5, c) for f, c in zip(fields, HEAD_NAMES))
    checks = [(0 <= clay <= 100, "clay", "a percentage 0-100"), (depth > 0, "depth", "> 0 cm"),
              (iom >= 0, "iom", ">= 0 t C/ha"), (steps == int(steps) and steps > 12, "nsteps",
                                                  "a whole number of months above 12")]
    for ok, column, expected in checks:
        if not ok:
            raise InputError(f"{name}, line 5, column '{column}': {fields[HEAD_NAMES.index(column)]} "
                             f"is out of range (expected {expected})")
    return clay, depth, iom, int(steps)


def _records(lines: list[str], name: str) -> pd.DataFrame:
    rows, numbers = [], []
    for index in range(FIRST_RECORD_LINE - 1, len(lines)):
        fields = lines[index].split()
        if not fields:
            continue
        line = index + 1
        if len(fields) != len(RECORD_NAMES):
            raise InputError(f"{name}, line {line}: expected {len(RECORD_NAMES)} values "
                             f"({' '.join(RECORD_NAMES)}), found {len(fields)}")
        numbers.append([_number(f, name, line, c) for f, c in zip(fields, RECORD_NAMES)])
        rows.append(line)
    frame = pd.DataFrame(numbers, columns=list(RECORD_NAMES), index=rows, dtype=float)
    for column, (lo, hi) in LIMITS.items():
        values = frame[column].to_numpy()
        bad = (values < lo) | (values > hi if hi is not None else False)
        if bad.any():
            line = int(frame.index[np.flatnonzero(bad)[0]])
            span = f"{lo}-{hi}" if hi is not None else f">= {lo}"
            raise InputError(f"{name}, line {line}, column '{column}': {frame.at[line, column]:g} "
                             f"is out of range (expected {span})")
    return frame


def read_rothc_input(path: str | Path) -> RothCInput:
    """Parse a RothC input file; InputError names the line and column of any problem."""
    path = Path(path)
    name = path.name
    lines = _read_lines(path, name)
    clay, depth, iom, nsteps = _header(lines, name)
    records = _records(lines, name)
    if len(records) != nsteps:
        raise InputError(f"{name}: {len(records)} monthly records found but line 5 says nsteps = {nsteps}")
    return RothCInput(clay, depth, iom, nsteps, records.reset_index(drop=True))


def _columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c: frame[c].to_numpy() for c in RECORD_NAMES}


def rothc_year_results(data: RothCInput) -> pd.DataFrame:
    """Run the published RothC procedure on a parsed input file.

    Returns the ``year_results.csv`` table: the equilibrium after spin-up (Year 1, Month = months
    of spin-up), then the pools [t C/ha] and delta14C [per mil] of every December of records
    13..nsteps.
    """
    cycle, rest = _columns(data.records.iloc[:12]), _columns(data.records.iloc[12:])
    spun = rothc_spin_up(data.clay, data.depth, data.iom, cycle["Tmp"], cycle["Rain"], cycle["Evap"],
                         cycle["C_inp"], cycle["FYM"], cycle["PC"] > 0, cycle["DPM_RPM"], cycle["modern"])
    run = rothc_simulate(data.clay, data.depth, data.iom, rest["Tmp"], rest["Rain"], rest["Evap"],
                         rest["C_inp"], rest["FYM"], rest["PC"] > 0, rest["DPM_RPM"],
                         pools0=spun.pools, tsmd0=spun.tsmd, modern=rest["modern"],
                         activity0=spun.activity)
    dec = np.flatnonzero(rest["month"] == 12)
    pools = np.vstack([spun.pools[0], run.pools[0, dec]])
    table = pd.DataFrame(pools, columns=RESULT_COLUMNS[2:7])
    table.insert(0, "Month", np.r_[spun.months[0], rest["month"][dec]].astype(int))
    table.insert(0, "Year", np.r_[1, rest["year"][dec]].astype(int))
    table["SOC_t_C_ha"] = pools.sum(axis=1)
    table["deltaC"] = np.r_[spun.delta14c[0], run.delta14c[0, dec]]
    return table
