"""Benchmark of ``mrio validate --truth all`` (issue 11): rebuild and score Japan 2015, WIOD 2000 and 2011.

Target: <= 60 s on this 2-core machine. Ratio reported: the calibrated class model against the
single-decay ("uniform") model on the same truths, in one run.

Run timed::

    NUMBA_CACHE_DIR=/tmp/numba_cache_$USER python -m pytest benchmarks/bench_validate.py \\
        --benchmark-enable --benchmark-columns=min,median,rounds
"""

from __future__ import annotations

import pytest

from mrio.build.validation import validate


@pytest.mark.parametrize("trade", ["calibrated", "uniform"])
def test_validate_all(benchmark, shared_data, trade):
    benchmark.group = "mrio validate --truth all"
    table = benchmark.pedantic(validate, args=("all", shared_data), kwargs={"trade": trade}, rounds=1,
                               iterations=1)
    assert len(table) == 22
