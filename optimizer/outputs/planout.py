"""What plan outputs add around the plan table: the parcels' own columns, Excel-safe text, the
solver-status banner and the per-parcel section of the report.

* ``with_parcel_extra``: the unknown columns of the parcel file (names, Chinese text, the
  planner's codes) appended to plan.csv / plan.gpkg rows by parcel id; a name that clashes with a
  plan column gets the suffix ``_input``.
* ``excel_safe``: text cells that Excel would run as a formula (starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) get a leading apostrophe in CSV outputs, the OWASP advice
  for CSV injection; numbers are untouched.  Read such a cell back by dropping the apostrophe.
* ``status_banner``: the first line of stdout and of report.md when the solver stopped at its
  time limit without proving the plan within the requested gap; ``not_proven`` decides exit 3.
* ``parcel_section``: a Markdown table of the parcels (id, own columns, option, carbon, cost).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REPORT_PARCELS = 500  # parcels listed in report.md; plan.csv has them all


def with_parcel_extra(frame: pd.DataFrame, extra: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` (one row per parcel, column parcel_id) with the parcel file's extra columns."""
    if extra is None or extra.shape[1] == 0:
        return frame
    names: dict[str, str] = {}
    for column in extra.columns:
        name = str(column)
        while name in frame.columns or name in names.values():
            name += "_input"
        names[column] = name
    rows = extra.rename(columns=names).reindex(frame["parcel_id"].astype(str).to_numpy())
    out = frame.copy()
    for column in rows.columns:
        out[column] = rows[column].fillna("").to_numpy(dtype=object)
    return out


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot start a formula in Excel (apostrophe prefix)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        text = values.to_numpy(dtype=object)
        risky = np.array([isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in text], dtype=bool)
        if risky.any():
            text = text.copy()
            text[risky] = ["'" + v for v in text[risky]]
            out[column] = text
    return out


#: how minesink's CSV outputs write floats, and their encoding (UTF-8 with a byte-order mark, so
#: that Excel reads Chinese names correctly)
FLOAT_FORMAT = "%.4f"
CSV_ENCODING = "utf-8-sig"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as one of minesink's CSV outputs (plan.csv and its relatives)."""
    write_text_csv(formatted_floats(frame, FLOAT_FORMAT), path)


def write_text_csv(frame: pd.DataFrame, path: Path) -> None:
    """``write_csv`` of a frame whose floats are already text (``formatted_floats``)."""
    frame.to_csv(path, index=False, lineterminator="\n", encoding=CSV_ENCODING)


def write_row_subsets(frame: pd.DataFrame, picks: list[np.ndarray], paths: list[Path]) -> None:
    """``write_text_csv(frame.iloc[pick], path)`` for every pick and path, byte for byte, with the
    rows turned into CSV lines once: files that share most of their rows (a frontier's point
    plans) cost a join each instead of a whole ``to_csv``."""
    body = frame.to_csv(index=False, lineterminator="\n")
    lines = body.split("\n")[:-1]
    if len(lines) != len(frame) + 1 or "\r" in body:  # a field holds a line break: one to_csv per file
        for pick, path in zip(picks, paths):
            write_text_csv(frame.iloc[pick], path)
        return
    header, rows = lines[0] + "\n", np.array([line + "\n" for line in lines[1:]], dtype=object)
    for pick, path in zip(picks, paths):
        path.write_text(header + "".join(rows[pick].tolist()), encoding=CSV_ENCODING, newline="")


def formatted_floats(frame: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """A copy with float columns turned into text by ``fmt`` (NaN -> empty), as
    ``to_csv(float_format=fmt)`` writes them but about three times faster on large plans."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind != "f":
            continue
        values = out[column].to_numpy(dtype=float, na_value=np.nan)
        text = np.array([fmt % v for v in values.tolist()], dtype=object)
        text[np.isnan(values)] = ""
        out[column] = text
    return out


def excel_unescape(values: pd.Series) -> pd.Series:
    """Undo ``excel_safe`` on a column read back from a CSV output (e.g. plan.csv's parcel_id)."""
    text = values.astype(str)
    risky = text.str.startswith("'") & text.str[1:2].isin(list(FORMULA_STARTS))
    return text.where(~risky, text.str[1:])


def not_proven(summary: dict[str, Any], requested_gap: float) -> bool:
    """True when the plan is feasible but not proven within ``requested_gap`` (exit code 3)."""
    if summary.get("status") != "time_limit":
        return False
    gap = summary.get("gap")
    return gap is None or gap > requested_gap * (1 + 1e-9)


def status_banner(summary: dict[str, Any], requested_gap: float, time_limit_s: float,
                  termination: str = "maxTimeLimit") -> str | None:
    """One line saying the solve stopped at its time limit, with the gap and the bound (None when
    the plan is proven within the requested gap).  ``termination`` is the solver's reason; another
    limit than time (a node limit set in solver options) is named as such."""
    if not not_proven(summary, requested_gap):
        return None
    unit = "CNY" if summary.get("objective_name") == "min-cost" else "t CO2e"
    gap = summary.get("gap")
    gap_text = "unknown (no bound)" if gap is None else f"{100 * gap:,.3g} %"
    bound = summary.get("bound")
    bound_text = "none" if bound is None else f"{bound:,.0f} {unit}"
    objective = summary.get("objective")
    plan_text = "" if objective is None else f", this plan {objective:,.0f} {unit}"
    why = (f"the solver stopped after {time_limit_s:g} s" if termination in ("maxTimeLimit", "")
           else f"the solver stopped at a limit ({termination})")
    return (f"TIME LIMIT: {why} before proving this plan optimal - "
            f"gap {gap_text} (bound {bound_text}{plan_text}; requested gap {100 * requested_gap:g} %). "
            "It is feasible but may be improved: rerun with a longer --time-limit or a larger --gap.")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if np.isfinite(value) else ""
    return str(value).replace("|", "\\|").replace("\n", " ")


def parcel_section(frame: pd.DataFrame, extra_columns: list[str]) -> list[str]:
    """'## Parcels': one Markdown row per parcel (up to ``REPORT_PARCELS``) with its own columns."""
    shown = ["parcel_id", *extra_columns, "option_id", "area_ha", "carbon_tco2e", "cost_cny"]
    heads = ["parcel", *extra_columns, "option", "area (ha)", "carbon (t CO2e)", "cost (CNY)"]
    lines = ["## Parcels", "", "| " + " | ".join(_cell(h) for h in heads) + " |",
             "|" + "---|" * len(extra_columns) + "---|---|---:|---:|---:|"]
    for row in frame[shown].head(REPORT_PARCELS).itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if len(frame) > REPORT_PARCELS:
        lines.append(f"\n... {len(frame) - REPORT_PARCELS} more parcels in plan.csv")
    return ["", *lines, ""]
