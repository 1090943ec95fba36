"""Former module path, kept working: this is :mod:`mrio.analysis.paths`."""

import sys

from mrio.analysis import paths as _module

sys.modules[__name__] = _module
