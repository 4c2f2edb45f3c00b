"""Errors the command line turns into exit codes.

``InputError`` (exit 2) is a user mistake: a bad file, column, value or option.  Its message
names the file, row and column where it can, and those parts are kept as attributes (``file``,
``row``, ``column``, ``detail``) for ``validate --json``.  ``InputErrors`` carries several of them
at once (``validate`` reports every problem it finds, up to a limit), and ``Problems`` collects
them.  ``RunError`` (exit 1) is a run that could not finish: an infeasible plan (explained), a
solver failure, a full disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: how many problems ``validate`` lists before it only counts the rest
DEFAULT_MAX_ERRORS = 50


class MinesinkError(Exception):
    """Base class of errors with a message meant for the user."""

    exit_code = 1


class InputError(MinesinkError, ValueError):
    """Bad input or usage: exit code 2."""

    exit_code = 2

    def __init__(self, message: str = "", *, file: str | None = None, row: int | str | None = None,
                 column: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.row = row
        self.column = column
        self.detail = detail if detail is not None else message

    @classmethod
    def at(cls, file: str | None, message: str, row: int | str | None = None,
           column: str | None = None) -> "InputError":
        """Build an error naming where it happened: ``file, row R, column 'C': message``.

        ``row`` is the 1-based data row as a spreadsheet shows it (header = row 1, so the first
        data row is row 2), or a text such as ``"feature 3"``.
        """
        where = [str(file)] if file else []
        if row is not None:
            where.append(row if isinstance(row, str) else f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = ", ".join(where)
        return cls(f"{prefix}: {message}" if prefix else message, file=file, row=row, column=column,
                   detail=message)

    @property
    def messages(self) -> list[str]:
        """Every message this error carries (one here; several in ``InputErrors``)."""
        return [str(self)]

    def to_dict(self) -> dict[str, Any]:
        """``{"file", "row", "column", "message", "detail"}`` for JSON output (None when unknown)."""
        return {"file": self.file, "row": self.row, "column": self.column, "message": str(self),
                "detail": self.detail}


class InputErrors(InputError):
    """Several input errors found in one pass; ``str`` is the first, ``errors`` all kept ones.

    ``total`` counts every problem found, also those past the limit that were not kept.
    """

    def __init__(self, errors: list[InputError], total: int | None = None) -> None:
        first = errors[0]
        more = (total or len(errors)) - 1
        text = str(first) + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
        super().__init__(text, file=first.file, row=first.row, column=first.column, detail=first.detail)
        self.errors = list(errors)
        self.total = max(int(total or len(errors)), len(errors))

    @property
    def messages(self) -> list[str]:
        lines = [str(e) for e in self.errors]
        hidden = self.total - len(self.errors)
        if hidden > 0:
            lines.append(f"... and {hidden} more problem{'s' if hidden > 1 else ''} "
                         f"(only the first {len(self.errors)} are listed)")
        return lines


class Problems:
    """Collects InputErrors so a check can go on after the first one.

    ``add`` keeps up to ``limit`` errors and counts the rest; ``check(fn)`` runs ``fn`` and
    collects what it raises (returning None then); ``raise_if_any`` raises ``InputErrors``.
    """

    def __init__(self, limit: int = DEFAULT_MAX_ERRORS) -> None:
        self.limit = max(int(limit), 1)
        self.errors: list[InputError] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def full(self) -> bool:
        """True once ``limit`` errors are kept (callers may stop looking for more)."""
        return len(self.errors) >= self.limit

    def add(self, error: InputError) -> None:
        if isinstance(error, InputErrors):
            for one in error.errors:
                self.add(one)
            self.total += error.total - len(error.errors)
            return
        self.total += 1
        if len(self.errors) < self.limit:
            self.errors.append(error)

    def count(self, n: int) -> None:
        """Count ``n`` more problems that were not built (past the limit)."""
        self.total += int(n)

    def check(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``fn(*args, **kwargs)``, or None after collecting the InputError it raised."""
        try:
            return fn(*args, **kwargs)
        except InputError as err:
            self.add(err)
            return None

    def raise_if_any(self) -> None:
        """Raise the problems found (one InputError, or InputErrors ordered by file then row)."""
        if self.total:
            if self.total == 1 and len(self.errors) == 1:
                raise self.errors[0]
            files: dict[str | None, int] = {}
            for error in self.errors:
                files.setdefault(error.file, len(files))
            ordered = sorted(self.errors, key=lambda e: (files[e.file], _row_number(e.row)))
            raise InputErrors(ordered, self.total)


def _row_number(row: int | str | None) -> int:
    """Sort key of a row: file-level problems first, then by number ('feature 3' -> 3)."""
    if row is None:
        return -1
    if isinstance(row, int):
        return row
    digits = "".join(c for c in row if c.isdigit())
    return int(digits) if digits else -1


class RunError(MinesinkError, RuntimeError):
    """A run that could not finish (infeasible, solver failure): exit code 1."""

    exit_code = 1


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread so clean-up code runs as on Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = int(signum)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def __str__(self) -> str:
        import signal

        try:
            name = signal.Signals(self.signum).name
        except ValueError:
            name = f"signal {self.signum}"
        return f"stopped by {name}; temporary files were removed"
