"""Former module path, kept working: this is :mod:`mrio.analysis.footprints`."""

import sys

from mrio.analysis import footprints as _module

sys.modules[__name__] = _module
