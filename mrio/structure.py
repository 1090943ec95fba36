"""Former module path, kept working: this is :mod:`mrio.analysis.structure`."""

import sys

from mrio.analysis import structure as _module

sys.modules[__name__] = _module
