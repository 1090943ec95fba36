"""Former module path, kept working: this is :mod:`mrio.analysis.trade`."""

import sys

from mrio.analysis import trade as _module

sys.modules[__name__] = _module
