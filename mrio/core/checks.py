"""Validation of scalar options shared by every layer: tolerances, counts, step numbers.

Each check returns the value in canonical form or raises :class:`~mrio.errors.InputError` naming the
option and what it takes, so that NaN, a negative tolerance, ``max_iter=0`` or a float where a count
is needed never switch a check off or reach a kernel.
"""

from __future__ import annotations

import math
import numbers

from mrio.errors import InputError

__all__ = ["check_rtol", "check_tolerance", "check_count"]


def _real(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{what} must be a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError as exc:
        raise InputError(f"{what} is too large: {value!r}") from exc
    if not math.isfinite(number):
        raise InputError(f"{what} must be finite, got {value!r}")
    return number


def check_rtol(value: object, what: str = "rtol") -> float:
    """Check a relative tolerance of an identity check: a finite number >= 0 (0 = exact)."""
    number = _real(value, what)
    if number < 0:
        raise InputError(f"{what} must be >= 0 (a relative tolerance), got {value!r}")
    return number


def check_tolerance(value: object, what: str = "tol") -> float:
    """Check a stopping tolerance of an iteration: a finite number > 0."""
    number = _real(value, what)
    if number <= 0:
        raise InputError(f"{what} must be > 0 (a stopping tolerance), got {value!r}")
    return number


def check_count(value: object, what: str, low: int = 1, high: int | None = None) -> int:
    """Check a whole number in ``[low, high]`` (an iteration cap, a number of steps or paths)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) \
                and float(value).is_integer():
            value = int(value)
        else:
            raise InputError(f"{what} must be a whole number, got {value!r}")
    value = int(value)
    if value < low:
        raise InputError(f"{what} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise InputError(f"{what} must be <= {high:,}, got {value:,}")
    return value
