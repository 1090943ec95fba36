"""Former module path, kept working: this is :mod:`mrio.analysis.dependency`."""

import sys

from mrio.analysis import dependency as _module

sys.modules[__name__] = _module
