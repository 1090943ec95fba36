"""Former module path, kept working: this is :mod:`mrio.analysis.extraction`."""

import sys

from mrio.analysis import extraction as _module

sys.modules[__name__] = _module
