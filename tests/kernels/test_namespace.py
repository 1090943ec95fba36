"""mrio.kernels imports its submodules on first use (issue 13, item 23: commands start faster)."""

from __future__ import annotations

import subprocess
import sys

from mrio import kernels


def test_every_public_name_resolves_to_its_submodule():
    for name in kernels.__all__:
        value = getattr(kernels, name)
        assert value is not None, name
    assert set(kernels.__all__) <= set(dir(kernels))
    assert kernels._balancing.DEFAULT_TOL > 0  # submodules by name, as the labelled layer uses them


def test_light_kernels_and_codes_do_not_load_numba():
    code = ("import sys, mrio.kernels as k; k.LeontiefFactor; k.EVENT_CAPACITY; k.MAX_PATHS; "
            "k.SingularError; import mrio.cli._core, mrio.cli._dependency, mrio.cli._shock; "
            "print('numba' in sys.modules, 'scipy.optimize' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
