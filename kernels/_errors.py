"""Errors raised by kernels.

Kernels know nothing of labels, so these carry positions only; the labelled layer (``mrio``)
translates them into its own exception types with region and sector names.
"""


class KernelError(ArithmeticError):
    """Base class of numerical failures detected inside a kernel."""


class NotProductiveError(KernelError):
    """Spectral radius of A is >= 1, or the computed inverse has negative entries.

    Attributes
    ----------
    positions : list of int
        Column positions of A implicated (column sums >= 1, or negative entries of L).
    spectral_radius : float or None
    """

    def __init__(self, message, positions=(), spectral_radius=None):
        super().__init__(message)
        self.positions = list(positions)
        self.spectral_radius = spectral_radius


class SingularError(KernelError):
    """A matrix to be factorised is singular or numerically singular."""

    def __init__(self, message, positions=()):
        super().__init__(message)
        self.positions = list(positions)


class NotConvergedError(KernelError):
    """An iterative kernel hit its iteration cap before its tolerance.

    Attributes
    ----------
    iterations : int
    residual : float
    rows, columns : list of int
        Positions where the residual is worst (e.g. the product and its regions), if known.
    """

    def __init__(self, message, iterations=0, residual=float("nan"), rows=(), columns=()):
        super().__init__(message)
        self.iterations = iterations
        self.residual = residual
        self.rows = list(rows)
        self.columns = list(columns)


class InfeasibleError(KernelError):
    """Constraints (e.g. balancing margins) cannot be satisfied.

    Attributes
    ----------
    rows, columns : list of int
        Positions of the offending rows / columns, if known.
    """

    def __init__(self, message, rows=(), columns=()):
        super().__init__(message)
        self.rows = list(rows)
        self.columns = list(columns)


class InconsistentAggregatesError(InfeasibleError):
    """Published figures of a hierarchical table contradict each other (no completion meets them).

    Attributes
    ----------
    aggregates : list of int
        Positions of the aggregates (parent = sum of children) that cannot hold.
    cells : list of int
        Positions of the cells of those aggregates.
    """

    def __init__(self, message, aggregates=(), cells=()):
        super().__init__(message, rows=aggregates, columns=cells)
        self.aggregates = list(aggregates)
        self.cells = list(cells)
