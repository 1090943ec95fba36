"""Structural path analysis (SPA): depth-first enumeration with pruning and exact accounting.

``f'L y = sum_k f'A^k y`` (Defourny & Thorbecke 1984; Lenzen 2003; Peters & Hertwich 2006). The
path ``j -> i_1 -> ... -> i_k`` (final demand for j, supplied through i_1, ..., i_k) has value
``PV = f_{i_k} a_{i_k i_{k-1}} ... a_{i_1 j} y_j``. Depth-first from each final-demand industry
with the upstream amount ``u_child = a_{child,node} u_node``; a subtree is pruned when its total
``m_i u_i`` (``m' = f'L``) is below the threshold (Treloar 1997; docs/methods/paths.md), and expansion
stops at ``max_depth``. Every unit of the total is booked exactly once:

``sum of extracted path values + pruned subtree totals + truncated remainders = f'L y``

because ``m_i u_i = f_i u_i + sum_c m_c a_ci u_i`` at every node (accounting completeness).

Children are read from the compressed columns of A (``scipy.sparse`` CSC), so a node costs the
number of its non-zero inputs, or, for a dense A (:data:`DENSE_SHARE`), from the rows of ``A'``
(compressing a table that is 85 % non-zero cost more than the whole enumeration); zero
coefficients are skipped either way, so both visit the same children in the same order. Roots are
split into chunks run in parallel (``prange``), each with its own explicit stack and a bounded
min-heap of the largest paths, merged at the end.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp
from numba import njit, prange

from . import _codes

__all__ = ["SPAOutput", "structural_paths", "PathBudgetExceeded", "MAX_PATHS"]


@njit(cache=True)
def _heap_store(vals, paths, pos, value, path, depth):  # pragma: no cover - compiled
    """Write one path (nodes ``path[:depth + 1]``, value ``value``) into heap slot ``pos``."""
    vals[pos] = value
    paths[pos, :] = -1
    for d in range(depth + 1):
        paths[pos, d] = path[d]


@njit(cache=True)
def _heap_push(vals, paths, size, value, key, path, depth):  # pragma: no cover - compiled
    """Bounded min-heap on ``key = |value|``; returns the new size."""
    cap = vals.shape[0]
    if cap == 0:
        return size
    if size < cap:
        pos = size
        size += 1
    elif key > abs(vals[0]):
        pos = 0
        # sift the new entry down from the root
        while True:
            left = 2 * pos + 1
            if left >= size:
                break
            child = left
            if left + 1 < size and abs(vals[left + 1]) < abs(vals[left]):
                child = left + 1
            if abs(vals[child]) < key:
                vals[pos] = vals[child]
                paths[pos, :] = paths[child, :]
                pos = child
            else:
                break
        _heap_store(vals, paths, pos, value, path, depth)
        return size
    else:
        return size
    # sift up
    while pos > 0:
        parent = (pos - 1) // 2
        if abs(vals[parent]) > key:
            vals[pos] = vals[parent]
            paths[pos, :] = paths[parent, :]
            pos = parent
        else:
            break
    _heap_store(vals, paths, pos, value, path, depth)
    return size


@njit(cache=True, parallel=True)
def _spa(dense, columns, indptr, indices, data, f, m, y, roots, threshold, max_depth, top, n_chunks,
         budget):  # pragma: no cover - compiled
    """Enumerate from ``roots``; children of ``node`` from ``columns[node]`` (``dense``) or the CSC arrays.

    ``columns[node, i] = a_{i, node}`` (any layout, e.g. ``A.T``); zero coefficients are skipped,
    so both sources visit the same children in the same (ascending) order.
    """
    N = roots.shape[0]
    n = columns.shape[1]
    K = max_depth
    extracted = np.zeros(n_chunks)
    pruned = np.zeros(n_chunks)
    truncated = np.zeros(n_chunks)
    visited = np.zeros(n_chunks, dtype=np.int64)
    heap_vals = np.zeros((n_chunks, top))
    heap_paths = np.full((n_chunks, top, K + 1), -1, dtype=np.int64)
    heap_size = np.zeros(n_chunks, dtype=np.int64)
    for c in prange(n_chunks):
        nodes = np.empty(K + 1, dtype=np.int64)
        amount = np.empty(K + 1)
        ptr = np.empty(K + 1, dtype=np.int64)
        ext = 0.0
        pru = 0.0
        tru = 0.0
        vis = 0
        size = 0
        hv = heap_vals[c]
        hp = heap_paths[c]
        for jj in range(c, N, n_chunks):
            if vis > budget:  # the caller raises: too many paths for the threshold and depth
                break
            j = roots[jj]
            yj = y[j]
            if yj == 0.0:
                continue
            root_total = m[j] * yj
            if abs(root_total) < threshold:
                pru += root_total
                continue
            depth = 0
            nodes[0] = j
            amount[0] = yj
            ptr[0] = 0 if dense else indptr[j]
            pv = f[j] * yj
            ext += pv
            vis += 1
            size = _heap_push(hv, hp, size, pv, abs(pv), nodes, 0)
            if K == 0:
                tru += root_total - pv
                continue
            while depth >= 0:
                if vis > budget:
                    break
                node = nodes[depth]
                p = ptr[depth]
                if p >= (n if dense else indptr[node + 1]):
                    depth -= 1
                    continue
                ptr[depth] = p + 1
                if dense:
                    i = p
                    a = columns[node, p]
                    if a == 0.0:
                        continue
                else:
                    i = indices[p]
                    a = data[p]
                u = a * amount[depth]
                sub = m[i] * u
                if abs(sub) < threshold:
                    pru += sub
                    continue
                depth += 1
                nodes[depth] = i
                amount[depth] = u
                ptr[depth] = 0 if dense else indptr[i]
                pv = f[i] * u
                ext += pv
                vis += 1
                size = _heap_push(hv, hp, size, pv, abs(pv), nodes, depth)
                if depth == K:
                    tru += sub - pv
                    depth -= 1
        extracted[c] = ext
        pruned[c] = pru
        truncated[c] = tru
        visited[c] = vis
        heap_size[c] = size
    return extracted, pruned, truncated, visited, heap_vals, heap_paths, heap_size


class SPAOutput:
    """Raw SPA result (positions only).

    Attributes
    ----------
    values : ndarray of shape (p,)
        The largest path values, by decreasing absolute value.
    paths : ndarray of shape (p, max_depth + 1) of int
        Industry positions from the final-demand industry (column 0) upstream; -1 pads.
    orders : ndarray of shape (p,)
        Path order k (number of input-output links).
    total, extracted, pruned, truncated : float
        ``f'L y`` and its three exact parts (they sum to ``total`` up to rounding).
    visited : int
        Number of paths enumerated (each node visited is one path).
    """

    __slots__ = ("values", "paths", "orders", "total", "extracted", "pruned", "truncated", "visited")

    def __init__(self, values, paths, orders, total, extracted, pruned, truncated, visited):
        self.values, self.paths, self.orders = values, paths, orders
        self.total, self.extracted, self.pruned, self.truncated = total, extracted, pruned, truncated
        self.visited = visited


#: Default cap on the number of paths :func:`structural_paths` enumerates (about 1 s per 10 million).
MAX_PATHS = _codes.MAX_PATHS
#: Final-demand industries (roots) per kernel call: between calls Ctrl-C is honoured.
ROOTS_PER_CALL = 64


class PathBudgetExceeded(ValueError):
    """The enumeration would visit more than ``max_paths`` paths (``.visited`` so far)."""

    def __init__(self, message, visited):
        super().__init__(message)
        self.visited = visited


#: Share of non-zero coefficients above which a dense ``A`` is read in place (its columns through
#: ``A.T``) instead of being compressed: building the CSC arrays of the nl-corop table (85 % non-zero)
#: took 0.9 s, longer than the whole enumeration.
DENSE_SHARE = 0.25


def _children(A):
    """Where :func:`_spa` reads the inputs of each node: ``(dense, columns, indptr, indices, data)``.

    A dense ``ndarray`` with more than :data:`DENSE_SHARE` non-zero entries is read through its
    transpose in C order (``columns[j, i] = a_ij``; one copy, none for a Fortran-ordered ``A``:
    reading the columns of a C-ordered ``A`` in place, with a stride of N, took 0.72 s against
    0.25 s for the report's 50,644 paths on nl-corop); anything else is compressed by columns
    (``scipy.sparse`` CSC without explicit zeros). Both give the same children in the same order.
    """
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    if isinstance(A, np.ndarray) and A.ndim == 2 and A.size:
        if np.count_nonzero(A) > DENSE_SHARE * A.size:
            return True, np.ascontiguousarray(A.T, dtype=np.float64), empty_i, empty_i, empty_f
    C = sp.csc_array(A)
    C.sum_duplicates()
    C.eliminate_zeros()
    return (False, np.zeros((0, 0)), C.indptr.astype(np.int64), C.indices.astype(np.int64),
            C.data.astype(np.float64))


def structural_paths(A, f, m, y, threshold, max_depth, top=1000, n_chunks=None, max_paths=MAX_PATHS):
    """Enumerate structural paths of ``f'L y`` with pruning, keeping the ``top`` largest.

    Parameters
    ----------
    A : ndarray or scipy.sparse array of shape (N, N)
        Input coefficients (``a_ij`` = input from i per unit of output of j).
    f : ndarray of shape (N,)
        Direct intensities (value added, emissions... per unit of output).
    m : ndarray of shape (N,)
        Total intensities ``m' = f'L`` (one transposed solve).
    y : ndarray of shape (N,)
        Final demand.
    threshold : float
        Absolute pruning threshold on subtree totals ``|m_i u_i|`` (e.g. ``1e-4 * |f'L y|``).
    max_depth : int
        Highest path order expanded.
    top : int
        Number of largest paths kept.
    n_chunks : int, optional
        Parallel work units (default: 4 per numba thread).
    max_paths : int, default :data:`MAX_PATHS`
        Budget of enumerated paths: the roots are processed ``ROOTS_PER_CALL`` at a time (so that
        Ctrl-C interrupts between calls) and :class:`PathBudgetExceeded` is raised as soon as the
        count passes the budget (a threshold of 0 enumerates every path up to ``max_depth``).

    Returns
    -------
    SPAOutput
    """
    if max_depth < 0:
        raise ValueError(f"max_depth must be >= 0, got {max_depth}")
    dense, columns, indptr, indices, data = _children(A)
    f = np.ascontiguousarray(f, dtype=np.float64)
    m = np.ascontiguousarray(m, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    if n_chunks is None:
        n_chunks = 4 * numba.get_num_threads()
    roots_all = np.flatnonzero(y != 0.0).astype(np.int64)
    n_chunks = max(1, min(int(n_chunks), max(1, min(ROOTS_PER_CALL, roots_all.size))))
    ext = pru = tru = 0.0
    visited = 0
    val_parts, path_parts = [], []
    for start in range(0, max(roots_all.size, 1), ROOTS_PER_CALL):
        roots = roots_all[start:start + ROOTS_PER_CALL]
        budget = (int(max_paths) - visited) // n_chunks + 1
        e, p, t, vis, hv, hp, hs = _spa(dense, columns, indptr, indices, data, f, m, y, roots,
                                        float(threshold), int(max_depth), int(top), n_chunks, budget)
        visited += int(vis.sum())
        if visited > max_paths:
            raise PathBudgetExceeded(f"more than {int(max_paths):,} paths", visited)
        ext, pru, tru = ext + float(e.sum()), pru + float(p.sum()), tru + float(t.sum())
        val_parts.extend(hv[c, :hs[c]] for c in range(n_chunks))
        path_parts.extend(hp[c, :hs[c]] for c in range(n_chunks))
    vals = np.concatenate(val_parts) if val_parts else np.zeros(0)
    paths = np.concatenate(path_parts, axis=0) if path_parts else np.zeros((0, int(max_depth) + 1), np.int64)
    order = np.argsort(-np.abs(vals), kind="stable")[:top]
    vals, paths = vals[order], paths[order]
    orders = (paths >= 0).sum(axis=1) - 1
    return SPAOutput(vals, paths, orders, float(m @ y), ext, pru, tru, visited)
