"""Benchmarks of the core against reference implementations, runnable outside pytest.

``mrio bench`` (:mod:`mrio.cli._bench`) and ``benchmarks/bench_core.py`` share this module. Each
comparison times mrio and a reference on the same inputs in the same process and reports the
ratio ``mrio time / reference time`` (below 1 means mrio is faster) and the peak memory each
allocates (``tracemalloc``, which sees numpy's buffers), measured in a separate untimed run.

Comparisons (issue 2, "Benchmarks"):

``leontief_inverse``
    :func:`mrio.kernels.leontief_inverse` (LAPACK ``getrf`` on one copy of ``I - A``, then
    ``getrs`` on the identity) vs ``numpy.linalg.inv(I - A)``. Target: ratio <= 1.05 at N = 5,000.
``footprints (lu)`` and ``footprints (auto)``
    Footprints ``D = S L Y`` of 10 extensions for 50 demand vectors without forming L, from 10
    transposed solves ``(I - A)' M' = S'`` (docs/methods/leontief.md, section "Solving instead of
    inverting"): with one LU factorisation and its
    productivity certificate, or with the strategy :func:`mrio.kernels.solve_leontief` picks
    (GMRES on the sparse ``A'`` for large sparse tables; LU up to N = 2,000), vs one explicit
    inverse ``numpy.linalg.inv(I - A)`` alone. Target: ratio <= 0.35 at N = 9,800.
``calc_all``
    From labelled Z, Y and F: mrio's :meth:`MRIO.from_flows` (validation included), ``A``,
    :func:`mrio.extension_multipliers` and :func:`mrio.footprints` (by region and sector) vs
    pymrio's ``IOSystem.calc_all()`` (which forms L). Targets at N = 5,000: ratio <= 0.25 (4x
    faster) and peak memory <= 0.5x.

Synthetic tables (:func:`synthetic_tables`) have the structure of real MRIOs: dense domestic
blocks, sparse trade blocks, column sums of A drawn in [0.5, 0.7] (docs/methods/leontief.md, section
"Iterative solvers").
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg

from mrio import kernels

__all__ = [
    "SIZES",
    "BenchRow",
    "synthetic_tables",
    "tables_from_wiod",
    "to_frames",
    "measure",
    "measure_pair",
    "peak_memory",
    "compare_leontief_inverse",
    "compare_footprints",
    "compare_calc_all",
    "run",
    "blas_info",
]

#: (regions, sectors) per size of ``mrio bench --size``: N = 1,000; 5,000; 9,800 (EXIOBASE-like).
SIZES: dict[str, list[tuple[int, int]]] = {
    "small": [(10, 100)],
    "medium": [(10, 100), (25, 200)],
    "large": [(10, 100), (25, 200), (49, 200)],
}


@dataclass(frozen=True)
class BenchRow:
    """One comparison: times in seconds (min and median of ``repeat`` interleaved calls), peak memory in MB.

    ``ratio`` is the ratio of the minima, ``median_ratio`` that of the medians: on a busy machine
    one lucky or unlucky call can swing the first; reading both shows how stable a ratio is.
    """

    operation: str
    N: int
    mrio_seconds: float
    reference: str
    reference_seconds: float
    ratio: float
    mrio_peak_mb: float
    reference_peak_mb: float
    memory_ratio: float
    max_relative_difference: float
    mrio_median_seconds: float = np.nan
    reference_median_seconds: float = np.nan
    median_ratio: float = np.nan


# ---------------------------------------------------------------------------------- tables
def synthetic_tables(n_regions: int, n_sectors: int, n_extensions: int = 10, n_categories: int = 3,
                     seed: int = 0, domestic_density: float = 0.6, trade_density: float = 0.02,
                     column_sum: tuple[float, float] = (0.5, 0.7)) -> dict[str, np.ndarray]:
    """Arrays ``Z, Y, F, x, A`` of a synthetic MRIO with realistic structure.

    Parameters
    ----------
    n_regions, n_sectors : int
        ``N = n_regions * n_sectors``, region-major.
    n_extensions : int
        Rows of F (intensities uniform in (0, 1) per unit of output).
    n_categories : int
        Final-demand categories per region; ``Y`` has ``n_regions * n_categories`` columns, with
        80 % of each region's demand bought at home.
    seed : int
    domestic_density, trade_density : float
        Share of non-zero cells in the diagonal (domestic) and off-diagonal (trade) blocks of A.
    column_sum : (float, float)
        Column sums of A are uniform in this range (value added 30-50 % of output).

    Returns
    -------
    dict with ``Z`` (N, N), ``Y`` (N, K), ``F`` (k, N), ``x`` (N,), ``A`` (N, N), all float64,
    with ``x = Z i + Y i`` exactly up to rounding (``x`` solves ``(I - A) x = Y i``).
    """
    rng = np.random.default_rng(seed)
    R, n = n_regions, n_sectors
    N = R * n
    A = np.empty((N, N))
    for s in range(R):  # block by block: no N x N temporaries
        for r in range(R):
            density = domestic_density if r == s else trade_density
            block = rng.random((n, n))
            block *= rng.random((n, n)) < density
            A[r * n:(r + 1) * n, s * n:(s + 1) * n] = block
    A[np.diag_indices(N)] += 1e-3  # every industry uses some of its own product
    A *= rng.uniform(*column_sum, N) / A.sum(axis=0)
    K = R * n_categories
    Y = rng.random((N, K)) * 5.0
    for s in range(R):  # domestic final demand dominates
        Y[s * n:(s + 1) * n, s * n_categories:(s + 1) * n_categories] *= 4.0 * (R - 1) if R > 1 else 1.0
    x = scipy.linalg.solve(np.eye(N) - A, Y.sum(axis=1), check_finite=False)
    Z = A * x[np.newaxis, :]
    F = rng.random((n_extensions, N)) * x[np.newaxis, :]
    return {"Z": Z, "Y": Y, "F": F, "x": x, "A": A}


def tables_from_wiod(folder: str | Path, year: int = 2011, n_extensions: int = 10,
                     seed: int = 0) -> dict[str, Any]:
    """Arrays of the real WIOD 2013 world table (41 regions x 35 industries, N = 1,435).

    The published table closes its rows to integer rounding only and has industries with zero
    output whose final-demand row is not zero (inventory changes of -1). For an exact table the
    final demand of zero-output industries is set to 0 and each remaining row difference
    ``x - Z i - Y i`` (at most 108 million USD) is added to the own region's first final-demand
    category. WIOD has no extensions in this packaging: ``F`` holds ``n_extensions`` seeded random
    intensities times output.

    Returns
    -------
    dict with ``Z, Y, F, x, A`` and labels ``countries``, ``industries``.
    """
    data = np.load(Path(folder) / f"wiot_{year}.npz")
    # the npz arrays are Fortran-ordered: C order as a user's frames would have (and the kernels use)
    Z = np.ascontiguousarray(data["Z"], dtype=np.float64)
    Y = np.ascontiguousarray(data["F"], dtype=np.float64)
    x = data["x"].astype(np.float64)
    countries, industries = list(data["countries"]), list(data["industries"])
    R, n = len(countries), len(industries)
    Y[x == 0, :] = 0.0
    gap = x - Z.sum(axis=1) - Y.sum(axis=1)
    n_fd = Y.shape[1] // R
    for r in range(R):
        Y[r * n:(r + 1) * n, r * n_fd] += gap[r * n:(r + 1) * n]
    rng = np.random.default_rng(seed)
    F = rng.random((n_extensions, len(x))) * x[np.newaxis, :]
    return {"Z": Z, "Y": Y, "F": F, "x": x, "A": kernels.technical_coefficients(Z, x),
            "countries": countries, "industries": industries, "n_categories": n_fd}


def to_frames(tables: dict[str, Any], n_regions: int | None = None,
              n_sectors: int | None = None) -> dict[str, pd.DataFrame]:
    """Labelled ``Z, Y, F`` frames (region-major MultiIndexes) for the labelled comparisons."""
    N = tables["Z"].shape[0]
    regions = tables.get("countries") or [f"R{r:02d}" for r in range(n_regions)]
    sectors = tables.get("industries") or [f"s{i:03d}" for i in range(n_sectors)]
    R = len(regions)
    assert R * len(sectors) == N, "regions x sectors must equal N"
    K = tables["Y"].shape[1]
    cats = [f"fd{c}" for c in range(K // R)]
    idx = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
    cols = pd.MultiIndex.from_product([regions, cats], names=["region", "category"])
    stressors = pd.Index([f"stressor_{k}" for k in range(tables["F"].shape[0])], name="stressor")
    return {
        "Z": pd.DataFrame(tables["Z"], index=idx, columns=idx, copy=False),
        "Y": pd.DataFrame(tables["Y"], index=idx, columns=cols, copy=False),
        "F": pd.DataFrame(tables["F"], index=stressors, columns=idx, copy=False),
    }


# ---------------------------------------------------------------------------------- measuring
def measure(fn: Callable[[], Any], repeat: int = 1, memory: bool = True) -> tuple[float, float, Any]:
    """Best wall time of ``repeat`` calls and the peak traced memory (MB) of one more call.

    The first (warm-up) call is not timed; its result is returned for checking. Peak memory is
    what ``fn`` allocates beyond what exists when it starts (``tracemalloc`` sees numpy arrays).
    """
    result = fn()  # warm-up: numba compilation, imports, caches of the reference
    best = min(_timed(fn) for _ in range(max(1, repeat)))
    return best, peak_memory(fn) if memory else np.nan, result


def _timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def peak_memory(fn: Callable[[], Any]) -> float:
    """Peak memory (MB) that one call of ``fn`` allocates on top of what exists (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return (tracemalloc.get_traced_memory()[1] - base) / 1e6
    finally:
        tracemalloc.stop()


def measure_pair(mine: Callable[[], Any], reference: Callable[[], Any], repeat: int = 1,
                 memory: bool = True) -> tuple[tuple[float, float, Any], tuple[float, float, Any]]:
    """:func:`measure` for two functions with their timed calls interleaved.

    Alternating the calls exposes both sides to the same background load, so the ratio stays
    meaningful on a busy machine. Returns ``(min, peak MB, result, median)`` per side: the
    minimum and the median of the ``repeat`` timed calls.
    """
    results = (mine(), reference())  # warm-up
    times: list[list[float]] = [[], []]
    for _ in range(max(1, repeat)):
        for k, fn in enumerate((mine, reference)):
            times[k].append(_timed(fn))
    peaks = (peak_memory(mine), peak_memory(reference)) if memory else (np.nan, np.nan)
    return tuple((min(times[k]), peaks[k], results[k], float(np.median(times[k]))) for k in range(2))


def _relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    both = np.isfinite(a) & np.isfinite(b)  # mrio reports inactive industries as NaN, pymrio as 0
    a, b = a[both], b[both]
    if a.size == 0:
        return 0.0
    scale = np.abs(b).max()
    return float(np.abs(a - b).max() / scale) if scale else float(np.abs(a - b).max())


def _row(operation: str, N: int, mine: tuple, ref: tuple, reference: str, diff: float) -> BenchRow:
    return BenchRow(operation, N, mine[0], reference, ref[0], mine[0] / ref[0], mine[1], ref[1],
                    mine[1] / ref[1] if ref[1] else np.nan, diff, mine[3], ref[3], mine[3] / ref[3])


# ---------------------------------------------------------------------------------- comparisons
def compare_leontief_inverse(A: np.ndarray, repeat: int = 1, memory: bool = True) -> BenchRow:
    """``mrio.kernels.leontief_inverse(A)`` vs ``numpy.linalg.inv(I - A)``."""
    N = A.shape[0]
    mine, ref = measure_pair(lambda: kernels.leontief_inverse(A), lambda: np.linalg.inv(np.eye(N) - A),
                             repeat, memory)
    return _row("leontief_inverse", N, mine, ref, "numpy.linalg.inv", _relative_difference(mine[2], ref[2]))


def footprints_without_inverse(A: np.ndarray, S: np.ndarray, Y: np.ndarray,
                               method: str = "auto") -> np.ndarray:
    """``D = S L Y`` from ``k`` transposed solves ``(I - A)' M' = S'`` (L never formed).

    ``method="lu"``: one LU factorisation (certified productive) and ``k`` solves with its
    factors. ``"auto"``: :func:`mrio.kernels.solve_leontief` picks by N, right-hand sides and
    density (dense LU up to N = 2,000; GMRES on the sparse ``A'`` for large, sparse tables).
    """
    if method == "lu":
        factor = kernels.LeontiefFactor(A)
        kernels.certify_productive(factor, A)
        return factor.solve_transposed(S) @ Y
    report = kernels.solve_leontief(A.T, S.T, method=method)
    return report.x.T @ Y


def compare_footprints(A: np.ndarray, S: np.ndarray, Y: np.ndarray, repeat: int = 1,
                       memory: bool = True, method: str = "auto") -> BenchRow:
    """Footprints ``S L Y`` by solves (``method``) vs one explicit inverse (``numpy.linalg.inv``)."""
    N = A.shape[0]
    mine, ref = measure_pair(lambda: footprints_without_inverse(A, S, Y, method),
                             lambda: np.linalg.inv(np.eye(N) - A), repeat, memory)
    diff = _relative_difference(mine[2], S @ ref[2] @ Y)
    used = method
    if method == "auto":
        used = kernels.choose_method(N, S.shape[0], int(np.count_nonzero(A)),
                                     min(A.sum(axis=0).max(), A.sum(axis=1).max()))[0]
    return _row(f"footprints {S.shape[0]} ext x {Y.shape[1]} demands ({used})", N, mine, ref,
                "numpy.linalg.inv (one inverse)", diff)


def calc_all_mrio(frames: dict[str, pd.DataFrame]) -> Any:
    """Run the mrio equivalent of pymrio ``calc_all``: validated system, A, multipliers, footprints."""
    # the analysis modules directly: ``mrio.footprints`` is also the former module path (an alias module),
    # which shadows the function of that name once anything has imported ``mrio.footprints`` as a module
    from mrio.analysis.footprints import footprints
    from mrio.analysis.multipliers import extension_multipliers
    from mrio.core.system import MRIO

    units = {"monetary": "M"} | {str(s): "unit" for s in frames["F"].index}
    system = MRIO.from_flows(frames["Z"], frames["Y"], extensions=frames["F"], units=units)
    _ = system.A
    M = extension_multipliers(system)
    return system, M, footprints(system)


def calc_all_pymrio(frames: dict[str, pd.DataFrame]) -> Any:
    """Run pymrio ``IOSystem(Z, Y, extension F).calc_all()``."""
    import pymrio

    io = pymrio.IOSystem(Z=frames["Z"], Y=frames["Y"])
    io.ext = pymrio.Extension(name="ext", F=frames["F"],
                              unit=pd.DataFrame({"unit": "unit"}, index=frames["F"].index))
    io.calc_all()
    return io


def compare_calc_all(frames: dict[str, pd.DataFrame], repeat: int = 1, memory: bool = True) -> BenchRow:
    """Compare mrio (A, multipliers, footprints; no L) with pymrio ``calc_all`` on the same frames."""
    mine, ref = measure_pair(lambda: calc_all_mrio(frames), lambda: calc_all_pymrio(frames), repeat, memory)
    _, M, fp = mine[2]
    io = ref[2]
    diff = max(_relative_difference(M.to_numpy(), io.ext.M.to_numpy()),
               _relative_difference(fp.consumption_based.to_numpy(), io.ext.D_cba_reg.to_numpy()),
               _relative_difference(fp.production_based.to_numpy(), io.ext.D_pba_reg.to_numpy()))
    return _row("calc_all (A, M, footprints)", len(frames["Z"]), mine, ref, "pymrio calc_all", diff)


def pymrio_available() -> bool:
    """Whether pymrio can be imported."""
    try:
        import pymrio  # noqa: F401
    except ImportError:
        return False
    return True


def run(size: str = "small", repeat: int = 1, memory: bool = True, wiod: str | Path | None = None,
        n_demands: int = 50, progress: Callable[[str], None] | None = None) -> list[BenchRow]:
    """Run every comparison for the sizes of ``size`` (and the WIOD table if ``wiod`` is a folder).

    Parameters
    ----------
    size : {"small", "medium", "large"}
        See :data:`SIZES`.
    repeat : int
        Timed repetitions (best is kept).
    memory : bool
        Also measure peak memory (one extra untimed call of each side).
    wiod : path-like, optional
        ``../shared/data/wiod2013``: adds the real WIOD 2011 table (N = 1,435).
    n_demands : int
        Demand vectors of the footprint comparison.
    progress : callable, optional
        Called with a message before each comparison.
    """
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose from {', '.join(SIZES)}")
    say = progress or (lambda _msg: None)
    cases: list[tuple[str, Callable[[], dict[str, Any]], int | None, int | None]] = [
        (f"synthetic {R} x {n}", (lambda R=R, n=n: synthetic_tables(R, n)), R, n) for R, n in SIZES[size]
    ]
    if wiod is not None and Path(wiod).is_dir():
        cases.append(("WIOD 2011", lambda: tables_from_wiod(wiod), None, None))
    rows: list[BenchRow] = []
    with_pymrio = pymrio_available()
    for name, make, R, n in cases:
        say(f"building {name}")
        tables = make()
        A, N = tables["A"], tables["A"].shape[0]
        S = kernels.safe_divide(tables["F"], tables["x"][np.newaxis, :])
        Yd = np.random.default_rng(1).random((N, n_demands))
        say(f"{name}: Leontief inverse (N = {N})")
        rows.append(compare_leontief_inverse(A, repeat, memory))
        say(f"{name}: footprints without L")
        rows.append(compare_footprints(A, S, Yd, repeat, memory, method="lu"))
        if N > 2000:  # "auto" is LU below N = 2,000
            rows.append(compare_footprints(A, S, Yd, repeat, memory, method="auto"))
        if with_pymrio:
            say(f"{name}: calc_all vs pymrio")
            rows.append(compare_calc_all(to_frames(tables, R, n), repeat, memory))
        del tables, A, S, Yd
        gc.collect()
    return rows


def rows_to_frame(rows: list[BenchRow]) -> pd.DataFrame:
    """Return the rows as a table (one row per comparison)."""
    return pd.DataFrame([asdict(r) for r in rows])


def blas_info() -> str:
    """Which BLAS and how many threads numpy/scipy use (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    parts = [f"{i.get('internal_api')} {i.get('version') or ''} ({i.get('architecture') or '?'}), "
             f"{i.get('num_threads')} threads" for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(parts) or "no BLAS found by threadpoolctl"
