"""Run any analysis over an ensemble of draws and reduce it to a point estimate and percentile bands.

:func:`run` evaluates ``analysis`` on the point estimate (the default table) and on ``draws``
draws, in this process, on a :class:`dask.distributed.LocalCluster` of ``workers`` processes, or
on any running Dask cluster (``scheduler=ADDRESS`` or ``$MRIO_SCHEDULER``). Draw ``i`` is a pure
function of ``(seed, i)`` (:func:`mrio.build.draws.draw_generator`), every worker computes with
one BLAS and one numba thread, and the results are gathered by draw index before the
percentiles are taken, so the result is the same whatever the number of workers or the order in
which draws finish.

See docs/methods/ensembles.md, sections "Draws", "Bands" and "Execution".
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mrio.build.draws import TableDraws, Uncertain, describe, draw_values, table_draws
from mrio.core.display import result_html
from mrio.core.system import MRIO
from mrio.errors import ComputationError, InputError, LabelError

__all__ = [
    "STATISTICS",
    "PERCENTILES",
    "SCHEDULER_ENV",
    "EnsembleError",
    "EnsembleResult",
    "ParameterDraws",
    "run",
    "band_table",
]

#: Percentiles of every ensemble result, and the column names of the result table.
PERCENTILES = (5, 25, 50, 75, 95)
STATISTICS = ("point",) + tuple(f"p{p}" for p in PERCENTILES)
#: Environment variable naming a running Dask scheduler (used when neither workers nor scheduler is given).
SCHEDULER_ENV = "MRIO_SCHEDULER"
#: Topic of the events workers log when a draw fails (the failed attempts Dask retried).
EVENT_TOPIC = "mrio-ensemble"
#: Environment of every worker process: one BLAS / OpenMP / numba thread.
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                  "NUMBA_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1"}
#: glibc allocator of a local worker process: freed memory is kept for the next draw (no mmap, no trim), so
#: each draw's N x N arrays reuse pages instead of faulting ~90 MB of fresh pages in (about a third of the
#: assembly's time); peak memory is unchanged, since every draw allocates the same arrays.
WORKER_MALLOC_ENV = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(2**31)}


class EnsembleError(ComputationError):
    """Draws of an ensemble failed (after Dask's retries); the message names them and why."""


@dataclass(frozen=True)
class ParameterDraws:
    """Draws of analysis parameters on one fixed table (shock sizes, ARIO recovery times...).

    The analysis is called as ``analysis(system, **parameters)``. The table's LU factors are
    computed once before the run and travel with it, so every draw on every worker reuses them.

    Attributes
    ----------
    system : MRIO
    assumptions : tuple of Uncertain
        The parameters and their ranges; the point estimate uses their defaults.
    """

    system: MRIO = field(repr=False)
    assumptions: tuple[Uncertain, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        names = [a.name for a in self.assumptions]
        if len(set(names)) != len(names):
            raise InputError(f"parameters named twice: {', '.join(sorted({n for n in names if names.count(n) > 1}))}")

    def parameters(self, seed: int, index: int) -> dict[str, Any]:
        """Return the parameter values of draw ``index``."""
        return draw_values(self.assumptions, seed, index)

    def defaults(self) -> dict[str, Any]:
        """Return the parameter values of the point estimate (the defaults)."""
        return {a.name: a.value(a.default) for a in self.assumptions}

    def describe(self) -> pd.DataFrame:
        """Return the parameters and their ranges, one row each."""
        return describe(self.assumptions)


Source = TableDraws | ParameterDraws


def _evaluate_point(source: Source, analysis: Callable) -> tuple[Any, float | None]:
    if isinstance(source, TableDraws):
        system = source.point()
        return analysis(system), system.meta.get("national_consistency_max_relative_error")
    return analysis(source.system, **source.defaults()), None


def _evaluate(source: Source, analysis: Callable, seed: int, index: int) -> tuple[Any, float | None]:
    if isinstance(source, TableDraws):
        system = source.table(seed, index)
        return analysis(system), system.meta.get("national_consistency_max_relative_error")
    return analysis(source.system, **source.parameters(seed, index)), None


# ------------------------------------------------------------------------------ shapes
def _as_frame(result: Any) -> tuple[pd.DataFrame, bool]:
    """Return an analysis result as a frame of floats (label columns moved into the index); Series flag."""
    if isinstance(result, pd.Series):
        if not pd.api.types.is_numeric_dtype(result.dtype) or pd.api.types.is_bool_dtype(result.dtype):
            raise InputError(f"an ensemble analysis must return numbers; got a Series of {result.dtype}")
        return result.astype(float).to_frame(result.name if result.name is not None else "value"), True
    if not isinstance(result, pd.DataFrame):
        raise InputError(f"an ensemble analysis must return a pandas Series or DataFrame, got "
                         f"{type(result).__name__}")
    labels = [c for c in result.columns if not pd.api.types.is_float_dtype(result[c].dtype)]
    frame = result.set_index(labels, append=not isinstance(result.index, pd.RangeIndex)) if labels else result
    if frame.shape[1] == 0:
        raise InputError("an ensemble analysis returned no numeric (float) columns")
    return frame.astype(float), False


@dataclass(frozen=True)
class _Part:
    name: str
    index: pd.Index
    columns: pd.Index
    series: bool

    @property
    def size(self) -> int:
        return len(self.index) * len(self.columns)


def _as_parts(result: Any) -> dict[str, tuple[pd.DataFrame, bool]]:
    """Return an analysis result (a table, or a mapping name -> table) as named frames of floats."""
    if isinstance(result, Mapping):
        if not result:
            raise InputError("an ensemble analysis returned an empty mapping of tables")
        return {str(k): _as_frame(v) for k, v in result.items()}
    return {"": _as_frame(result)}


def _template(result: Any) -> tuple[_Part, ...]:
    return tuple(_Part(name, frame.index, frame.columns, series) for name, (frame, series) in _as_parts(result).items())


def _aligned(result: Any, template: Sequence[_Part]) -> np.ndarray:
    """Return the values of one draw in the point estimate's label order, flattened (C order, part by part)."""
    parts = _as_parts(result)
    if list(parts) != [p.name for p in template]:
        raise LabelError(f"a draw returned tables {list(parts)}, the point estimate {[p.name for p in template]}")
    values = []
    for part in template:
        frame, _ = parts[part.name]
        if not (frame.index.equals(part.index) and frame.columns.equals(part.columns)):
            if frame.index.has_duplicates or set(frame.index) != set(part.index) \
                    or set(frame.columns) != set(part.columns):
                where = f" (table {part.name!r})" if part.name else ""
                raise LabelError(f"a draw's result{where} has other labels than the point estimate's "
                                 f"({frame.shape} vs {(len(part.index), len(part.columns))}): the analysis must "
                                 "return the same rows and columns for every table")
            frame = frame.reindex(index=part.index, columns=part.columns)
        values.append(np.ascontiguousarray(frame.to_numpy(dtype=float)).ravel())
    return np.concatenate(values)


def _band_index(part: _Part, frame: pd.DataFrame) -> pd.Index:
    if part.series:
        return part.index
    index = frame.stack(future_stack=True).index
    return index.set_names("quantity", level=-1) if index.names[-1] is None else index


def band_table(point: np.ndarray, samples: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Point estimate and percentiles of ``samples`` (draws x cells): columns ``point`` and ``p5`` to ``p95``.

    Percentiles by linear interpolation between order statistics (``numpy.nanpercentile``,
    Hyndman & Fan type 7), ignoring draws where a cell is NaN (e.g. a share of a zero total).
    """
    samples = np.asarray(samples, dtype=float)
    if samples.ndim != 2 or samples.shape[1] != len(point) or samples.shape[0] == 0:
        raise InputError(f"samples must be (draws, {len(point)}) with at least one draw, got {samples.shape}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells stay NaN
        q = np.nanpercentile(samples, PERCENTILES, axis=0)
    table = pd.DataFrame(np.column_stack([point, q.T]), index=index, columns=list(STATISTICS))
    table.columns.name = "statistic"
    return table


@dataclass(frozen=True)
class EnsembleResult:
    """An analysis over an ensemble: point estimate, percentile bands, the draws and how they were made.

    Attributes
    ----------
    tables : dict of str -> pandas.DataFrame
        One table per table of the analysis result (key ``""`` for a single table): one row per
        cell (the result's index; for a DataFrame result with its columns as a last index level
        ``quantity``), columns ``point`` (the default table), ``p5, p25, p50, p75, p95``
        (percentiles over the draws). :attr:`table` is the single one.
    samples : ndarray of shape (draws, cells)
        Every draw's values, the tables' rows one after the other.
    parameters : pandas.DataFrame
        The scalar assumption values of every draw (rows = draw index).
    assumptions : pandas.DataFrame
        What was drawn: name, default, range, distribution, source.
    seed, draws : int
    backend : str
        Where the draws ran (``in-process``, ``LocalCluster (2 workers)``, ``scheduler tcp://...``).
    retried : tuple of dict
        Failed attempts Dask retried successfully (draw index, error); empty when none failed.
    timing : dict
        ``wall_seconds`` (draws only), ``compute_seconds_per_draw`` (mean time inside a task),
        ``cpu_seconds_per_draw`` (mean CPU time of the thread running a task: the cost of a draw
        whatever else runs on the machine),
        ``overhead_seconds_per_draw`` (``(wall x threads - sum of task times) / draws``),
        ``threads``, ``startup_seconds`` (cluster start, inputs scattered to the workers and their
        modules imported, before the draws), ``peak_memory_per_worker_mb`` (the
        largest peak resident memory of a worker process; in-process: of this process).
    consistency : float or None
        The largest national-consistency error over the draws (tables rebuilt per draw).
    dataset : str
        What the draws are of (dataset and year, or "parameters on <table>").
    """

    tables: Mapping[str, pd.DataFrame]
    samples: np.ndarray = field(repr=False)
    parameters: pd.DataFrame = field(repr=False)
    assumptions: pd.DataFrame = field(repr=False)
    seed: int
    draws: int
    backend: str
    retried: tuple = ()
    timing: Mapping[str, float] = field(default_factory=dict, repr=False)
    consistency: float | None = None
    dataset: str = ""
    _repr_html_ = result_html

    @property
    def table(self) -> pd.DataFrame:
        """The band table of a single-table analysis."""
        if len(self.tables) != 1:
            raise InputError(f"this ensemble has several tables ({', '.join(self.tables)}): use .tables[name]")
        return next(iter(self.tables.values()))

    @property
    def point(self) -> pd.Series:
        """The point estimate (column ``point`` of :attr:`table`)."""
        return self.table["point"]

    def wide(self, name: str | None = None) -> pd.DataFrame:
        """Return a band table with the statistics under each quantity as columns (the analysis' own shape)."""
        table = self.table if name is None else self.tables[name]
        if "quantity" not in table.index.names:
            return table
        wide = table.unstack("quantity")
        order = list(dict.fromkeys(table.index.get_level_values("quantity")))
        wide = wide.reorder_levels([1, 0], axis=1)
        return wide.reindex(columns=pd.MultiIndex.from_product([order, list(STATISTICS)],
                                                               names=["quantity", "statistic"]))

    def band_width(self, low: str = "p5", high: str = "p95") -> pd.Series:
        """``high - low`` per cell of :attr:`table`."""
        return self.table[high] - self.table[low]

    def methods(self) -> str:
        """Return a methods paragraph: what was drawn, how, and how the bands are computed."""
        rows = []
        for name, a in self.assumptions.iterrows():
            rows.append(_describe_assumption(name, a))
        text = (f"Uncertainty bands from {self.draws} draws of {self.dataset} (seed {self.seed}; draw i "
                f"uses numpy SeedSequence({self.seed}, spawn_key=(i,))). Drawn independently: "
                + "; ".join(rows) + ". ")
        if self.consistency is not None:
            text += ("Each draw is a complete table rebuilt with its drawn assumptions and consistent with "
                     f"the national table (largest relative error over the draws {self.consistency:.2g}). ")
        text += ("The point estimate is the default table, not the median; p5-p95 and p25-p75 are "
                 "percentiles over the draws (linear interpolation). The bands cover only the assumptions "
                 "listed.")
        return text

    def __repr__(self) -> str:
        cells = sum(len(t) for t in self.tables.values())
        return (f"EnsembleResult({cells} cells x {', '.join(STATISTICS)}; {self.draws} draws of "
                f"{self.dataset}, seed {self.seed}, {self.backend})")


def _describe_assumption(name: str, a: pd.Series) -> str:
    def show(v: Any) -> str:
        return format(v, ".4g") if isinstance(v, float) else str(v)

    scalar = isinstance(a["low"], float)
    if scalar and a["low"] == a["high"]:
        return f"{name} fixed at {show(a['default'])}"
    span = f"{show(a['low'])}-{show(a['high'])}" if scalar else show(a["low"])
    shape = {"triangular": f"triangular over {span} with mode {show(a['default'])}",
             "two-piece-triangular": f"two-piece triangular over {span} with mode and median {show(a['default'])}",
             "two-piece-uniform": f"two-piece uniform over {span} with median at the default",
             "two-piece-integer": f"whole numbers {span}, median {show(a['default'])} (half the draws at or "
                                  "below it, half at or above)",
             "integer": f"whole numbers {span}, each equally likely (default {show(a['default'])})",
             }.get(a["distribution"], f"uniform over {span} (default {show(a['default'])})")
    source = f" [{a['source']}]" if a["source"] else ""
    return f"{name} ({a['description']}): {shape}{source}" if a["description"] else f"{name}: {shape}{source}"


# ------------------------------------------------------------------------------ execution
def _task(index: int, *, source: Source, analysis: Callable, template: tuple[_Part, ...], seed: int):
    """One draw (runs on a worker): aligned values, (wall, CPU) seconds spent, national-consistency error.

    The CPU seconds are those of the thread that ran the draw (``time.thread_time``): unlike the
    wall time, they do not grow when other jobs share the machine's cores.
    """
    start, cpu = time.perf_counter(), time.thread_time()
    try:
        result, check = _evaluate(source, analysis, seed, index)
        values = _aligned(result, template)
    except Exception as exc:
        _log_failure(index, exc)
        raise
    return values, (time.perf_counter() - start, time.thread_time() - cpu), check


def _log_failure(index: int, exc: BaseException) -> None:
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return  # not on a Dask worker
    worker.log_event(EVENT_TOPIC, {"draw": int(index), "error": f"{type(exc).__name__}: {exc}",
                                   "worker": worker.address})


def _peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux: ru_maxrss is in KB; macOS: bytes)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _serial(source, analysis, template, seed, draws, progress):
    out, times, checks = [None] * draws, np.zeros((draws, 2)), [None] * draws
    for i in range(draws):
        try:
            out[i], times[i], checks[i] = _task(i, source=source, analysis=analysis, template=template, seed=seed)
        except Exception as exc:
            raise EnsembleError(f"draw {i} of {draws} (seed {seed}) failed: {type(exc).__name__}: {exc}") from exc
        if progress is not None:
            progress(i + 1, draws)
    return out, times, checks, (), _peak_rss_mb()


def _warm_up(modules: Sequence[str]) -> None:
    """Import the modules a draw uses (on each worker, before the draws are timed)."""
    import importlib

    for module in modules:
        importlib.import_module(module)


def _distributed(client, source, analysis, template, seed, draws, retries, progress):
    """Run the draws on ``client``'s workers; also return the setup and the draws' wall seconds.

    Setup (timed apart from the draws): the inputs are scattered to every worker once and each
    worker imports the modules of the build and the analysis.
    """
    import uuid

    from distributed import as_completed

    started = time.perf_counter()
    token = uuid.uuid4().hex[:8]
    source_f, analysis_f, template_f = client.scatter([source, analysis, template], broadcast=True, hash=False)
    modules = {"mrio.build.draws", "mrio.ensemble.analyses", type(analysis).__module__, type(source).__module__}
    client.run(_warm_up, sorted(m for m in modules if m.split(".")[0] == "mrio"))  # user code travels pickled
    began = time.perf_counter()
    keys = [f"mrio-draw-{token}-{i}" for i in range(draws)]
    futures = client.map(_task, range(draws), key=keys, retries=retries, pure=False,
                         source=source_f, analysis=analysis_f, template=template_f, seed=seed)
    position = {f.key: i for i, f in enumerate(futures)}
    out, times, checks = [None] * draws, np.zeros((draws, 2)), [None] * draws
    failed: dict[int, str] = {}
    done = 0
    for future in as_completed(futures):
        i = position[future.key]
        if future.status == "error":
            exc = future.exception()
            failed[i] = f"{type(exc).__name__}: {exc}"
        else:
            out[i], times[i], checks[i] = future.result()
        future.release()
        done += 1
        if progress is not None:
            progress(done, draws)
    events = [msg for _, msg in client.get_events(EVENT_TOPIC)
              if isinstance(msg, Mapping) and str(msg.get("draw")) is not None]
    ours = [e for e in events if 0 <= int(e["draw"]) < draws]
    if failed:
        shown = "; ".join(f"draw {i}: {failed[i]}" for i in sorted(failed)[:5])
        raise EnsembleError(f"{len(failed)} of {draws} draws failed after {retries} retries (seed {seed}); "
                            f"no band is computed from a partial ensemble. {shown}")
    wall = time.perf_counter() - began
    return (out, times, checks, tuple(ours), max(client.run(_peak_rss_mb).values()), began - started, wall)


def _one_thread_cluster(workers: int):
    """Start a LocalCluster of one-thread workers, their environment set before the processes start.

    Thread counts and the allocator (:data:`ONE_THREAD_ENV`, :data:`WORKER_MALLOC_ENV`) only take
    effect when set before a process starts, hence Dask's ``distributed.nanny.pre-spawn-environ``.
    """
    import logging

    import dask
    from distributed import LocalCluster

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default=None) or {})
    environ.update(ONE_THREAD_ENV)
    environ.update(WORKER_MALLOC_ENV)
    before = {k: os.environ.get(k) for k in environ}  # the nannies set them here to spawn the workers
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
            return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                                silence_logs=logging.ERROR, env=dict(ONE_THREAD_ENV))
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(analysis: Callable, draws: int = 100, seed: int = 0, *, source: Source | None = None,
        dataset: str = "nl-corop", year: int | None = None, workers: int | None = None,
        scheduler: str | None = None, retries: int = 2,
        progress: Callable[[int, int], None] | None = None) -> EnsembleResult:
    """Run ``analysis`` on the point estimate and on ``draws`` draws; point and percentile bands.

    Parameters
    ----------
    analysis : callable
        ``analysis(system) -> pandas.Series or DataFrame`` of numbers (for :class:`ParameterDraws`:
        ``analysis(system, **parameters)``). Must be picklable for workers (a module-level
        function, a :func:`functools.partial` or one of :mod:`mrio.ensemble.analyses`) and
        return the same labels for every draw. Non-float columns of a DataFrame are labels.
    draws : int, default 100
    seed : int, default 0
        Draw ``i`` is a pure function of ``(seed, i)``.
    source : TableDraws or ParameterDraws, optional
        What is drawn; default :func:`mrio.build.draws.table_draws` of ``dataset`` and ``year``
        (tables rebuilt with their assumptions drawn).
    dataset, year
        The dataset whose tables are drawn when ``source`` is not given.
    workers : int, optional
        Start a :class:`dask.distributed.LocalCluster` of this many worker processes (one thread
        each, one BLAS thread each); the inputs are scattered to them once.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``; dask-jobqueue, Kubernetes...).
        Default ``$MRIO_SCHEDULER`` when ``workers`` is not given; neither: in this process.
    retries : int, default 2
        Dask retries of a failed draw; draws failing every attempt raise :class:`EnsembleError`
        (no band is computed from a partial ensemble); failed attempts that a retry recovered
        are listed in the result's ``retried``.
    progress : callable(done, total), optional
        Called as draws finish.

    Returns
    -------
    EnsembleResult
        ``.table``: ``point, p5, p25, p50, p75, p95`` per cell, identical (1e-12) for any number
        of workers.

    Raises
    ------
    InputError
        Bad ``draws``, ``seed``, ``workers``, both ``workers`` and ``scheduler``, or an analysis
        result that is not a table of numbers.
    EnsembleError
        Draws that failed on every attempt.
    """
    for value, what, low in ((draws, "draws", 1), (seed, "seed", 0), (retries, "retries", 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise InputError(f"{what} must be an integer >= {low}, got {value!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1):
        raise InputError(f"workers must be a positive integer, got {workers!r}")
    if workers is not None and scheduler is not None:
        raise InputError("give workers (start a local cluster) or scheduler (use a running one), not both")
    if not callable(analysis):
        raise InputError(f"analysis must be callable, got {type(analysis).__name__}")
    draws, seed = int(draws), int(seed)
    if scheduler is None and workers is None:
        scheduler = os.environ.get(SCHEDULER_ENV) or None
    if source is None:
        source = table_draws(dataset, year)
    elif not isinstance(source, TableDraws | ParameterDraws):
        raise InputError(f"source must be a TableDraws or ParameterDraws, got {type(source).__name__}")
    if isinstance(source, ParameterDraws):
        source.system.factor  # noqa: B018 - factorise once; the factors travel with the table
    point_result, point_check = _evaluate_point(source, analysis)
    template = _template(point_result)
    point = _aligned(point_result, template)

    start = time.perf_counter()
    if scheduler is None and workers is None:
        backend, threads, startup = "in-process", 1, 0.0
        out, times, checks, retried, memory = _serial(source, analysis, template, seed, draws, progress)
        wall = time.perf_counter() - start
    else:
        from distributed import Client

        cluster = _one_thread_cluster(int(workers)) if workers is not None else None
        try:
            with Client(cluster if cluster is not None else scheduler) as client:
                threads = max(1, sum(client.nthreads().values()))
                backend = (f"LocalCluster ({int(workers)} workers, 1 thread each)" if cluster is not None
                           else f"scheduler {scheduler} ({threads} threads)")
                startup = time.perf_counter() - start
                out, times, checks, retried, memory, setup, wall = _distributed(
                    client, source, analysis, template, seed, draws, int(retries), progress)
                startup += setup
        finally:
            if cluster is not None:
                cluster.close()
    samples = np.vstack(out)
    point_parts = _as_parts(point_result)
    tables, offset = {}, 0
    for part in template:
        frame = point_parts[part.name][0]
        table = band_table(point[offset:offset + part.size], samples[:, offset:offset + part.size],
                           _band_index(part, frame))
        offset += part.size
        source_attrs = point_result.get(part.name) if isinstance(point_result, Mapping) else point_result
        table.attrs.update({k: v for k, v in getattr(source_attrs, "attrs", {}).items() if isinstance(v, str)})
        tables[part.name] = table
    params = pd.DataFrame([{k: v for k, v in source.parameters(seed, i).items() if isinstance(v, float)}
                           for i in range(draws)], index=pd.RangeIndex(draws, name="draw"))
    checked = [c for c in checks + [point_check] if c is not None]
    what = (f"{source.dataset} {source.year}" if isinstance(source, TableDraws)
            else f"parameters on the table {source.system.meta.get('name', repr(source.system))}")
    timing = {"wall_seconds": wall, "compute_seconds_per_draw": float(times[:, 0].mean()),
              "cpu_seconds_per_draw": float(times[:, 1].mean()),
              "overhead_seconds_per_draw": max(0.0, (wall * threads - float(times[:, 0].sum())) / draws),
              "threads": float(threads), "startup_seconds": startup, "peak_memory_per_worker_mb": memory}
    return EnsembleResult(tables=tables, samples=samples, parameters=params, assumptions=source.describe(),
                          seed=seed, draws=draws, backend=backend, retried=retried, timing=timing,
                          consistency=max(checked) if checked else None, dataset=what)
