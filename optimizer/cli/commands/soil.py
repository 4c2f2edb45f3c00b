"""``minesink rothc``: run RothC on an official-format input file (RothC_Py's RothC_input.dat)."""

from __future__ import annotations

from pathlib import Path

import typer

from optimizer.cli.app import command
from optimizer.inputs.csvio import write_atomic
from optimizer.errors import InputError
from optimizer.inputs.rothc_io import read_rothc_input, rothc_year_results

HELP = """Run the Rothamsted carbon model (RothC) on INPUT, a file in the official RothC_Py
input format (3 text lines; 'clay depth iom nsteps' and their values; a units line; the record
names; then one line per month: year month modern Tmp Rain Evap C_inp FYM PC DPM_RPM).

As the published run: the first 12 months are repeated until the soil carbon is at equilibrium,
then months 13..nsteps follow.  OUT.csv gets the equilibrium (Year 1, Month = spin-up months)
and every December: Year, Month, DPM, RPM, BIO, HUM, IOM, SOC [t C/ha] and deltaC (delta 14C of
the soil carbon, per mil), the layout of RothC_Py's year_results.csv.
"""


@command("rothc", help=HELP)
def rothc(
    data: Path = typer.Argument(..., help="RothC input file (e.g. RothC_input.dat)."),
    out: Path = typer.Option(..., "--output", "-o", help="CSV file to write (year results)."),
    force: bool = typer.Option(False, "--force", help="Overwrite OUT if it exists."),
) -> None:
    """Run RothC on an official-format input file."""
    if out.exists() and not force:
        raise InputError(f"{out}: already exists (use --force to overwrite)")
    table = rothc_year_results(read_rothc_input(data))
    write_atomic(out, lambda tmp: table.to_csv(tmp, index=False))
    first = table.iloc[0]
    typer.echo(f"RothC: equilibrium SOC {first['SOC_t_C_ha']:.5f} t C/ha after {int(first['Month'])} "
               f"months; final SOC {table['SOC_t_C_ha'].iloc[-1]:.5f} t C/ha; "
               f"{len(table)} rows written to {out}")
