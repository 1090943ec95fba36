"""Former module path, kept working: this is :mod:`mrio.shocks.ario`."""

import sys

from mrio.shocks import ario as _module

sys.modules[__name__] = _module
