"""Ensembles with uncertainty bands.

Any analysis or scenario over draws of the regional build, in-process or on a Dask cluster.

* :func:`run` -- ``run(analysis, draws=N, seed=S, workers=W | scheduler=ADDRESS)``: the analysis on
  the default table (``point``) and on ``N`` rebuilt tables, reduced to percentiles ``p5, p25,
  p50, p75, p95`` (:class:`EnsembleResult`).
* :class:`ParameterDraws` -- draws of shock or model parameters on one fixed table (its LU
  factors computed once and reused by every draw).
* :mod:`mrio.ensemble.analyses` -- the command line's analyses as picklable callables.
* The draws themselves (:class:`~mrio.build.draws.TableDraws`, :class:`~mrio.build.draws.Uncertain`)
  live in :mod:`mrio.build.draws`.

It may import :mod:`mrio.shocks`, :mod:`mrio.analysis` and everything below them; never report or cli.
"""

from mrio.build.draws import TableDraws, Uncertain, nl_uncertain_assumptions, table_draws
from mrio.ensemble.analyses import (
    DEPENDENCY_TABLES,
    DependencyTable,
    ExtractionTable,
    MultiplierTable,
    Regrouped,
    ScenarioTables,
)
from mrio.ensemble.runner import (
    PERCENTILES,
    SCHEDULER_ENV,
    STATISTICS,
    EnsembleError,
    EnsembleResult,
    ParameterDraws,
    band_table,
    run,
)

__all__ = [
    "run", "EnsembleResult", "EnsembleError", "ParameterDraws", "band_table", "PERCENTILES", "STATISTICS",
    "SCHEDULER_ENV", "TableDraws", "Uncertain", "table_draws", "nl_uncertain_assumptions", "DependencyTable",
    "MultiplierTable", "ExtractionTable", "ScenarioTables", "Regrouped", "DEPENDENCY_TABLES",
]
