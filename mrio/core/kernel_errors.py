"""Translate kernel errors (positions) into mrio errors (labels)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from mrio import kernels
from mrio.core.labels import _show
from mrio.errors import (
    ConvergenceError,
    InfeasibleBalancingError,
    NonProductiveSystemError,
    SingularSystemError,
)


@contextmanager
def kernel_errors(index: pd.Index | None = None, columns: pd.Index | None = None) -> Iterator[None]:
    """Re-raise :mod:`mrio.kernels` errors as :mod:`mrio.errors` types, naming the labels.

    Parameters
    ----------
    index : pandas.Index, optional
        Labels of the positions a kernel reports (rows; also columns unless ``columns`` given).
    columns : pandas.Index, optional
        Labels of column positions (balancing).
    """
    columns = index if columns is None else columns

    def names(labels: pd.Index | None, positions: list[int]) -> str:
        if labels is None or not positions:
            return ""
        return " [" + _show([labels[p] for p in positions if 0 <= p < len(labels)]) + "]"

    try:
        yield
    except kernels.NotProductiveError as exc:
        raise NonProductiveSystemError(
            f"{exc}; columns of A summing to >= 1 or implicated{names(index, exc.positions)}"
            if exc.positions else str(exc)) from exc
    except kernels.SingularError as exc:
        raise SingularSystemError(f"{exc}{names(index, exc.positions)}") from exc
    except kernels.NotConvergedError as exc:
        raise ConvergenceError(str(exc)) from exc
    except kernels.InfeasibleError as exc:
        where = []
        if exc.rows:
            where.append(f"rows{names(index, exc.rows)}")
        if exc.columns:
            where.append(f"columns{names(columns, exc.columns)}")
        raise InfeasibleBalancingError(f"{exc}" + (f" ({'; '.join(where)})" if where else "")) from exc
