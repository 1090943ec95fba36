"""Former module path, kept working: this is :mod:`mrio.analysis.linkages`."""

import sys

from mrio.analysis import linkages as _module

sys.modules[__name__] = _module
