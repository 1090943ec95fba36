"""Exception hierarchy of mrio.

Every error mrio raises on purpose is a subclass of :class:`MRIOError`, so a caller can catch
one type. The subclasses also derive from the matching built-in (``ValueError``, ``OSError``,
``KeyError``...) so generic handlers keep working. Messages say *what* is wrong and *where*
(the labels, file or entry concerned).

The command line maps :class:`InputError` subclasses to exit code 2 (bad usage or input) and any
other :class:`MRIOError` to exit code 1 (a computation that failed).
"""

from __future__ import annotations

__all__ = [
    "MRIOError",
    "InputError",
    "LabelError",
    "UnknownLabelError",
    "InvalidTableError",
    "IdentityError",
    "FileFormatError",
    "ScenarioError",
    "ComputationError",
    "NonProductiveSystemError",
    "SingularSystemError",
    "ConvergenceError",
    "InfeasibleBalancingError",
    "MRIOWarning",
]


class MRIOError(Exception):
    """Base class of every error raised by mrio."""


class InputError(MRIOError, ValueError):
    """The input (a table, a file, an argument, a scenario) is unusable as given."""


class LabelError(InputError):
    """Axis labels are missing, duplicated, misnamed or misaligned."""


class UnknownLabelError(LabelError, KeyError):
    """A region, sector, category or stressor name matches nothing in the system."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class InvalidTableError(InputError):
    """Values are unusable: NaN/inf, negative output, wrong shape or sign."""


class IdentityError(InvalidTableError):
    """An accounting identity (row balance, column balance, national totals) does not hold."""


class FileFormatError(InputError, OSError):
    """A file or folder is missing, malformed or not in the expected format."""


class ScenarioError(InputError):
    """A scenario file or shock specification is invalid."""


class ComputationError(MRIOError, ArithmeticError):
    """A numerical computation could not produce a trustworthy result."""


class NonProductiveSystemError(ComputationError):
    """The input-coefficient matrix is not productive (spectral radius >= 1 or negative L)."""


class SingularSystemError(ComputationError):
    """The system ``I - A`` (or another matrix to factorise) is singular."""


class ConvergenceError(ComputationError):
    """An iterative method did not reach its tolerance within its iteration cap."""


class InfeasibleBalancingError(ComputationError):
    """Balancing constraints cannot be met (inconsistent totals or impossible zero pattern)."""


class MRIOWarning(UserWarning):
    """A suspicious but usable situation (e.g. a column of A summing to one or more)."""
