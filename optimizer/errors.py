"""Errors the command line turns into exit codes.

``InputError`` (exit 2) is a user mistake: a bad file, column, value or option.  Its message
names the file, row and column where it can.  ``RunError`` (exit 1) is a run that could not
finish: an infeasible plan (explained), a solver failure.
"""

from __future__ import annotations


class MinesinkError(Exception):
    """Base class of errors with a message meant for the user."""

    exit_code = 1


class InputError(MinesinkError, ValueError):
    """Bad input or usage: exit code 2."""

    exit_code = 2

    @classmethod
    def at(cls, file: str | None, message: str, row: int | None = None,
           column: str | None = None) -> "InputError":
        """Build an error naming where it happened: ``file, row R, column 'C': message``.

        ``row`` is the 1-based data row as a spreadsheet shows it (header = row 1, so the first
        data row is row 2).
        """
        where = [str(file)] if file else []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = ", ".join(where)
        return cls(f"{prefix}: {message}" if prefix else message)


class RunError(MinesinkError, RuntimeError):
    """A run that could not finish (infeasible, solver failure): exit code 1."""

    exit_code = 1
