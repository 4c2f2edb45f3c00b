"""Project checks that need more than one file: where override files may live, and whether a
parcel's forced option is possible on that parcel.

``override_path`` keeps [parameters] files inside the project folder (symbolic links resolved)
unless the user passes ``--allow-outside``: a project handed around should not read files
elsewhere on the disk.  ``forced_problems`` runs the option catalogue's feasibility rules
(``estimators.options.candidate_rows``: regrading applies to the landform and slope, amendment
offered on the soil, every species of the mix suitable on the regraded, amended site) for the
parcels that carry a ``forced_option``, so ``validate`` refuses what ``plan`` would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from estimators.options import EstimateSettings, feasible_options
from optimizer.errors import InputError
from optimizer.inputs.tableread import shown


def override_path(root: Path, value: str, allow_outside: bool,
                  error: Callable[[str], InputError]) -> Path:
    """The resolved path of a [parameters] file; ``error(message)`` builds the InputError.

    Refused: a file outside ``root`` (after resolving ``..`` and symbolic links) unless
    ``allow_outside``, and a missing file.
    """
    text = value.strip()
    path = (root / text).resolve()
    base = root.resolve()
    if not allow_outside and not path.is_relative_to(base):
        raise error(f"'{shown(text)}' is outside the project folder; copy the file into the project "
                    "folder, or pass --allow-outside to read it from there")
    if not path.is_file():
        raise error(f"file '{shown(text)}' not found in {root}")
    return path


def forced_problems(parcels: pd.DataFrame, catalogue: Any, region_key: str,
                    settings: EstimateSettings) -> list[tuple[int, str]]:
    """(position, forced option) of every parcel whose forced option is not a feasible option.

    Natural recovery is always feasible; the other ids are checked with the same rules the
    option table uses.
    """
    forced = parcels["forced_option"].astype(str).to_numpy()
    need = np.flatnonzero((forced != "") & (forced != "natural"))
    if need.size == 0:
        return []
    sub = parcels.iloc[need].reset_index(drop=True)
    ok = feasible_options(sub, catalogue, region_key, settings, np.arange(need.size), forced[need].tolist())
    return [(int(need[i]), str(forced[need[i]])) for i in np.flatnonzero(~ok)]
