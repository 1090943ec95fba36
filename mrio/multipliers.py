"""Former module path, kept working: this is :mod:`mrio.analysis.multipliers`."""

import sys

from mrio.analysis import multipliers as _module

sys.modules[__name__] = _module
