"""The ``[schedule]`` table of project.toml: periods, money per period, capacity, milestones.

``parse_schedule(table, error, start_year, horizon_year, total_cny)`` checks the table and
returns a ``ScheduleSpec``; ``error(key, message)`` builds the InputError that names the line
of project.toml (``optimizer.inputs.project`` passes its own).  Keys::

    [schedule]
    periods = 5                  # number of periods, or a list of their first years
                                 # [2026, 2028, 2031]; the first is [project] start_year
    period_years = 1             # length of each period when periods is a number
    budget_cny = 2_400_000       # money per period, or a list with one value per period
                                 # (default: [budget] total_cny split evenly; none = unlimited)
    carry_over = false           # unspent money of a period may be spent later
    max_area_ha = 120            # area on which works start per period (machines, nursery);
                                 # a number or a list per period; natural recovery is not counted
    min_tco2e_2030 = 15_000      # milestones: credited t CO2e of the whole mine by that year
    min_tco2e_2060 = 40_000
    objective = "max-carbon"     # or "min-cost": least discounted cost that meets the milestones
    carbon_weights = { 2060 = 1 }   # max-carbon: weight of the credited carbon at each year
                                    # (default: the horizon); { 2030 = 1 } maximises 2030
    discount_rate = 0.0          # [1/yr] for the min-cost objective (and the reported present value)
    allow_defer = false          # a parcel may wait beyond the last period ("not yet")

A ``[budget] total_cny`` beside per-period budgets caps the total as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from optimizer.errors import InputError

KEYS = ("periods", "period_years", "budget_cny", "carry_over", "max_area_ha", "objective",
        "carbon_weights", "discount_rate", "allow_defer")
MILESTONE = re.compile(r"^min_tco2e_(\d{4})$")
OBJECTIVES = ("max-carbon", "min-cost")

ErrorFn = Callable[[str | None, str], InputError]


@dataclass(frozen=True)
class ScheduleSpec:
    """A validated ``[schedule]`` table.

    Attributes
    ----------
    starts : first year of each period (the first is the project's start year), increasing
    ends : last year in which works of each period may start (the last period's works window
        has the length of ``period_years``, or of the period before it for a list)
    budget_cny : [CNY] money per period (capital of works starting in it plus maintenance due in
        it; the last period also pays the maintenance due after it up to the horizon), or None
        for no limit
    carry_over : unspent money of a period may be spent in later ones
    max_area_ha : [ha] per period, area on which active works start (None entries: no limit)
    milestones : year -> minimum credited t CO2e of the whole mine at that year
    objective : "max-carbon" or "min-cost"
    carbon_weights : year -> weight of the credited carbon at that year (max-carbon)
    discount_rate : [1/yr] of the min-cost objective and the reported present value
    allow_defer : parcels may wait beyond the last period
    total_cny : [CNY] cap on all spending ([budget] total_cny), or None
    notes : assumption sentences for the report (defaults used)
    """

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    budget_cny: tuple[float, ...] | None = None
    carry_over: bool = False
    max_area_ha: tuple[float | None, ...] | None = None
    milestones: dict[int, float] = field(default_factory=dict)
    objective: str = "max-carbon"
    carbon_weights: dict[int, float] = field(default_factory=dict)
    discount_rate: float = 0.0
    allow_defer: bool = False
    total_cny: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def n_periods(self) -> int:
        return len(self.starts)

    def labels(self) -> list[str]:
        """'2026' for a one-year period, '2026-2030' for a longer one."""
        return [f"{a}" if a == b else f"{a}-{b}" for a, b in zip(self.starts, self.ends)]

    def with_budgets(self, budgets: tuple[float, ...] | None) -> "ScheduleSpec":
        """The same schedule with other per-period budgets (same length)."""
        from dataclasses import replace

        return replace(self, budget_cny=budgets)

    @classmethod
    def one_lump(cls, start_year: int, total_cny: float | None, **kw: Any) -> "ScheduleSpec":
        """One period at the start year holding the whole budget: today's one-lump plan."""
        budget = None if total_cny is None else (float(total_cny),)
        return cls(starts=(int(start_year),), ends=(int(start_year),), budget_cny=budget, **kw)


def _number(error: ErrorFn, key: str, value: Any, *, integer: bool = False) -> float:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        want = "a whole number" if integer else "a number"
        raise error(key, f"expected {want}, got {type(value).__name__} {value!r}")
    if value != value or value in (float("inf"), float("-inf")):
        raise error(key, f"expected a finite number, got {value!r}")
    return value


def _periods(error: ErrorFn, table: dict[str, Any], start: int, horizon: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    value = table.get("periods", 1)
    length = int(_number(error, "period_years", table.get("period_years", 1), integer=True))
    if length < 1:
        raise error("period_years", f"{length} must be at least 1")
    if isinstance(value, list):
        if "period_years" in table:
            raise error("period_years", "give period_years only with a number of periods, not with a list of years")
        starts = [int(_number(error, "periods", v, integer=True)) for v in value]
        if not starts:
            raise error("periods", "the list is empty (expected the first year of each period)")
        if starts[0] != start:
            raise error("periods", f"the first period must start in [project] start_year {start}, not {starts[0]}")
        if any(b <= a for a, b in zip(starts, starts[1:])):
            raise error("periods", f"the years {starts} must increase")
        last_len = starts[-1] - starts[-2] if len(starts) > 1 else 1
        ends = [b - 1 for b in starts[1:]] + [starts[-1] + last_len - 1]
    else:
        n = int(_number(error, "periods", value, integer=True))
        if n < 1:
            raise error("periods", f"{n}: expected at least 1 period")
        starts = [start + k * length for k in range(n)]
        ends = [s + length - 1 for s in starts]
    if starts[-1] >= horizon:
        raise error("periods", f"the last period starts in {starts[-1]}, not before the horizon {horizon}")
    ends[-1] = min(ends[-1], horizon - 1)
    return tuple(starts), tuple(ends)


def _per_period(error: ErrorFn, key: str, value: Any, n: int, *, allow_zero: bool) -> tuple[float, ...]:
    values = value if isinstance(value, list) else [value] * n
    if len(values) != n:
        raise error(key, f"{len(values)} value(s) for {n} period(s) (give one number, or one per period)")
    out = []
    for v in values:
        x = float(_number(error, key, v))
        if x < 0 or (x == 0 and not allow_zero):
            raise error(key, f"{x:g} must be {'0 or more' if allow_zero else 'greater than 0'}")
        out.append(x)
    return tuple(out)


def _years_table(error: ErrorFn, key: str, value: Any, start: int, horizon: int) -> dict[int, float]:
    if not isinstance(value, dict) or not value:
        raise error(key, "expected a table of years and weights like { 2030 = 0.5, 2060 = 0.5 }")
    out = {}
    for year_text, weight in value.items():
        if not str(year_text).isdigit() or not start < int(year_text) <= horizon:
            raise error(key, f"'{year_text}' is not a year after {start} and up to the horizon {horizon}")
        w = float(_number(error, key, weight))
        if w < 0:
            raise error(key, f"weight {w:g} of {year_text} must be 0 or more")
        out[int(year_text)] = w
    if not any(w > 0 for w in out.values()):
        raise error(key, "at least one weight must be greater than 0")
    return out


def _flag(error: ErrorFn, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise error(key, f"expected true or false, got {value!r}")
    return value


def _milestones(error: ErrorFn, table: dict[str, Any], start: int, horizon: int) -> dict[int, float]:
    out = {}
    for key, value in table.items():
        found = MILESTONE.match(key)
        if not found:
            continue
        year = int(found.group(1))
        if not start < year <= horizon:
            raise error(key, f"milestone year {year} must be after the start year {start} and up to the "
                        f"horizon {horizon}")
        out[year] = float(_number(error, key, value))
    return dict(sorted(out.items()))


def parse_schedule(table: dict[str, Any], error: ErrorFn, start_year: int, horizon_year: int,
                   total_cny: float | None) -> ScheduleSpec:
    """Check a ``[schedule]`` table and return the spec (see the module docstring for the keys)."""
    for key in table:
        if key not in KEYS and not MILESTONE.match(key):
            raise error(key, f"unknown key '{key}' (expected one of: {', '.join(KEYS)}, min_tco2e_<year>)")
    starts, ends = _periods(error, table, start_year, horizon_year)
    n = len(starts)
    notes = []
    if "budget_cny" in table:
        budgets: tuple[float, ...] | None = _per_period(error, "budget_cny", table["budget_cny"], n, allow_zero=True)
    elif total_cny is not None:
        budgets = tuple(float(total_cny) / n for _ in range(n))
        notes.append(f"[schedule] budget_cny not given: the [budget] total of {total_cny:,.0f} CNY split evenly "
                     f"over the {n} period(s)")
    else:
        budgets = None
    area = None
    if "max_area_ha" in table:
        area = _per_period(error, "max_area_ha", table["max_area_ha"], n, allow_zero=True)
    objective = table.get("objective", "max-carbon")
    if objective not in OBJECTIVES:
        raise error("objective", f"'{objective}' is not one of {', '.join(OBJECTIVES)}")
    milestones = _milestones(error, table, start_year, horizon_year)
    if objective == "min-cost" and not milestones:
        raise error("objective", "min-cost needs at least one milestone (min_tco2e_<year> = t CO2e), "
                    "or the cheapest schedule is to do as little as possible")
    weights = ({horizon_year: 1.0} if "carbon_weights" not in table
               else _years_table(error, "carbon_weights", table["carbon_weights"], start_year, horizon_year))
    rate = float(_number(error, "discount_rate", table.get("discount_rate", 0.0)))
    if not 0.0 <= rate < 1.0:
        raise error("discount_rate", f"{rate:g} must be from 0 to below 1 (a yearly rate such as 0.03)")
    return ScheduleSpec(
        starts=starts, ends=ends, budget_cny=budgets,
        carry_over=_flag(error, "carry_over", table.get("carry_over", False)),
        max_area_ha=area, milestones=milestones, objective=str(objective), carbon_weights=weights,
        discount_rate=rate, allow_defer=_flag(error, "allow_defer", table.get("allow_defer", False)),
        total_cny=total_cny if "budget_cny" in table else None, notes=tuple(notes))
